import type { ProgressEvent } from '@structllm/core';
import { readStructuredStream } from '@structllm/http/client';
import {
  type RecordedRequest,
  startAnthropicServer,
  startOpenAIServer,
  startOpenRouterServer,
  type WireScript,
  type WireServer,
} from '@structllm/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, type RunningDemo, runDemo, startDemo } from './helpers.ts';

/**
 * The demo's output never holds an API key, even when the server echoes it back
 * in error bodies, error headers and mid-stream error events: every failing run
 * of the real CLI (and of the web page's SSE stream and /metrics) is grepped.
 */

/** A key no output could contain by chance. */
const SECRET = 'sk-demo-4Jq9TzW2vLk7XbN3mRp8YcH6';
const FRAGMENTS = [
  SECRET,
  `Bearer ${SECRET}`,
  SECRET.slice(-8), // the key's last 8 characters
  SECRET.slice(8, 20), // and a piece of its middle
];

/** Asserts that no form of the key appears in `text`, nor any bearer token but a redacted one. */
function expectNoSecret(text: string, where: string): void {
  for (const fragment of FRAGMENTS) {
    expect(text.includes(fragment), `${where} holds "${fragment}":\n${text}`).toBe(false);
  }
  expect(text, where).not.toMatch(/bearer\s+(?!\[redacted\])[\w-]{8,}/i);
}

type Dialect = 'openai' | 'anthropic' | 'openrouter';

const START: Record<Dialect, typeof startOpenAIServer> = {
  openai: startOpenAIServer,
  anthropic: startAnthropicServer,
  openrouter: startOpenRouterServer,
};

/** How the CLI is pointed at a fake server with the key: a flag, or the provider's variables. */
interface Backend {
  readonly name: string;
  readonly dialect: Dialect;
  /** The model the web page asks for. */
  readonly model: string;
  readonly args: (server: WireServer) => string[];
  readonly env: (server: WireServer) => Record<string, string>;
}

const BACKENDS: readonly Backend[] = [
  {
    name: '--base-url --api-key',
    dialect: 'openai',
    model: 'local/llama3.1',
    args: (server) => ['--base-url', server.baseURL, '--api-key', SECRET],
    env: () => ({}),
  },
  {
    name: 'OPENAI_API_KEY',
    dialect: 'openai',
    model: 'openai/gpt-4o-mini',
    args: () => [],
    env: (server) => ({ OPENAI_API_KEY: SECRET, OPENAI_BASE_URL: server.baseURL }),
  },
  {
    name: 'ANTHROPIC_API_KEY',
    dialect: 'anthropic',
    model: 'anthropic/claude-haiku-4-5',
    args: () => [],
    env: (server) => ({ ANTHROPIC_API_KEY: SECRET, ANTHROPIC_BASE_URL: server.baseURL }),
  },
  {
    name: 'OPENROUTER_API_KEY',
    dialect: 'openrouter',
    model: 'openrouter/openai/gpt-4o-mini',
    args: () => [],
    env: (server) => ({ OPENROUTER_API_KEY: SECRET, OPENROUTER_BASE_URL: server.baseURL }),
  },
];

/** Any answer: the failing scripts cut it short. */
const ANSWER = {
  name: 'Ada Lovelace',
  email: 'ada@example.com',
  title: 'Analyst',
  location: 'London',
  yearsExperience: 12,
  seniority: 'senior',
  skills: ['mathematics'],
  bio: 'Wrote the first published program.',
};

interface Failure {
  readonly name: string;
  /** The script for the n-th request (0-based). */
  readonly script: (request: RecordedRequest) => WireScript;
  readonly category: string;
  readonly maxRetries: number;
  /** The server's message, holding the key, reaches the printed error (redacted). */
  readonly echoes: boolean;
}

const FAILURES: readonly Failure[] = [
  {
    name: '401 echoing the key and the Authorization header',
    script: () => ({
      kind: 'error',
      status: 401,
      message: `Incorrect API key provided: ${SECRET}. You sent Authorization: Bearer ${SECRET}`,
      headers: { 'www-authenticate': `Bearer realm="${SECRET}"` },
    }),
    category: 'auth',
    maxRetries: 0,
    echoes: true,
  },
  {
    name: '500 then 503 echoing the key, retried to exhaustion',
    script: (request) =>
      request.index % 2 === 0
        ? { kind: 'error', status: 500, message: `upstream failed for key ${SECRET}` }
        : { kind: 'error', status: 503, message: `Authorization: Bearer ${SECRET} unavailable` },
    category: 'server',
    maxRetries: 1,
    echoes: true,
  },
  {
    name: 'a mid-stream error event echoing the key',
    script: () => ({
      kind: 'generate',
      json: ANSWER,
      chunkSize: 6,
      fault: { type: 'error-event', afterChunks: 3, message: `stream broke for key ${SECRET}` },
    }),
    category: 'server',
    maxRetries: 0,
    echoes: true,
  },
  {
    name: '429 echoing the key in the body and a header',
    script: () => ({
      kind: 'error',
      status: 429,
      retryAfterMs: 1,
      message: `Rate limit reached for x-api-key ${SECRET}`,
      headers: { 'x-echo-key': SECRET, 'x-echo-authorization': `Bearer ${SECRET}` },
    }),
    category: 'rate_limit',
    maxRetries: 0,
    echoes: true,
  },
  {
    name: 'a connection reset',
    script: () => ({ kind: 'reset' }),
    category: 'network',
    maxRetries: 0,
    echoes: false,
  },
];

const OUTPUTS: ReadonlyArray<{ readonly name: string; readonly args: readonly string[] }> = [
  { name: 'text', args: [] },
  { name: '--json', args: ['--json'] },
  { name: '--no-stream', args: ['--no-stream'] },
];

const CASES = BACKENDS.flatMap((backend) =>
  FAILURES.flatMap((failure) => OUTPUTS.map((output) => ({ backend, failure, output }))),
);

describe('the CLI never prints the API key of a failing run', { timeout: 20_000 }, () => {
  it.concurrent.each(CASES.map((c) => [c.backend.name, c.failure.name, c.output.name, c] as const))(
    '%s, %s, %s',
    async (_backend, _failure, _output, { backend, failure, output }) => {
      await using server = await START[backend.dialect]({ defaultScript: failure.script });
      const result = await runDemo(
        [...backend.args(server), ...output.args, '--max-retries', String(failure.maxRetries)],
        cleanEnv(backend.env(server)),
      );
      const all = `${result.stdout}\n${result.stderr}`;
      // The key really went to the server, so the grep below proves something.
      expect(server.requests.length).toBe(failure.maxRetries + 1);
      expect(server.requests[0]?.apiKey).toBe(SECRET);
      expect(result.code, all).toBe(1);
      expect(result.stderr).toContain(`failed [${failure.category}]`);
      if (output.name === '--json') {
        const last = JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '') as {
          error?: { category: string };
        };
        expect(last.error?.category).toBe(failure.category);
      } else {
        expect(result.stdout).toContain(`error [${failure.category}]`);
      }
      // The server's message did reach the output, with the key replaced.
      if (failure.echoes) expect(all).toContain('[redacted]');
      expectNoSecret(all, 'stdout + stderr');
    },
  );

  // At debug level the SDKs log response headers (OpenAI) and error bodies (Anthropic): the
  // demo hands them a logger that replaces the keys.
  const ECHOES = FAILURES.filter(
    (failure) => failure.name.startsWith('401') || failure.name.startsWith('429'),
  );
  it.concurrent.each(
    BACKENDS.flatMap((backend) =>
      ECHOES.map((failure) => [backend.name, failure.name, { backend, failure }] as const),
    ),
  )(
    '%s, %s, with OPENAI_LOG=debug ANTHROPIC_LOG=debug',
    async (_backend, _failure, { backend, failure }) => {
      await using server = await START[backend.dialect]({ defaultScript: failure.script });
      const result = await runDemo(
        [...backend.args(server), '--max-retries', '0'],
        cleanEnv({ ...backend.env(server), OPENAI_LOG: 'debug', ANTHROPIC_LOG: 'debug' }),
      );
      expect(server.requests[0]?.apiKey).toBe(SECRET);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`failed [${failure.category}]`);
      // The SDK's debug log is there, on stderr, with the echoed key replaced.
      expect(result.stderr).toMatch(/\[log_\w+\] sending request/);
      expect(result.stderr).toMatch(/\[log_\w+\] response error/);
      expect(result.stderr).toContain('[redacted]');
      expectNoSecret(`${result.stdout}\n${result.stderr}`, 'stdout + stderr');
    },
  );

  it('--elements --json: a failure after some elements prints neither the key nor a fragment', async () => {
    const catalogue = {
      store: 'Fjell',
      updated: '2025-09-30',
      products: Array.from({ length: 6 }, (_, i) => ({
        sku: `SKU-${i}`,
        name: `Item ${i}`,
        category: 'camp',
        price: 10 + i,
        currency: 'EUR',
        inStock: true,
        rating: 4,
        tags: [],
        description: 'A thing.',
      })),
    };
    await using server = await startOpenAIServer({
      defaultScript: {
        kind: 'generate',
        json: catalogue,
        chunkSize: 20,
        fault: { type: 'error-event', afterChunks: 30, message: `bad key ${SECRET}` },
      },
    });
    const result = await runDemo(
      [
        '--schema',
        'catalogue',
        '--elements',
        '--json',
        '--max-retries',
        '0',
        '--base-url',
        server.baseURL,
        '--api-key',
        SECRET,
      ],
      cleanEnv(),
    );
    expect(server.requests[0]?.apiKey).toBe(SECRET);
    expect(result.code).toBe(1);
    const lines = result.stdout.trim().split('\n');
    expect(lines.length).toBeGreaterThan(1); // some elements, then the summary
    expect(lines.at(-1)).toContain('"category":"server"');
    expect(result.stdout).toContain('[redacted]');
    expectNoSecret(`${result.stdout}\n${result.stderr}`, 'stdout + stderr');
  });
});

/**
 * Reads a run's whole event stream as the page gets it (it ends when the run does): its text,
 * the lifecycle events on it, and the error it ends with, read back with the page's client.
 */
async function runThroughPage(
  url: string,
  body: Record<string, unknown>,
): Promise<{
  readonly events: string;
  readonly lifecycle: readonly ProgressEvent[];
  readonly failed: { category: string; message: string };
}> {
  const created = await fetch(`${url}/api/runs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(created.status).toBe(201);
  const { id } = (await created.json()) as { id: string };
  const response = await fetch(`${url}/api/runs/${id}/events`, {
    signal: AbortSignal.timeout(15_000),
  });
  expect(response.headers.get('content-type')).toContain('text/event-stream');
  const events = await response.text();
  // The lifecycle events the page lists (retries and their messages) and @structllm/http's
  // final `error` event (the redacted StructuredLLMError), as the page's client reads them.
  const lifecycle: ProgressEvent[] = [];
  const read = readStructuredStream(new Response(events, { headers: response.headers }), {
    onProgress: (event) => {
      if (event.eventType !== 'progress') lifecycle.push(event);
    },
  });
  const failed: unknown = await read.result.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(failed, events).toMatchObject({
    category: expect.any(String),
    message: expect.any(String),
  });
  return { events, lifecycle, failed: failed as { category: string; message: string } };
}

describe('the web page never shows the API key of a failing run', { timeout: 20_000 }, () => {
  /** One fake server per backend, answering with the failure the test sets. */
  const servers = new Map<string, WireServer>();
  let current: Failure | undefined;
  const script = (request: RecordedRequest): WireScript => {
    if (current === undefined) throw new Error('no failure chosen');
    return current.script(request);
  };
  let flagDemo: RunningDemo;
  let envDemo: RunningDemo;
  const urls = new Map<string, string>();

  beforeAll(async () => {
    for (const backend of BACKENDS) {
      servers.set(backend.name, await START[backend.dialect]({ defaultScript: script }));
    }
    const serverOf = (backend: Backend) => servers.get(backend.name) as WireServer;
    const [flag, ...byEnv] = BACKENDS as [Backend, ...Backend[]];
    // `--web` with `--base-url --api-key`, and `--web` with the three providers' variables.
    flagDemo = startDemo(['--web', '--port', '0', ...flag.args(serverOf(flag))], cleanEnv());
    envDemo = startDemo(
      ['--web', '--port', '0'],
      cleanEnv(Object.assign({}, ...byEnv.map((backend) => backend.env(serverOf(backend))))),
    );
    const page = /structllm demo page: (http:\/\/127\.0\.0\.1:\d+)/;
    const [flagUrl, envUrl] = await Promise.all([flagDemo.waitFor(page), envDemo.waitFor(page)]);
    for (const backend of BACKENDS) {
      urls.set(backend.name, (backend === flag ? flagUrl : envUrl)[1] as string);
    }
  }, 20_000);

  afterAll(async () => {
    await flagDemo?.stop();
    await envDemo?.stop();
    for (const server of servers.values()) await server.close();
  });

  for (const backend of BACKENDS) {
    for (const failure of FAILURES) {
      it(`${backend.name}, ${failure.name}: the SSE stream`, async () => {
        const server = servers.get(backend.name) as WireServer;
        server.reset();
        current = failure;
        const url = urls.get(backend.name) as string;
        const { events, lifecycle, failed } = await runThroughPage(url, {
          model: backend.model,
          maxRetries: failure.maxRetries,
        });
        expect(server.requests[0]?.apiKey).toBe(SECRET);
        expect(server.requests.length).toBe(failure.maxRetries + 1);
        expect(failed.category).toBe(failure.category);
        // The stream carries what the page lists: the start, each retry, the error.
        expect(lifecycle.map((event) => event.eventType)).toEqual([
          'start',
          ...Array.from({ length: failure.maxRetries }, () => 'retry'),
          'error',
        ]);
        if (failure.echoes) expect(events).toContain('[redacted]');
        expectNoSecret(events, 'the SSE stream');
      });
    }
  }

  it('/metrics, the page and both processes’ output hold no key after all those failures', async () => {
    for (const url of new Set(urls.values())) {
      const metrics = await (await fetch(`${url}/metrics`)).text();
      expect(metrics).toMatch(/structured_llm_streaming_errors_total\{.*category="auth"\} [1-9]/);
      expectNoSecret(metrics, '/metrics');
      const page = await (await fetch(url)).text();
      expect(page).toContain('structllm');
      expectNoSecret(page, 'the page');
    }
    const flagUrl = urls.get('--base-url --api-key') as string;
    expect(await (await fetch(`${flagUrl}/metrics`)).text()).toMatch(
      /structured_llm_streaming_requests_total\{provider="local".*status="error"\} 5/,
    );
    expect(await flagDemo.stop()).toBe(0);
    expect(await envDemo.stop()).toBe(0);
    for (const demo of [flagDemo, envDemo]) {
      const { stdout, stderr } = demo.output();
      expect(stdout).toContain('structllm demo page');
      expectNoSecret(`${stdout}\n${stderr}`, 'the web process output');
    }
  });
});

describe('keys given but never used are not printed either', { timeout: 20_000 }, () => {
  it('--help, a usage error and the backend line', async () => {
    const env = cleanEnv({ OPENAI_API_KEY: SECRET, ANTHROPIC_API_KEY: SECRET });
    for (const args of [
      ['--help'],
      ['--bogus'],
      ['--model', 'openrouter/x', '--max-retries', '0'],
    ]) {
      const result = await runDemo(args, env);
      expectNoSecret(`${result.stdout}\n${result.stderr}`, args.join(' '));
    }
  });
});
