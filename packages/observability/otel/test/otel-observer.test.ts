import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
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

describe('a successful streamed request', () => {
  it('is one CLIENT span "chat {model}" with the GenAI request and response attributes', async () => {
    const { observer, spans } = setup();
    const provider = createMockProvider({
      responses: [
        {
          chunks: profileChunks(10),
          id: 'resp-42',
          model: 'model-a-2025-01-01',
          usage: { inputTokens: 120, outputTokens: 45 },
        },
      ],
    });
    await drain(
      service(provider, { observers: [observer] }).routeStructuredStreaming({
        prompt: 'Tell me about Ada',
        responseModel: sampleProfileModel,
      }),
    );
    const [span, ...others] = spans();
    expect(others).toHaveLength(0);
    expect(span?.name).toBe('chat model-a');
    expect(span?.kind).toBe(SpanKind.CLIENT);
    expect(span?.status.code).toBe(SpanStatusCode.UNSET);
    expect(span?.attributes).toEqual({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'mock',
      'gen_ai.request.model': 'model-a',
      'gen_ai.output.type': 'json',
      'gen_ai.request.stream': true,
      'gen_ai.response.model': 'model-a-2025-01-01',
      'gen_ai.response.id': 'resp-42',
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.usage.input_tokens': 120,
      'gen_ai.usage.output_tokens': 45,
      'gen_ai.response.time_to_first_chunk': expect.any(Number),
      'structllm.schema.name': 'profile',
      'structllm.attempts': 1,
    });
    expect(span?.events.map((e) => e.name)).toEqual(['structllm.first_partial']);
    expect(span?.events[0]?.attributes).toMatchObject({ 'structllm.attempt': 1 });
  });

  it('records no prompt, output or partial text anywhere on the span', async () => {
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
          firstChunkDelayMs: 800,
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
        sum: (800 + 100 * (chunks - 1)) / 1000,
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
      { attributes: common, count: 1, sum: 0.8, boundaries: GEN_AI_DURATION_BUCKETS },
    ]);
    expect(await units()).toEqual({
      'gen_ai.client.operation.duration': 's',
      'gen_ai.client.token.usage': '{token}',
      'gen_ai.client.operation.time_to_first_chunk': 's',
    });
  });

  it('a non-streaming request says so and records no time to first chunk', async () => {
    const { observer, spans, points } = setup();
    const provider = createMockProvider({ responses: [{ json: sampleProfile }] });
    await service(provider, { observers: [observer] }).routeStructured({
      prompt: 'x',
      responseModel: sampleProfileModel,
      enableStreaming: false,
    });
    const [span] = spans();
    expect(span?.attributes['gen_ai.request.stream']).toBe(false);
    expect(span?.attributes['gen_ai.response.time_to_first_chunk']).toBeUndefined();
    expect(await points('gen_ai.client.operation.time_to_first_chunk')).toEqual([]);
    expect(await points('gen_ai.client.operation.duration')).toHaveLength(1);
  });
});

describe('retries and fallbacks', () => {
  it('a retry after a mid-stream failure stays in one span, with a retry event and both attempts', async () => {
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
    const all = spans();
    expect(all).toHaveLength(1);
    const span = all[0];
    expect(span?.status.code).toBe(SpanStatusCode.UNSET);
    expect(span?.attributes['structllm.attempts']).toBe(2);
    expect(span?.attributes['error.type']).toBeUndefined();
    expect(span?.events.map((e) => e.name)).toEqual([
      'structllm.first_partial',
      'structllm.retry',
      'structllm.first_partial',
    ]);
    expect(span?.events[1]?.attributes).toEqual({
      'structllm.attempt': 1,
      'structllm.model': 'mock/model-a',
      'structllm.output_mode': 'json_schema',
      'error.type': 'server',
      'structllm.retry.delay_ms': 0,
    });
    expect(span?.events[2]?.attributes).toMatchObject({ 'structllm.attempt': 2 });
    // One duration per request; time to first chunk per attempt.
    expect((await points('gen_ai.client.operation.duration'))[0]?.count).toBe(1);
    expect((await points('gen_ai.client.operation.time_to_first_chunk'))[0]?.count).toBe(2);
  });

  it('a fallback is an event on the same span; the span ends with the provider and model that answered', async () => {
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
    const [span, ...others] = spans();
    expect(others).toHaveLength(0);
    expect(span?.name).toBe('chat big');
    expect(span?.attributes).toMatchObject({
      'gen_ai.request.model': 'big',
      'gen_ai.provider.name': 'b',
      'gen_ai.response.model': 'small-001',
      'structllm.model': 'b/small',
      'structllm.attempts': 2,
    });
    const fallback = span?.events.find((e) => e.name === 'structllm.fallback');
    expect(fallback?.attributes).toEqual({
      'structllm.fallback.from_model': 'a/big',
      'structllm.fallback.to_model': 'b/small',
      'error.type': 'server',
    });
    expect((await points('gen_ai.client.operation.duration'))[0]?.attributes).toMatchObject({
      'gen_ai.provider.name': 'b',
      'gen_ai.request.model': 'big',
    });
  });

  it('breaker changes appear on the span of the request running on that model', async () => {
    const { observer, spans } = setup();
    const provider = createMockProvider({
      id: 'a',
      responses: [{ error: { status: 500 } }, { error: { status: 500 } }],
    });
    await drain(
      service(provider, {
        observers: [observer],
        defaultModel: 'a/big',
        breaker: createCircuitBreaker({ minimumCalls: 2 }),
      }).routeStructuredStreaming({
        prompt: 'x',
        responseModel: sampleProfileModel,
        maxRetries: 1,
      }),
    );
    const change = spans()[0]?.events.find((e) => e.name === 'structllm.breaker.state_change');
    expect(change?.attributes).toEqual({
      'structllm.breaker.key': 'a:big',
      'structllm.breaker.from': 'closed',
      'structllm.breaker.to': 'open',
    });
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
    const [span] = spans();
    expect(span?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'auth' });
    expect(span?.attributes['error.type']).toBe('auth');
    expect(JSON.stringify([span?.attributes, span?.events, span?.status])).not.toContain('sk-live');
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
    const [span] = spans();
    expect(span?.attributes['error.type']).toBe('validation');
    expect(span?.status.code).toBe(SpanStatusCode.ERROR);
    expect(span?.events.filter((e) => e.name === 'structllm.retry')).toHaveLength(1);
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
    const [span] = spans();
    expect(span?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'refused: unsafe topic' });
    const exception = span?.events.find((e) => e.name === 'exception');
    expect(exception?.attributes).toMatchObject({
      'exception.type': 'StructuredLLMError',
      'exception.message': 'refused: unsafe topic',
    });
  });

  it('a request that never reached a provider still ends its span with the error', async () => {
    const { observer, spans } = setup();
    const provider = createMockProvider({ responses: [{ error: { status: 500 } }] });
    const llm = service(provider, {
      observers: [observer],
      breaker: createCircuitBreaker({ minimumCalls: 1, cooldownMs: 60_000 }),
    });
    await drain(
      llm.routeStructuredStreaming({
        prompt: 'x',
        responseModel: sampleProfileModel,
        maxRetries: 0,
      }),
    );
    await drain(
      llm.routeStructuredStreaming({
        prompt: 'x',
        responseModel: sampleProfileModel,
        maxRetries: 0,
      }),
    );
    const refused = spans()[1];
    expect(refused?.name).toBe('chat mock/model-a');
    expect(refused?.attributes['error.type']).toBe('circuit_open');
    expect(refused?.attributes['structllm.attempts']).toBe(1);
  });
});
