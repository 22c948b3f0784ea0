import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { runCli } from '../src/cli/run.ts';
import { ProductCatalogue, QuarterlyReport, UserProfile } from '../src/schemas.ts';
import { FAULTS } from '../src/simulated/simulated-model.ts';
import { cleanEnv, finalObject, jsonLines, runDemo, runDemoInProcess } from './helpers.ts';

const FAST = ['--pace', '1'];

/** The category each injected fault is reported with before the retry. */
const FAULT_CATEGORY: Record<(typeof FAULTS)[number], string> = {
  'rate-limit': 'rate_limit',
  'server-error': 'server',
  overloaded: 'server',
  stall: 'timeout',
  'midstream-error': 'server',
  malformed: 'server',
  truncate: 'network',
  invalid: 'validation',
};

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

describe('pnpm demo (embedded simulated model, no key)', { timeout: 20_000 }, () => {
  it('streams a user profile to completion with progress lines and says which model it uses', async () => {
    const result = await runDemo([]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Using embedded simulated model (no API key)');
    expect(result.stdout).toMatch(/fake OpenAI-compatible server at http:\/\/127\.0\.0\.1:\d+\/v1/);
    const progress = [
      ...result.stdout.matchAll(
        /^\[\s*~?(\d+)%\] [\d.]+s (\d+) chunks, attempt 1, openai\/gpt-4o-mini/gm,
      ),
    ];
    expect(progress.length).toBeGreaterThan(3);
    const percents = progress.map((match) => Number(match[1]));
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    // Estimated from the schema alone while streaming (marked ~), exact once complete.
    expect(result.stdout).toMatch(/^\[ *~\d+%\]/m);
    expect(result.stdout).toMatch(/\[100%\].* complete\n/);
    const profile = UserProfile.parse(finalObject(result.stdout));
    expect(profile.title).toBe('Senior Software Engineer');
    expect(profile.skills.length).toBeGreaterThan(0);
  });

  it('--json prints one parseable line per response, growing to a complete validated value', async () => {
    const result = await runDemo(['--json', '--schema', 'report', ...FAST]);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('embedded simulated model');
    const lines = jsonLines(result.stdout);
    expect(lines.length).toBeGreaterThan(10);
    const percents = lines.map((line) => line.progressPercent);
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    expect(lines.slice(0, -1).every((line) => !line.isComplete)).toBe(true);
    const last = lines.at(-1);
    expect(last).toMatchObject({ index: 0, attempt: 1, isComplete: true, progressPercent: 100 });
    // The first answer of a model in this process: the percent is the schema's estimate, and says so.
    const streaming = lines.slice(0, -1).filter((line) => line.progressPercent > 0);
    expect(streaming.length).toBeGreaterThan(0);
    for (const line of streaming) expect(line.estimate).toBe('schema');
    expect(last?.estimate).toBeUndefined();
    const report = QuarterlyReport.parse(last?.partialResult);
    expect(report.sections.length).toBe(3);
    // Partials grow: an early line holds a prefix of the final title.
    const early = lines
      .map((line) => (line.partialResult as { title?: string } | undefined)?.title)
      .find((title) => title !== undefined);
    expect(early).toBeDefined();
    expect(report.title.startsWith(early ?? '')).toBe(true);
  });

  it.concurrent.each(FAULTS)('--fault %s is recovered from live (attempt 2)', async (fault) => {
    const result = await runDemoInProcess(['--fault', fault, ...FAST]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`retry: .*after ${FAULT_CATEGORY[fault]}.*attempt 2`));
    expect(result.stdout).toMatch(/attempt 2, openai\/gpt-4o-mini complete/);
    UserProfile.parse(finalObject(result.stdout));
  });

  it.concurrent.each([
    ['server-error', 'server'],
    ['invalid', 'validation'],
    ['truncate', 'network'],
  ])('--fault %s with --max-retries 0 exits 1 naming the category', async (fault, category) => {
    const result = await runDemoInProcess(['--fault', fault, '--max-retries', '0', ...FAST]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`failed [${category}]`);
    expect(result.stdout).toContain(`error [${category}]`);
    expect(result.stdout).toContain('attempt 1 on openai/gpt-4o-mini');
  });

  it('falls back to another model when the first is exhausted', async () => {
    const result = await runDemoInProcess([
      '--fault',
      'overloaded',
      '--max-retries',
      '0',
      '--fallback',
      'anthropic/claude-haiku-4-5',
      '--schema',
      'catalogue',
      '--json',
      ...FAST,
    ]);
    expect(result.code).toBe(0);
    const last = jsonLines(result.stdout).at(-1);
    expect(last).toMatchObject({
      attempt: 2,
      model: 'anthropic/claude-haiku-4-5',
      isComplete: true,
    });
    const catalogue = ProductCatalogue.parse(last?.partialResult);
    expect(catalogue.products.length).toBeGreaterThan(10);
  });

  it('--batch 3 --concurrency 2 runs three requests, two at a time', async () => {
    const result = await runDemoInProcess([
      '--batch',
      '3',
      '--concurrency',
      '2',
      '--json',
      ...FAST,
    ]);
    expect(result.code).toBe(0);
    const lines = jsonLines(result.stdout);
    const finals = lines.filter((line) => line.isComplete);
    expect(finals.map((line) => line.index).sort()).toEqual([0, 1, 2]);
    for (const line of finals) UserProfile.parse(line.partialResult);
    // The third request starts only once one of the first two has finished.
    const firstOfThird = lines.findIndex((line) => line.index === 2);
    const firstFinal = lines.findIndex((line) => line.isComplete);
    expect(firstOfThird).toBeGreaterThan(firstFinal);
    // Variants of the prompt get different answers.
    expect(new Set(finals.map((line) => JSON.stringify(line.partialResult))).size).toBe(3);
  });

  it('--batch without --json prints labelled lines and a result per request', async () => {
    const result = await runDemoInProcess(['--batch', '2', '--schema', 'catalogue', ...FAST]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^#1 \[100%\].*complete$/m);
    expect(result.stdout).toMatch(/^#2 \[100%\].*complete$/m);
    expect(result.stdout).toMatch(/^#2 \{"store":/m);
  });

  it('--no-stream makes one non-streaming call and still completes', async () => {
    const result = await runDemoInProcess(['--no-stream', '--json', ...FAST]);
    expect(result.code).toBe(0);
    const lines = jsonLines(result.stdout);
    expect(lines.at(-1)).toMatchObject({ isComplete: true, progressPercent: 100 });
    expect(lines.length).toBeLessThanOrEqual(3);
    expect(result.stderr).toContain('not streaming');
  });

  it('--chunk-size thins the partials', async () => {
    const every = jsonLines((await runDemoInProcess(['--json', ...FAST])).stdout).length;
    const thinned = jsonLines(
      (await runDemoInProcess(['--json', '--chunk-size', '200', ...FAST])).stdout,
    );
    expect(thinned.at(-1)?.isComplete).toBe(true);
    expect(thinned.length).toBeLessThan(every / 3);
  });

  it('--help lists the flags and exits 0', async () => {
    const result = await runDemo(['--help']);
    expect(result.code).toBe(0);
    for (const flag of [
      '--prompt',
      '--schema',
      '--model',
      '--fallback',
      '--chunk-size',
      '--no-stream',
      '--fault',
      '--batch',
      '--concurrency',
      '--json',
      '--web',
    ]) {
      expect(result.stdout).toContain(flag);
    }
  });
});

describe('bad flags exit 2 with a clear message', { timeout: 20_000 }, () => {
  it('the binary exits with code 2', async () => {
    const result = await runDemo(['--bogus']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("Unknown option '--bogus'. Run with --help for the flags.");
  });

  it.each([
    [['--bogus'], "Unknown option '--bogus'"],
    [['--schema', 'invoice'], 'unknown example "invoice"'],
    [['--fault', 'meteor'], 'unknown fault "meteor"'],
    [['--batch', '0'], '--batch takes a whole number ≥ 1'],
    [['--concurrency', 'two'], '--concurrency takes a whole number'],
    [['--prompt'], 'argument missing'],
    [['stray'], 'positional'],
    [['--base-url', 'not a url'], 'is not a URL'],
  ])('%j', async (args, message) => {
    const result = await runDemoInProcess(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stdout).toBe('');
  });
});

describe('real backends (no network: failures before or at the first byte)', {
  timeout: 20_000,
}, () => {
  const secret = 'sk-test-do-not-print-1234567890';

  it('says it uses the real provider, refuses --fault, and never prints the key', async () => {
    const result = await runDemo(['--fault', 'stall'], cleanEnv({ OPENAI_API_KEY: secret }));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--fault needs the embedded simulated model');
    expect(result.stdout + result.stderr).not.toContain(secret);
  });

  it('a missing key for the chosen provider fails with category auth, naming the variable', async () => {
    const result = await runDemo(
      ['--model', 'anthropic/claude-haiku-4-5', '--max-retries', '0'],
      cleanEnv({ OPENAI_API_KEY: secret }),
    );
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('Using real models: OpenAI (OPENAI_API_KEY)');
    expect(result.stderr).toContain('failed [auth]');
    expect(result.stderr).toContain('ANTHROPIC_API_KEY');
    expect(result.stdout + result.stderr).not.toContain(secret);
  });

  it('an unreachable --base-url fails with category network', async () => {
    const port = await closedPort();
    const result = await runDemo([
      '--base-url',
      `http://127.0.0.1:${port}/v1`,
      '--api-key',
      secret,
      '--model',
      'llama3.1',
      '--max-retries',
      '0',
    ]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`OpenAI-compatible server at http://127.0.0.1:${port}/v1`);
    expect(result.stderr).toContain('failed [network]');
    expect(result.stdout + result.stderr).not.toContain(secret);
  });
});

describe('terminal rendering', { timeout: 20_000 }, () => {
  it('redraws a progress bar and the growing object in a TTY, then prints the result', async () => {
    let written = '';
    const stdout = {
      isTTY: true,
      columns: 100,
      rows: 30,
      write: (text: string) => {
        written += text;
        return true;
      },
      on: () => stdout,
      once: () => stdout,
      off: () => stdout,
      removeListener: () => stdout,
    };
    let errors = '';
    const code = await runCli(['--fault', 'midstream-error', ...FAST], {
      stdout,
      stderr: { write: (text: string) => (errors += text) },
      env: { NO_COLOR: '1' },
    });
    expect(errors).toBe('');
    expect(code).toBe(0);
    // Cursor movement: the frame is redrawn in place.
    expect(written).toContain('\u001b[');
    expect(written).toMatch(/█+░+\s+~?\d+%.*chunks.*attempt.*1.*openai\/gpt-4o-mini/);
    expect(written).toMatch(/attempt.*2/);
    expect(written).toContain('retry: Retrying openai/gpt-4o-mini after server');
    expect(written).toContain('"name": ');
    expect(written).toContain('✔ complete');
  });
});
