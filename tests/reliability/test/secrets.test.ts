import { inspect } from 'node:util';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { createAnthropicProvider } from '@structllm/anthropic';
import type { Logger, Observer, ProgressEvent, StreamingResponse } from '@structllm/core';
import { StructuredLLMService } from '@structllm/core';
import type { LogMethods } from '@structllm/core/provider';
import { createOpenAIProvider } from '@structllm/openai';
import { createOpenRouterProvider } from '@structllm/openrouter';
import { createOpenTelemetryObserver } from '@structllm/otel';
import { createPrometheusObserver } from '@structllm/prometheus';
import type { WireScript, WireServer } from '@structllm/testing';
import { errorTexts, findSecret } from '@structllm/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  consume,
  createProvider,
  MODEL_OF,
  PERSON,
  type Person,
  PROVIDERS,
  type ProviderName,
  personRequest,
  startServer,
} from '../src/harness.ts';

/** A key no test output could contain by chance. */
const SECRET = 'sk-relia-7Q2x9Vb4LmZp0TfK3sWy8NcR';
const SECRET_FRAGMENTS = [SECRET, SECRET.slice(3, 20), `Bearer ${SECRET}`];

/** Failing runs whose server messages echo the key back, as some real APIs do. */
const FAILING: ReadonlyArray<{
  readonly name: string;
  readonly scripts: readonly WireScript[];
  /** The final error quotes a server message that held the key. */
  readonly echoes: boolean;
}> = [
  {
    name: '401 echoing the key',
    echoes: true,
    scripts: [{ kind: 'error', status: 401, message: `Incorrect API key provided: ${SECRET}.` }],
  },
  {
    name: '500 echoing the key, retried to exhaustion',
    echoes: true,
    scripts: [
      { kind: 'error', status: 500, message: `upstream failed for key ${SECRET}` },
      { kind: 'error', status: 503, message: `Authorization: Bearer ${SECRET}` },
    ],
  },
  {
    name: 'mid-stream error event echoing the key',
    echoes: false,
    scripts: [
      {
        kind: 'generate',
        json: PERSON,
        fault: { type: 'error-event', afterChunks: 2, message: `bad key ${SECRET}` },
      },
      { kind: 'reset' },
    ],
  },
  {
    name: 'stall then reset',
    echoes: false,
    scripts: [
      { kind: 'generate', json: PERSON, fault: { type: 'stall', afterChunks: 2 } },
      { kind: 'generate', json: PERSON, fault: { type: 'reset', afterChunks: 1 } },
    ],
  },
  {
    name: '429 with headers naming the key',
    echoes: true,
    scripts: [
      {
        kind: 'error',
        status: 429,
        retryAfterMs: 1,
        message: `rate limited: x-api-key ${SECRET}`,
        headers: { 'x-echo-key': SECRET },
      },
      { kind: 'error', status: 400, message: `invalid request from ${SECRET}` },
    ],
  },
];

describe('secrets never leak', () => {
  const servers = new Map<ProviderName, WireServer>();
  const logLines: string[] = [];
  const recordingLogger: Logger = {
    debug: (message, data) => logLines.push(`debug ${message} ${inspect(data, { depth: 8 })}`),
    info: (message, data) => logLines.push(`info ${message} ${inspect(data, { depth: 8 })}`),
    warn: (message, data) => logLines.push(`warn ${message} ${inspect(data, { depth: 8 })}`),
    error: (message, data) => logLines.push(`error ${message} ${inspect(data, { depth: 8 })}`),
  };
  const spans = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(spans)],
  });
  const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const meterProvider = new MeterProvider({
    readers: [
      new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 60_000 }),
    ],
  });
  const prometheus = createPrometheusObserver();
  const errors: string[] = [];

  beforeAll(async () => {
    for (const name of PROVIDERS) servers.set(name, await startServer(name));
  });

  afterAll(async () => {
    for (const server of servers.values()) await server.close();
    await meterProvider.shutdown();
    await tracerProvider.shutdown();
  });

  for (const name of PROVIDERS) {
    for (const failing of FAILING) {
      for (const streaming of [true, false]) {
        it(`${name}: ${failing.name} (${streaming ? 'streaming' : 'non-streaming'})`, async () => {
          const server = servers.get(name) as WireServer;
          server.reset();
          server.enqueue(...failing.scripts);
          server.setDefault({ kind: 'error', status: 500, message: `default ${SECRET}` });
          const service = new StructuredLLMService({
            providers: [createProvider(name, server, SECRET)],
            retry: { baseDelayMs: 1, maxDelayMs: 2, maxRetries: 1 },
            breaker: { minimumCalls: 2, cooldownMs: 60_000 },
            logger: recordingLogger,
            observers: [
              prometheus,
              createOpenTelemetryObserver({
                tracerProvider,
                meterProvider,
                recordErrorMessages: true,
              }),
            ],
          });
          const outcome = await consume(
            service.routeStructuredStreaming(
              personRequest(MODEL_OF[name], {
                enableStreaming: streaming,
                timeouts: { firstChunkMs: 150, idleMs: 150 },
              }),
            ),
          );
          expect(outcome.error).toBeDefined();
          // The key really was sent (else this test proves nothing).
          expect(server.requests[0]?.apiKey).toBe(SECRET);
          const text = errorTexts(outcome.error).join('\n');
          errors.push(text);
          for (const fragment of SECRET_FRAGMENTS) expect(text).not.toContain(fragment);
          expect(findSecret(text, SECRET)).toBeUndefined();
          if (failing.echoes) {
            // The server's message did reach the error (or its attempts), with the key replaced.
            const messages = [
              outcome.error?.message,
              ...(outcome.error?.attempts ?? []).map((attempt) => attempt.message),
            ];
            expect(messages.some((message) => message?.includes('[redacted]'))).toBe(true);
          }
          // Snapshots of the recorded request hold only redacted headers.
          expect(JSON.stringify(server.requests)).not.toContain(SECRET);
        });
      }
    }
  }

  it('no log line, metric, span, span event or attribute holds the key', async () => {
    expect(errors.length).toBe(PROVIDERS.length * FAILING.length * 2);
    expect(logLines.some((line) => line.startsWith('debug'))).toBe(true);

    const metricsText = await prometheus.registry.metrics();
    expect(metricsText).toContain('structured_llm_streaming_errors_total');

    await meterProvider.forceFlush();
    const otelMetrics = inspect(metricExporter.getMetrics(), { depth: 12 });
    expect(otelMetrics).toContain('gen_ai.client.operation.duration');

    const finished = spans.getFinishedSpans();
    // One request span per request (each with its attempt spans under it).
    expect(finished.filter((span) => span.parentSpanContext === undefined)).toHaveLength(
      errors.length,
    );
    expect(finished.length).toBeGreaterThan(errors.length);
    const spanText = finished
      .map((span) =>
        [
          span.name,
          JSON.stringify(span.attributes),
          JSON.stringify(span.status),
          JSON.stringify(span.events),
          JSON.stringify(span.links),
        ].join('\n'),
      )
      .join('\n');
    expect(spanText).toContain('error.type');

    const everything = [logLines.join('\n'), metricsText, otelMetrics, spanText];
    for (const text of everything) {
      for (const fragment of SECRET_FRAGMENTS) expect(text).not.toContain(fragment);
      // No bearer token of any kind (the key's redacted echo is fine).
      expect(text).not.toMatch(/bearer\s+(?!\[redacted\])[\w-]{8,}/i);
    }
  });
});

describe("the SDKs' own debug logs never show the key", () => {
  const servers = new Map<ProviderName, WireServer>();

  beforeAll(async () => {
    for (const name of PROVIDERS) servers.set(name, await startServer(name));
  });

  afterAll(async () => {
    for (const server of servers.values()) await server.close();
  });

  /** A logger the SDK writes to at debug level (what OPENAI_LOG / ANTHROPIC_LOG=debug turn on). */
  function sdkLog() {
    const lines: string[] = [];
    const write = (...args: unknown[]) => lines.push(inspect(args, { depth: 10 }));
    return { lines, logger: { error: write, warn: write, info: write, debug: write } };
  }

  function providerWithSdkLogging(name: ProviderName, server: WireServer, logger: LogMethods) {
    const clientOptions = { logLevel: 'debug' as const, logger };
    const common = { apiKey: SECRET, baseURL: server.baseURL, clientOptions };
    if (name === 'openai') return createOpenAIProvider(common);
    if (name === 'anthropic') return createAnthropicProvider(common);
    return createOpenRouterProvider(common);
  }

  for (const name of PROVIDERS) {
    for (const failure of FAILING.filter((f) => f.echoes)) {
      it(`${name}: ${failure.name}`, async () => {
        const server = servers.get(name) as WireServer;
        server.reset();
        server.enqueue(...failure.scripts);
        server.setDefault(failure.scripts.at(-1) as WireScript);
        const { lines, logger } = sdkLog();
        const service = new StructuredLLMService({
          providers: [providerWithSdkLogging(name, server, logger)],
          retry: { maxRetries: 1, baseDelayMs: 1, maxDelayMs: 2 },
          breaker: false,
        });
        const outcome = await consume(
          service.routeStructuredStreaming(personRequest(MODEL_OF[name])),
        );
        expect(outcome.error).toBeDefined();
        expect(server.requests[0]?.apiKey).toBe(SECRET); // the key was really sent
        const logged = lines.join('\n');
        expect(logged.length).toBeGreaterThan(0); // the SDK did log the failure
        // What the SDK logs of the echo was replaced: Anthropic logs error bodies, the
        // OpenAI SDK (OpenAI, OpenRouter) response headers.
        const logsEcho = name === 'anthropic' || failure.scripts.some((s) => 'headers' in s);
        if (logsEcho) expect(logged).toContain('[redacted]');
        for (const fragment of SECRET_FRAGMENTS) expect(logged).not.toContain(fragment);
      });
    }
  }
});

/**
 * Failing runs where the server echoes the key only outside the error message:
 * in response headers (of an HTTP error, or of a 200 stream that then sends an
 * error event) and in body fields such as OpenAI's `error.param`. The SDK's
 * error then has a clean message and stack but holds the key in its
 * `headers` / `error`: it must not survive as a cause.
 */
const ECHOED_OUTSIDE_THE_MESSAGE: ReadonlyArray<{
  readonly name: string;
  readonly scripts: readonly WireScript[];
}> = [
  {
    name: '401 with the key in www-authenticate only',
    scripts: [
      {
        kind: 'error',
        status: 401,
        headers: { 'www-authenticate': `Bearer realm="api", key="${SECRET}"` },
      },
    ],
  },
  {
    name: '401 with the key in error.param only',
    scripts: [{ kind: 'error', status: 401, fields: { param: SECRET } }],
  },
  {
    name: '429 with the key in x-echo and error.param, retried',
    scripts: [
      {
        kind: 'error',
        status: 429,
        retryAfterMs: 1,
        headers: { 'x-echo': SECRET },
        fields: { param: SECRET },
      },
      { kind: 'error', status: 429, retryAfterMs: 1, headers: { 'x-echo': `Bearer ${SECRET}` } },
    ],
  },
  {
    name: '500 then 503 with the key in headers and error.param, retried to exhaustion',
    scripts: [
      { kind: 'error', status: 500, headers: { 'x-echo': SECRET }, fields: { param: SECRET } },
      {
        kind: 'error',
        status: 503,
        headers: { 'www-authenticate': `Bearer ${SECRET}` },
        fields: { param: SECRET },
      },
    ],
  },
  {
    name: '200 stream with the key in its headers, then an error event with it in a field',
    scripts: [
      {
        kind: 'generate',
        json: PERSON,
        headers: { 'www-authenticate': `Bearer realm="api", key="${SECRET}"`, 'x-echo': SECRET },
        fault: { type: 'error-event', afterChunks: 2, fields: { param: SECRET } },
      },
    ],
  },
];

/** An observer that renders every payload of every hook when it is called (events are reused). */
function renderingObserver(texts: string[], hooks: Set<string>): Observer {
  const record =
    (hook: string) =>
    (event: unknown): void => {
      hooks.add(hook);
      texts.push(...errorTexts(event));
    };
  return {
    name: 'rendering',
    onRequestStart: record('onRequestStart'),
    onAttemptStart: record('onAttemptStart'),
    onChunk: record('onChunk'),
    onPartial: record('onPartial'),
    onFirstChunk: record('onFirstChunk'),
    onFirstPartial: record('onFirstPartial'),
    onAttemptEnd: record('onAttemptEnd'),
    onProgressEvent: record('onProgressEvent'),
    onRetry: record('onRetry'),
    onFallback: record('onFallback'),
    onBreakerStateChange: record('onBreakerStateChange'),
    onRequestEnd: record('onRequestEnd'),
  };
}

describe('a key echoed outside the message (headers, error.param) reaches no rendering', () => {
  const servers = new Map<ProviderName, WireServer>();

  beforeAll(async () => {
    for (const name of PROVIDERS) servers.set(name, await startServer(name));
  });

  afterAll(async () => {
    for (const server of servers.values()) await server.close();
  });

  for (const name of PROVIDERS) {
    for (const failing of ECHOED_OUTSIDE_THE_MESSAGE) {
      for (const streaming of [true, false]) {
        it(`${name}: ${failing.name} (${streaming ? 'streaming' : 'non-streaming'})`, async () => {
          const server = servers.get(name) as WireServer;
          server.reset();
          server.enqueue(...failing.scripts);
          server.setDefault(failing.scripts.at(-1) as WireScript);
          const texts: string[] = [];
          const hooks = new Set<string>();
          const service = new StructuredLLMService({
            providers: [createProvider(name, server, SECRET)],
            retry: { baseDelayMs: 1, maxDelayMs: 2, maxRetries: 1 },
            breaker: false,
            observers: [renderingObserver(texts, hooks)],
          });
          const events: ProgressEvent[] = [];
          const stream = service.routeStructuredStreaming(
            personRequest(MODEL_OF[name], {
              enableStreaming: streaming,
              progressCallback: (event) => {
                events.push(event);
                texts.push(...errorTexts(event));
              },
            }),
          );
          let last: StreamingResponse<Person> | undefined;
          for await (const response of stream) {
            last = response;
            texts.push(...errorTexts(response));
          }
          const error = last?.error;
          expect(error).toBeDefined();
          // The key really was sent and echoed (else this test proves nothing).
          expect(server.requests[0]?.apiKey).toBe(SECRET);
          texts.push(...errorTexts(error), ...errorTexts(stream.attempts));
          await stream.result.catch((thrown: unknown) => texts.push(...errorTexts(thrown)));
          // The payloads the issue names were seen, so their renderings are checked too.
          expect(hooks).toContain('onAttemptEnd');
          expect(hooks).toContain('onRequestEnd');
          if (failing.scripts.length > 1 || error?.retryable) expect(hooks).toContain('onRetry');
          expect(events.length).toBeGreaterThan(0);
          expect(findSecret(texts, SECRET)).toBeUndefined();
          // What stays of the SDK's error is useful: its status, and no key-bearing field.
          const cause = error?.cause as (Error & Record<string, unknown>) | undefined;
          expect(cause).toBeInstanceOf(Error);
          expect(cause?.headers ?? {}).not.toHaveProperty('www-authenticate');
          expect(cause?.error).toBeUndefined();
        });
      }
    }
  }
});
