import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { createCircuitBreaker, StructuredLLMError } from '@structllm/core';
import { createMockProvider, drain, sampleProfile, sampleProfileModel } from '@structllm/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  createOpenTelemetryObserver,
  GEN_AI_DURATION_BUCKETS,
  GEN_AI_TOKEN_BUCKETS,
} from '../src/index.ts';
import { memoryMetrics, memoryTracing, profileChunks, service } from './support.ts';

afterEach(() => {
  vi.useRealTimers();
});

function setup(options: { recordErrorMessages?: boolean; now?: () => number } = {}) {
  const tracing = memoryTracing();
  const meters = memoryMetrics();
  const observer = createOpenTelemetryObserver({
    tracerProvider: tracing.provider,
    meterProvider: meters.provider,
    ...options,
  });
  return { observer, spans: tracing.spans, points: meters.points, units: meters.units };
}

/** The request span (kind INTERNAL) and its attempt spans (CLIENT children), in start order. */
function requestTree(spans: ReadableSpan[]): { request: ReadableSpan; attempts: ReadableSpan[] } {
  const requests = spans.filter((s) => s.kind === SpanKind.INTERNAL);
  expect(requests).toHaveLength(1);
  const request = requests[0] as ReadableSpan;
  const attempts = spans
    .filter((s) => s.parentSpanContext?.spanId === request.spanContext().spanId)
    .sort(
      (a, b) =>
        Number(a.attributes['structllm.attempt']) - Number(b.attributes['structllm.attempt']),
    );
  expect(attempts.every((s) => s.kind === SpanKind.CLIENT)).toBe(true);
  expect(attempts.length + 1).toBe(spans.length);
  return { request, attempts };
}

describe('a successful streamed request', () => {
  it('is a request span with one CLIENT attempt span "chat {model}" carrying the GenAI attributes', async () => {
    const { observer, spans } = setup();
    const provider = Object.assign(
      createMockProvider({
        responses: [
          {
            chunks: profileChunks(10),
            id: 'resp-42',
            model: 'model-a-2025-01-01',
            usage: { inputTokens: 120, outputTokens: 45 },
          },
        ],
      }),
      { server: { address: 'llm.example.internal', port: 8443 } },
    );
    await drain(
      service(provider, { observers: [observer] }).routeStructuredStreaming({
        prompt: 'Tell me about Ada',
        responseModel: sampleProfileModel,
      }),
    );
    const { request, attempts } = requestTree(spans());
    expect(request.name).toBe('structllm profile');
    expect(request.status.code).toBe(SpanStatusCode.UNSET);
    expect(request.attributes).toEqual({
      'structllm.schema.name': 'profile',
      'structllm.request.model': 'mock/model-a',
      'structllm.streaming': true,
      'structllm.attempts': 1,
      'structllm.model': 'mock/model-a',
      'structllm.usage.input_tokens': 120,
      'structllm.usage.output_tokens': 45,
    });
    expect(request.events.map((e) => e.name)).toEqual(['structllm.first_partial']);
    const [attempt] = attempts;
    expect(attempt?.name).toBe('chat model-a');
    expect(attempt?.kind).toBe(SpanKind.CLIENT);
    expect(attempt?.status.code).toBe(SpanStatusCode.UNSET);
    expect(attempt?.attributes).toEqual({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'mock',
      'gen_ai.request.model': 'model-a',
      'server.address': 'llm.example.internal',
      'server.port': 8443,
      'gen_ai.output.type': 'json',
      'gen_ai.request.stream': true,
      'structllm.attempt': 1,
      'structllm.output_mode': 'json_schema',
      'gen_ai.response.model': 'model-a-2025-01-01',
      'gen_ai.response.id': 'resp-42',
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.usage.input_tokens': 120,
      'gen_ai.usage.output_tokens': 45,
      'gen_ai.response.time_to_first_chunk': expect.any(Number),
    });
  });

  it('sets operation, provider, request model and server when the attempt span starts (samplers see them)', async () => {
    const seen: Array<Record<string, unknown>> = [];
    const sampler = {
      shouldSample: (
        _c: unknown,
        _t: string,
        name: string,
        _k: unknown,
        attributes: Record<string, unknown>,
      ) => {
        seen.push({ name, ...attributes });
        return { decision: 2 };
      },
      toString: () => 'recording',
    };
    const tracing = memoryTracing({ sampler });
    const observer = createOpenTelemetryObserver({ tracerProvider: tracing.provider });
    const provider = Object.assign(
      createMockProvider({ responses: [{ chunks: profileChunks(10) }] }),
      { server: { address: 'api.example.com' } },
    );
    await drain(
      service(provider, { observers: [observer] }).routeStructuredStreaming({
        prompt: 'x',
        responseModel: sampleProfileModel,
      }),
    );
    expect(seen[1]).toMatchObject({
      name: 'chat model-a',
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'mock',
      'gen_ai.request.model': 'model-a',
      'server.address': 'api.example.com',
    });
    expect(seen[1]?.['server.port']).toBeUndefined();
  });

  it('records no prompt, output or partial text anywhere on the spans', async () => {
    const { observer, spans } = setup();
    const provider = createMockProvider({ responses: [{ chunks: profileChunks(10) }] });
    await drain(
      service(provider, { observers: [observer] }).routeStructuredStreaming({
        prompt: 'SECRET-PROMPT',
        responseModel: sampleProfileModel,
      }),
    );
    const dump = JSON.stringify(spans().map((s) => [s.name, s.attributes, s.events, s.status]));
    expect(dump).not.toContain('SECRET-PROMPT');
    expect(dump).not.toContain('Lovelace');
  });

  it('records duration, token usage and time to first chunk with the conventions’ units and buckets', async () => {
    vi.useFakeTimers();
    const { observer, points, units } = setup({ now: () => Date.now() });
    const provider = createMockProvider({
      responses: [
        {
          chunks: profileChunks(10),
          firstChunkDelayMs: 801,
          delayMs: 100,
          model: 'model-a-v2',
          usage: { inputTokens: 120, outputTokens: 45 },
        },
      ],
    });
    const done = drain(
      service(provider, { observers: [observer] }).routeStructuredStreaming({
        prompt: 'x',
        responseModel: sampleProfileModel,
      }),
    );
    await vi.advanceTimersByTimeAsync(5_000);
    await done;
    const common = {
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'mock',
      'gen_ai.request.model': 'model-a',
    };
    const chunks = profileChunks(10).length;
    expect(await points('gen_ai.client.operation.duration')).toEqual([
      {
        attributes: { ...common, 'gen_ai.response.model': 'model-a-v2' },
        count: 1,
        sum: (801 + 100 * (chunks - 1)) / 1000,
        boundaries: GEN_AI_DURATION_BUCKETS,
      },
    ]);
    expect(await points('gen_ai.client.token.usage')).toEqual([
      {
        attributes: {
          ...common,
          'gen_ai.response.model': 'model-a-v2',
          'gen_ai.token.type': 'input',
        },
        count: 1,
        sum: 120,
        boundaries: GEN_AI_TOKEN_BUCKETS,
      },
      {
        attributes: {
          ...common,
          'gen_ai.response.model': 'model-a-v2',
          'gen_ai.token.type': 'output',
        },
        count: 1,
        sum: 45,
        boundaries: GEN_AI_TOKEN_BUCKETS,
      },
    ]);
    expect(await points('gen_ai.client.operation.time_to_first_chunk')).toEqual([
      { attributes: common, count: 1, sum: 0.801, boundaries: GEN_AI_DURATION_BUCKETS },
    ]);
    expect(await units()).toEqual({
      'gen_ai.client.operation.duration': 's',
      'gen_ai.client.token.usage': '{token}',
      'gen_ai.client.operation.time_to_first_chunk': 's',
    });
  });

  it('keeps durations below a millisecond (not rounded to ms)', async () => {
    // A clock that moves 0.3 ms per reading: a non-streaming attempt reads it at its start and end.
    let clock = 0;
    const { observer, points } = setup({ now: () => (clock += 0.3) });
    const provider = createMockProvider({ responses: [{ json: sampleProfile }] });
    await service(provider, { observers: [observer] }).routeStructured({
      prompt: 'x',
      responseModel: sampleProfileModel,
      enableStreaming: false,
    });
    const [duration] = await points('gen_ai.client.operation.duration');
    expect(duration?.sum).toBeCloseTo(0.0003, 10);
  });

  it('a non-streaming call has no gen_ai.request.stream and no time to first chunk', async () => {
    const { observer, spans, points } = setup();
    const provider = createMockProvider({ responses: [{ json: sampleProfile }] });
    await service(provider, { observers: [observer] }).routeStructured({
      prompt: 'x',
      responseModel: sampleProfileModel,
      enableStreaming: false,
    });
    const { request, attempts } = requestTree(spans());
    expect(request.attributes['structllm.streaming']).toBe(false);
    expect(attempts[0]?.attributes).not.toHaveProperty('gen_ai.request.stream');
    expect(attempts[0]?.attributes).not.toHaveProperty('gen_ai.response.time_to_first_chunk');
    expect(await points('gen_ai.client.operation.time_to_first_chunk')).toEqual([]);
    expect(await points('gen_ai.client.operation.duration')).toHaveLength(1);
  });
});

describe('retries and fallbacks', () => {
  it('a retry after a mid-stream failure is a sibling attempt span; the failed one says error', async () => {
    const { observer, spans, points } = setup();
    const chunks = profileChunks(10);
    const provider = createMockProvider({
      responses: [{ chunks, failAfterChunks: 3 }, { chunks }],
    });
    await drain(
      service(provider, { observers: [observer] }).routeStructuredStreaming({
        prompt: 'x',
        responseModel: sampleProfileModel,
      }),
    );
    const { request, attempts } = requestTree(spans());
    expect(request.status.code).toBe(SpanStatusCode.UNSET);
    expect(request.attributes['structllm.attempts']).toBe(2);
    expect(request.attributes['error.type']).toBeUndefined();
    expect(request.events.map((e) => e.name)).toEqual([
      'structllm.first_partial',
      'structllm.retry',
      'structllm.first_partial',
    ]);
    expect(request.events[1]?.attributes).toEqual({
      'structllm.attempt': 1,
      'structllm.model': 'mock/model-a',
      'structllm.output_mode': 'json_schema',
      'error.type': 'server',
      'structllm.retry.delay_ms': 0,
    });
    expect(attempts.map((a) => a.name)).toEqual(['chat model-a', 'chat model-a']);
    expect(attempts[0]?.status.code).toBe(SpanStatusCode.ERROR);
    expect(attempts[0]?.attributes).toMatchObject({
      'error.type': 'server',
      'gen_ai.response.finish_reasons': ['error'],
    });
    expect(attempts[1]?.status.code).toBe(SpanStatusCode.UNSET);
    expect(attempts[1]?.attributes['gen_ai.response.finish_reasons']).toEqual(['stop']);
    // Duration and time to first chunk per attempt (per client call).
    const durations = await points('gen_ai.client.operation.duration');
    expect(durations.map((p) => [p.attributes['error.type'], p.count])).toEqual([
      ['server', 1],
      [undefined, 1],
    ]);
    expect((await points('gen_ai.client.operation.time_to_first_chunk'))[0]?.count).toBe(2);
  });

  it('a fallback is a sibling attempt span with its own provider and model', async () => {
    const { observer, spans, points } = setup();
    const primary = createMockProvider({ id: 'a', responses: [{ error: { status: 503 } }] });
    const backup = createMockProvider({
      id: 'b',
      responses: [{ json: sampleProfile, model: 'small-001' }],
    });
    await drain(
      service([primary, backup], { observers: [observer] }).routeStructuredStreaming({
        prompt: 'x',
        responseModel: sampleProfileModel,
        model: 'a/big',
        fallbackModels: ['b/small'],
        maxRetries: 0,
      }),
    );
    const { request, attempts } = requestTree(spans());
    expect(request.attributes).toMatchObject({
      'structllm.request.model': 'a/big',
      'structllm.model': 'b/small',
      'structllm.attempts': 2,
    });
    expect(
      attempts.map((a) => [
        a.name,
        a.attributes['gen_ai.provider.name'],
        a.attributes['gen_ai.request.model'],
      ]),
    ).toEqual([
      ['chat big', 'a', 'big'],
      ['chat small', 'b', 'small'],
    ]);
    expect(attempts[1]?.attributes['gen_ai.response.model']).toBe('small-001');
    const fallback = request.events.find((e) => e.name === 'structllm.fallback');
    expect(fallback?.attributes).toEqual({
      'structllm.fallback.from_model': 'a/big',
      'structllm.fallback.to_model': 'b/small',
      'error.type': 'server',
    });
    const durations = await points('gen_ai.client.operation.duration');
    expect(
      durations.map((p) => [
        p.attributes['gen_ai.provider.name'],
        p.attributes['gen_ai.request.model'],
      ]),
    ).toEqual([
      ['a', 'big'],
      ['b', 'small'],
    ]);
  });

  it('counts the tokens of re-asked and failed attempts, on their spans and in the metric', async () => {
    const { observer, spans, points } = setup();
    const provider = createMockProvider({
      responses: [
        { json: { name: 'Ada' }, usage: { inputTokens: 10, outputTokens: 5 } },
        { json: sampleProfile, usage: { inputTokens: 30, outputTokens: 40 } },
      ],
    });
    await drain(
      service(provider, { observers: [observer] }).routeStructuredStreaming({
        prompt: 'x',
        responseModel: sampleProfileModel,
      }),
    );
    const { request, attempts } = requestTree(spans());
    expect(attempts.map((a) => a.attributes['gen_ai.usage.input_tokens'])).toEqual([10, 30]);
    expect(attempts[0]?.attributes['error.type']).toBe('validation');
    expect(request.attributes['structllm.usage.input_tokens']).toBe(40);
    expect(request.attributes['structllm.usage.output_tokens']).toBe(45);
    const tokens = await points('gen_ai.client.token.usage');
    const sum = (type: string) =>
      tokens
        .filter((p) => p.attributes['gen_ai.token.type'] === type)
        .reduce((n, p) => n + p.sum, 0);
    expect(sum('input')).toBe(40);
    expect(sum('output')).toBe(45);
  });
});

describe('failed requests', () => {
  it('set error.type to the category and the span status to ERROR, without the message by default', async () => {
    const { observer, spans, points } = setup();
    const provider = createMockProvider({
      responses: [
        { error: { status: 401, message: 'invalid key sk-live-123 for user ada@example.com' } },
      ],
    });
    await drain(
      service(provider, { observers: [observer] }).routeStructuredStreaming({
        prompt: 'x',
        responseModel: sampleProfileModel,
      }),
    );
    const { request, attempts } = requestTree(spans());
    for (const span of [request, attempts[0]]) {
      expect(span?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'auth' });
      expect(span?.attributes['error.type']).toBe('auth');
    }
    expect(attempts[0]?.attributes['gen_ai.response.finish_reasons']).toEqual(['error']);
    expect(JSON.stringify(spans().map((s) => [s.attributes, s.events, s.status]))).not.toContain(
      'sk-live',
    );
    expect((await points('gen_ai.client.operation.duration'))[0]?.attributes).toMatchObject({
      'error.type': 'auth',
    });
  });

  it('a validation failure after the re-asks carries its code; each re-ask is a retry event', async () => {
    const { observer, spans } = setup();
    const provider = createMockProvider({ responses: [{ json: { name: 'Ada' } }] });
    await drain(
      service(provider, { observers: [observer] }).routeStructuredStreaming({
        prompt: 'x',
        responseModel: sampleProfileModel,
        maxRetries: 1,
      }),
    );
    const { request, attempts } = requestTree(spans());
    expect(request.attributes['error.type']).toBe('validation');
    expect(request.status.code).toBe(SpanStatusCode.ERROR);
    expect(request.events.filter((e) => e.name === 'structllm.retry')).toHaveLength(1);
    expect(attempts).toHaveLength(2);
  });

  it('with recordErrorMessages, the message is the status description and an exception event', async () => {
    const { observer, spans } = setup({ recordErrorMessages: true });
    const provider = createMockProvider({
      responses: [
        {
          error: new StructuredLLMError({
            category: 'content_filter',
            message: 'refused: unsafe topic',
          }),
        },
      ],
    });
    await drain(
      service(provider, { observers: [observer] }).routeStructuredStreaming({
        prompt: 'x',
        responseModel: sampleProfileModel,
      }),
    );
    const { request } = requestTree(spans());
    expect(request.status).toEqual({
      code: SpanStatusCode.ERROR,
      message: 'refused: unsafe topic',
    });
    const exception = request.events.find((e) => e.name === 'exception');
    expect(exception?.attributes).toMatchObject({
      'exception.type': 'StructuredLLMError',
      'exception.message': 'refused: unsafe topic',
    });
  });

  it('a request refused by an open breaker has no attempt span and ends with the error', async () => {
    const { observer, spans } = setup();
    const provider = createMockProvider({ responses: [{ error: { status: 500 } }] });
    const llm = service(provider, {
      observers: [observer],
      breaker: createCircuitBreaker({ minimumCalls: 1, cooldownMs: 60_000 }),
    });
    const request = { prompt: 'x', responseModel: sampleProfileModel, maxRetries: 0 };
    await drain(llm.routeStructuredStreaming(request));
    const before = spans().length;
    await drain(llm.routeStructuredStreaming(request));
    const refused = spans().slice(before);
    expect(refused).toHaveLength(1);
    expect(refused[0]?.attributes['error.type']).toBe('circuit_open');
    expect(refused[0]?.attributes['structllm.attempts']).toBe(1);
  });
});
