import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from '../src/cli/run.ts';
import { UserProfile } from '../src/schemas.ts';
import { cleanEnv, jsonLines, runDemo, runDemoInProcess, startDemo } from './helpers.ts';

// What a first hour with the demo runs into: long batches, Ctrl-C, pipes, busy ports, typos.

const FAST = ['--pace', '1'];
const cliPath = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const demoRoot = fileURLToPath(new URL('..', import.meta.url));

/** A TTY-like stdout for the in-process CLI, of the given size. */
function terminal(columns: number | undefined, rows: number | undefined) {
  let written = '';
  return {
    stdout: {
      isTTY: true,
      columns,
      rows,
      write: (text: string) => {
        written += text;
        return true;
      },
    },
    written: () => written,
  };
}

describe('--batch', { timeout: 30_000 }, () => {
  it('prints each result as soon as its request ends, not when the whole batch has', async () => {
    const result = await runDemo(['--batch', '3', '--concurrency', '1', ...FAST], cleanEnv());
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    // With one request at a time, #2 starts only once #1 has ended: #1's result comes first.
    const firstResult = lines.findIndex((line) => line.startsWith('#1 {"name":'));
    const secondStarts = lines.findIndex((line) => line.startsWith('#2 ['));
    expect(firstResult).toBeGreaterThan(-1);
    expect(firstResult).toBeLessThan(secondStarts);
    expect(lines.findIndex((line) => line.startsWith('#2 {"name":'))).toBeLessThan(
      lines.findIndex((line) => line.startsWith('#3 [')),
    );
    expect(result.stdout).toMatch(/^3 requests: 3 complete, 0 failed$/m);
  });

  it.each([
    [['--batch', '100000'], '--batch takes at most 1000 requests, got 100000'],
    [['--batch', '1001'], '--batch takes at most 1000 requests, got 1001'],
  ])('%j is refused with the bound (exit 2)', async (args, message) => {
    const result = await runDemoInProcess(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`error: ${message}: run several batches for more\n`);
    expect(result.stdout).toBe('');
  });

  it('--batch 1000 is accepted', async () => {
    // The bound itself is allowed: the run starts (and is cancelled by the test at once).
    const controller = new AbortController();
    let stdout = '';
    const run = runCli(['--batch', '1000', '--json', ...FAST], {
      stdout: {
        write: (text: string) => {
          stdout += text;
          controller.abort(new Error('interrupted'));
        },
      },
      stderr: { write: () => true },
      env: {},
      signal: controller.signal,
    });
    expect(await run).toBe(130);
    expect(jsonLines(stdout).length).toBeGreaterThan(0);
  });

  it('Ctrl-C ends a long batch with one summary line and exit code 130', async () => {
    const demo = startDemo(['--batch', '1000', ...FAST], cleanEnv());
    await demo.waitFor(/^#1 \{"name":/m);
    const code = await demo.stop('SIGINT');
    const { stdout, stderr } = demo.output();
    expect(code).toBe(130);
    expect(stderr).toMatch(
      /^interrupted: (\d+) of 1000 requests ended \(\1 complete, 0 failed\), \d+ cancelled\n$/,
    );
    const [, ended, cancelled] = stderr.match(/(\d+) of 1000.* (\d+) cancelled/) ?? [];
    expect(Number(ended) + Number(cancelled)).toBe(1000);
    expect(Number(ended)).toBeGreaterThan(0);
    // Each request that ended has its result line; the cancelled ones print nothing.
    expect(stdout.match(/^#\d+ \{"name":/gm)?.length).toBe(Number(ended));
    expect(stdout).not.toContain('aborted');
    expect(stdout).not.toContain('error');
  });

  it('Ctrl-C during a single request: one line saying how far it got, exit 130', async () => {
    const demo = startDemo(['--pace', '40'], cleanEnv());
    await demo.waitFor(/^\[\s*~?\d+%\]/m);
    const code = await demo.stop('SIGINT');
    const { stdout, stderr } = demo.output();
    expect(code).toBe(130);
    expect(stderr).toMatch(
      /^interrupted at \d+% \(attempt 1, openai\/gpt-4o-mini, \d+\.\ds\): cancelled\n$/,
    );
    expect(stdout).not.toContain('error');
  });
});

describe('--fault with --batch', { timeout: 30_000 }, () => {
  it('every request of the batch meets the fault on its first call and recovers', async () => {
    const result = await runDemoInProcess([
      '--batch',
      '3',
      '--fault',
      'server-error',
      '--json',
      ...FAST,
    ]);
    expect(result.code).toBe(0);
    const finals = jsonLines(result.stdout).filter((line) => line.isComplete);
    expect(finals.map((line) => line.index).sort()).toEqual([0, 1, 2]);
    for (const line of finals) {
      expect(line).toMatchObject({ attempt: 2 });
      expect(line.error).toBeUndefined();
      UserProfile.parse(line.partialResult);
    }
  });

  it('repeated faults hit the same request call after call', async () => {
    const twice = ['--fault', 'server-error', '--fault', 'rate-limit', ...FAST];
    const exhausted = await runDemoInProcess([...twice, '--max-retries', '1']);
    expect(exhausted.code).toBe(1);
    expect(exhausted.stderr).toContain('failed [rate_limit]');
    const recovered = await runDemoInProcess([...twice, '--max-retries', '2']);
    expect(recovered.code).toBe(0);
    expect(recovered.stdout).toMatch(/attempt 3, openai\/gpt-4o-mini complete/);
  });
});

describe('pipes', { timeout: 30_000 }, () => {
  it('`demo | head -3`: a closed pipe ends quietly with exit code 0', async () => {
    const child = spawn(
      process.execPath,
      ['--conditions=@structllm/source', cliPath, '--pace', '5'],
      {
        cwd: demoRoot,
        env: cleanEnv(),
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (data: string) => {
      stderr += data;
    });
    let lines = 0;
    child.stdout.setEncoding('utf8').on('data', (data: string) => {
      lines += data.split('\n').length - 1;
      // What `head -3` does: stop reading once it has three lines.
      if (lines >= 3) child.stdout.destroy();
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(lines).toBeGreaterThanOrEqual(3);
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });
});

describe('--web on a busy port', { timeout: 30_000 }, () => {
  it('says so in one line, suggesting --port 0, and exits 1', async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const address = busy.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    try {
      const result = await runDemo(['--web', '--port', String(address.port)], cleanEnv());
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(
        `error: port ${address.port} is already in use: pick another with --port <n>, or --port 0 for a free one\n`,
      );
    } finally {
      await new Promise<void>((resolve) => busy.close(() => resolve()));
    }
  });
});

describe('models in simulated mode', { timeout: 30_000 }, () => {
  it('refuses a model no simulated server serves, listing what they serve (exit 2)', async () => {
    const result = await runDemo(['--model', 'foo/bar'], cleanEnv());
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('--model "foo/bar": no simulated server serves it');
    for (const form of ['openai/<model>', 'anthropic/<model>', 'openrouter/<vendor>/<model>']) {
      expect(result.stderr).toContain(form);
    }
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it.each([
    [['--fallback', 'gpt-4o-mini'], '--fallback "gpt-4o-mini"'],
    [['--fallback', 'openai/gpt-4o-mini,mistral/large'], '--fallback "mistral/large"'],
    [['--model', 'openrouter/llama'], '--model "openrouter/llama"'],
    [['--model', 'anthropic/'], '--model "anthropic/"'],
  ])('%j is refused', async (args, message) => {
    const result = await runDemoInProcess([...args, ...FAST]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${message}: no simulated server serves it`);
    expect(result.stdout).toBe('');
  });

  it('the first line names the server that really serves the model', async () => {
    const result = await runDemoInProcess([
      '--model',
      'anthropic/claude-haiku-4-5',
      '--fallback',
      'openrouter/meta-llama/llama-3.1-70b-instruct',
      ...FAST,
    ]);
    expect(result.code).toBe(0);
    const [first, second] = result.stdout.split('\n');
    expect(first).toMatch(
      /^Using embedded simulated model \(no API key\): a fake Anthropic server at http:\/\/127\.0\.0\.1:\d+, reached through @structllm\/anthropic$/,
    );
    expect(second).toBe(
      'model anthropic/claude-haiku-4-5, fallbacks openrouter/meta-llama/llama-3.1-70b-instruct (fake OpenRouter server); schema profile',
    );
    expect(result.stdout).toMatch(/attempt 1, anthropic\/claude-haiku-4-5 complete/);
  });
});

describe('negative numbers get the demo’s own message', { timeout: 30_000 }, () => {
  it('the binary: --batch -3 exits 2', async () => {
    const result = await runDemo(['--batch', '-3'], cleanEnv());
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('error: --batch takes a whole number ≥ 1, got "-3"\n');
  });

  it.each([
    [['--max-retries', '-1'], '--max-retries takes a whole number ≥ 0, got "-1"'],
    [['--concurrency', '-2'], '--concurrency takes a whole number ≥ 1, got "-2"'],
    [['--pace', '-5'], '--pace takes a whole number ≥ 0, got "-5"'],
    [['--chunk-size', '-0.5'], '--chunk-size takes a whole number ≥ 0, got "-0.5"'],
    [['--port', '-1', '--web'], '--port takes a whole number ≥ 0, got "-1"'],
  ])('%j', async (args, message) => {
    const result = await runDemoInProcess(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`error: ${message}\n`);
  });

  it('a prompt that starts like a negative number is a prompt', async () => {
    const result = await runDemoInProcess(['-p', '-40 degrees: a polar researcher', ...FAST]);
    expect(result.code).toBe(0);
    UserProfile.parse(JSON.parse(result.stdout.slice(result.stdout.indexOf('\n{\n') + 1)));
  });
});

describe('a failure is printed once', { timeout: 30_000 }, () => {
  it('the message appears once across stdout and stderr; stdout keeps the attempts', async () => {
    const result = await runDemo(['--fault', 'server-error', '--max-retries', '0', ...FAST]);
    expect(result.code).toBe(1);
    const all = result.stdout + result.stderr;
    expect(all.split('The server had an error (simulated)').length - 1).toBe(1);
    expect(result.stderr).toBe(
      'error: failed [server]: HTTP 500: OpenAI: The server had an error (simulated).\n',
    );
    expect(result.stdout).toContain(
      'error [server] after 1 attempt\n  attempt 1 on openai/gpt-4o-mini: server\n',
    );
  });

  it('an earlier attempt’s different failure is kept', async () => {
    const result = await runDemoInProcess([
      '--fault',
      'rate-limit',
      '--fault',
      'server-error',
      '--max-retries',
      '1',
      ...FAST,
    ]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      'error [server] after 2 attempts\n  attempt 1 on openai/gpt-4o-mini: rate_limit — HTTP 429: OpenAI: Rate limit reached for requests per minute (simulated).\n  attempt 2 on openai/gpt-4o-mini: server\n',
    );
  });
});

describe('--json progress is rounded', { timeout: 30_000 }, () => {
  it('progress to one decimal', async () => {
    const result = await runDemoInProcess(['--json', '--schema', 'catalogue', ...FAST]);
    expect(result.code).toBe(0);
    const percents = jsonLines(result.stdout).map((line) => line.progressPercent);
    expect(percents.length).toBeGreaterThan(10);
    for (const percent of percents) expect(String(percent)).toMatch(/^\d+(\.\d)?$/);
  });
});

describe('a terminal that reports no size', { timeout: 30_000 }, () => {
  it.each([
    [0, 0],
    [undefined, undefined],
  ])('columns %s × rows %s: drawn at 80 × 24', async (columns, rows) => {
    const tty = terminal(columns, rows);
    const code = await runCli(FAST, {
      stdout: tty.stdout,
      stderr: { write: () => true },
      env: { NO_COLOR: '1' },
    });
    expect(code).toBe(0);
    const written = tty.written();
    // The live bar is drawn, on one line (not wrapped a character at a time).
    expect(written).toMatch(
      /█+░+\s+~?\d+% {2}[\d.]+s {2}\d+ chunks {2}attempt 1 · openai\/gpt-4o-mini/,
    );
    expect(written).toContain('✔ complete');
  });

  it('a batch in a 0 × 0 terminal prints each result line with its preview', async () => {
    const tty = terminal(0, 0);
    const code = await runCli(['--batch', '2', ...FAST], {
      stdout: tty.stdout,
      stderr: { write: () => true },
      env: { NO_COLOR: '1' },
    });
    expect(code).toBe(0);
    expect(tty.written()).toMatch(/✔ #1 \{"name":"[^"]+","email"/);
    expect(tty.written()).toMatch(/✔ #2 \{"name":"[^"]+","email"/);
    expect(tty.written()).toContain('2 requests: 2 complete, 0 failed');
  });
});

describe('--help', { timeout: 30_000 }, () => {
  it('says how --batch, --fault and pnpm -s behave', async () => {
    const result = await runDemoInProcess(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: pnpm -s demo [options]');
    expect(result.stdout).toContain('at most 1000');
    expect(result.stdout).toContain("fail each request's first call");
    expect(result.stdout).toContain('130 interrupted');
  });
});
