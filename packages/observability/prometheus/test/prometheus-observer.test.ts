import {
  createCircuitBreaker,
  type Observer,
  type ProgressEvent,
  StructuredLLMError,
  StructuredLLMService,
} from '@structllm/core';
import { ERROR_CATEGORIES } from '@structllm/core/provider';
import {
  createMockProvider,
  drain,
  type MockProviderOptions,
  sampleProfile,
  sampleProfileModel,
} from '@structllm/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createPrometheusObserver } from '../src/index.ts';
import { family, nonZero, profileChunks, scrape, service } from './support.ts';

const P = 'structured_llm_';
const mockLabels = 'provider="mock",model="mock/model-a"';

afterEach(() => {
  vi.useRealTimers();
});

describe('a successful streamed request', () => {
  it('is counted once, with its chunks, latency, first partial, progress events and tokens', async () => {
    vi.useFakeTimers();
    const metrics = createPrometheusObserver();
    const chunks = profileChunks(10);
    const provider = createMockProvider({
      responses: [
        { chunks, firstChunkDelayMs: 1500, usage: { inputTokens: 12, outputTokens: 30 } },
      ],
    });
    const done = drain(
      service(provider, { observers: [metrics] }).routeStructuredStreaming({
        prompt: 'Ada',
        responseModel: sampleProfileModel,
      }),
    );
    await vi.advanceTimersByTimeAsync(1500);
    await done;

    const series = await scrape(metrics.registry);
    expect(nonZero(family(series, `${P}streaming_requests_total`))).toEqual({
      [`${P}streaming_requests_total{${mockLabels},status="success"}`]: 1,
    });
    expect(nonZero(family(series, `${P}streaming_chunks_total`))).toEqual({
      [`${P}streaming_chunks_total{${mockLabels}}`]: chunks.length,
    });
    const latency = family(series, `${P}streaming_latency_seconds`);
    expect(latency[`${P}streaming_latency_seconds_count{${mockLabels},status="success"}`]).toBe(1);
    expect(latency[`${P}streaming_latency_seconds_sum{${mockLabels},status="success"}`]).toBe(1.5);
    expect(
      latency[`${P}streaming_latency_seconds_bucket{le="1",${mockLabels},status="success"}`],
    ).toBe(0);
    expect(
      latency[`${P}streaming_latency_seconds_bucket{le="2.5",${mockLabels},status="success"}`],
    ).toBe(1);
    expect(
      family(series, `${P}streaming_time_to_first_partial_seconds`)[
        `${P}streaming_time_to_first_partial_seconds_sum{${mockLabels}}`
      ],
    ).toBe(1.5);
    expect(nonZero(family(series, `${P}streaming_progress_events_total`))).toEqual({
      [`${P}streaming_progress_events_total{event_type="start"}`]: 1,
      [`${P}streaming_progress_events_total{event_type="progress"}`]: chunks.length,
      [`${P}streaming_progress_events_total{event_type="complete"}`]: 1,
    });
    expect(nonZero(family(series, `${P}streaming_tokens_total`))).toEqual({
      [`${P}streaming_tokens_total{${mockLabels},token_type="input"}`]: 12,
      [`${P}streaming_tokens_total{${mockLabels},token_type="output"}`]: 30,
    });
    for (const name of ['errors_total', 'retries_total', 'fallbacks_total']) {
      expect(nonZero(family(series, `${P}streaming_${name}`))).toEqual({});
    }
  });

  it('counts an attempt’s chunks when it ends, not per chunk (no per-chunk cost)', async () => {
    const metrics = createPrometheusObserver();
    const provider = createMockProvider({ responses: [{ chunks: profileChunks(5) }] });
    const stream = service(provider, { observers: [metrics] }).routeStructuredStreaming({
      prompt: 'Ada',
      responseModel: sampleProfileModel,
    });
    const iterator = stream[Symbol.asyncIterator]();
    await iterator.next();
    await iterator.next();
    await iterator.next();
    const during = await scrape(metrics.registry);
    expect(during.get(`${P}streaming_chunks_total{${mockLabels}}`)).toBe(0);
    expect(during.get(`${P}streaming_requests_total{${mockLabels},status="success"}`)).toBe(0);
    await drain({ [Symbol.asyncIterator]: () => iterator });
    const after = await scrape(metrics.registry);
    expect(after.get(`${P}streaming_chunks_total{${mockLabels}}`)).toBe(profileChunks(5).length);
  });

  it('counts a non-streaming request as one chunk', async () => {
    const metrics = createPrometheusObserver();
    const provider = createMockProvider({ responses: [{ json: sampleProfile }] });
    await service(provider, { observers: [metrics] }).routeStructured({
      prompt: 'Ada',
      responseModel: sampleProfileModel,
      enableStreaming: false,
    });
    const series = await scrape(metrics.registry);
    expect(series.get(`${P}streaming_chunks_total{${mockLabels}}`)).toBe(1);
    expect(series.get(`${P}streaming_requests_total{${mockLabels},status="success"}`)).toBe(1);
  });
});

describe('retries and fallbacks', () => {
  it('a mid-stream failure retried on the same model: one retry, chunks of both attempts, one success', async () => {
    const metrics = createPrometheusObserver();
    const chunks = profileChunks(10);
    const provider = createMockProvider({
      responses: [{ chunks, failAfterChunks: 2 }, { chunks }],
    });
    await drain(
      service(provider, { observers: [metrics] }).routeStructuredStreaming({
        prompt: 'Ada',
        responseModel: sampleProfileModel,
      }),
    );
    const series = await scrape(metrics.registry);
    expect(nonZero(family(series, `${P}streaming_retries_total`))).toEqual({
      [`${P}streaming_retries_total{${mockLabels},category="server"}`]: 1,
    });
    expect(series.get(`${P}streaming_chunks_total{${mockLabels}}`)).toBe(2 + chunks.length);
    expect(nonZero(family(series, `${P}streaming_requests_total`))).toEqual({
      [`${P}streaming_requests_total{${mockLabels},status="success"}`]: 1,
    });
    expect(series.get(`${P}streaming_progress_events_total{event_type="retry"}`)).toBe(1);
    expect(nonZero(family(series, `${P}streaming_errors_total`))).toEqual({});
    // The first partial came during the first attempt and is counted once.
    expect(series.get(`${P}streaming_time_to_first_partial_seconds_count{${mockLabels}}`)).toBe(1);
  });

  it('a fallback is counted against the model left, and the request against the model that answered', async () => {
    const metrics = createPrometheusObserver();
    const primary = createMockProvider({ id: 'a', responses: [{ error: { status: 503 } }] });
    const backup = createMockProvider({ id: 'b', responses: [{ json: sampleProfile }] });
    await drain(
      service([primary, backup], { observers: [metrics] }).routeStructuredStreaming({
        prompt: 'Ada',
        responseModel: sampleProfileModel,
        model: 'a/big',
        fallbackModels: ['b/small'],
        maxRetries: 1,
      }),
    );
    const series = await scrape(metrics.registry);
    expect(nonZero(family(series, `${P}streaming_fallbacks_total`))).toEqual({
      [`${P}streaming_fallbacks_total{provider="a",model="a/big",category="server"}`]: 1,
    });
    expect(nonZero(family(series, `${P}streaming_retries_total`))).toEqual({
      [`${P}streaming_retries_total{provider="a",model="a/big",category="server"}`]: 1,
    });
    expect(nonZero(family(series, `${P}streaming_requests_total`))).toEqual({
      [`${P}streaming_requests_total{provider="b",model="b/small",status="success"}`]: 1,
    });
    expect(series.get(`${P}streaming_progress_events_total{event_type="fallback"}`)).toBe(1);
  });
});

describe('failed requests', () => {
  it.each(ERROR_CATEGORIES.filter((category) => category !== 'aborted'))(
    'a request failing with "%s" is counted under that category',
    async (category) => {
      const metrics = createPrometheusObserver();
      const provider = createMockProvider({
        responses: [
          { error: new StructuredLLMError({ category, message: 'scripted', retryable: false }) },
        ],
      });
      await drain(
        service(provider, { observers: [metrics] }).routeStructuredStreaming({
          prompt: 'Ada',
          responseModel: sampleProfileModel,
        }),
      );
      const series = await scrape(metrics.registry);
      expect(nonZero(family(series, `${P}streaming_errors_total`))).toEqual({
        [`${P}streaming_errors_total{${mockLabels},category="${category}"}`]: 1,
      });
      expect(nonZero(family(series, `${P}streaming_requests_total`))).toEqual({
        [`${P}streaming_requests_total{${mockLabels},status="error"}`]: 1,
      });
      expect(series.get(`${P}streaming_latency_seconds_count{${mockLabels},status="error"}`)).toBe(
        1,
      );
      expect(series.get(`${P}streaming_progress_events_total{event_type="error"}`)).toBe(1);
    },
  );

  it('output that never validates ends as a validation error after the re-asks', async () => {
    const metrics = createPrometheusObserver();
    const provider = createMockProvider({ responses: [{ json: { name: 'Ada' } }] });
    await drain(
      service(provider, { observers: [metrics] }).routeStructuredStreaming({
        prompt: 'Ada',
        responseModel: sampleProfileModel,
        maxRetries: 2,
      }),
    );
    const series = await scrape(metrics.registry);
    expect(series.get(`${P}streaming_errors_total{${mockLabels},category="validation"}`)).toBe(1);
    expect(series.get(`${P}streaming_retries_total{${mockLabels},category="validation"}`)).toBe(2);
  });

  it('a request without a model is counted with provider and model "unknown"', async () => {
    const metrics = createPrometheusObserver();
    const llm = new StructuredLLMService({
      providers: [createMockProvider({ responses: [{ json: sampleProfile }] })],
      observers: [metrics],
    });
    await drain(llm.routeStructuredStreaming({ prompt: 'Ada', responseModel: sampleProfileModel }));
    const series = await scrape(metrics.registry);
    expect(
      series.get(
        `${P}streaming_errors_total{provider="unknown",model="unknown",category="bad_request"}`,
      ),
    ).toBe(1);
  });
});

describe('progress events', () => {
  /** Counts per event type, as a progressCallback without a filter receives them. */
  function callbackCounts(): {
    callback: (e: ProgressEvent) => void;
    counts: Record<string, number>;
  } {
    const counts: Record<string, number> = {};
    return {
      counts,
      callback: (event) => {
        counts[event.eventType] = (counts[event.eventType] ?? 0) + 1;
      },
    };
  }

  async function countedBoth(
    run: (observers: Observer[], callback: (e: ProgressEvent) => void) => Promise<void>,
  ): Promise<{ metric: Record<string, number>; callback: Record<string, number> }> {
    const metrics = createPrometheusObserver();
    const { callback, counts } = callbackCounts();
    await run([metrics], callback);
    const metric: Record<string, number> = {};
    for (const [series, value] of await scrape(metrics.registry)) {
      const type = /streaming_progress_events_total\{event_type="([a-z]+)"\}/.exec(series)?.[1];
      if (type !== undefined) metric[type] = value;
    }
    return { metric, callback: counts };
  }

  it.each([
    ['a streamed success', { responses: [{ chunks: profileChunks(6) }] }, {}, 0],
    [
      'a non-streaming success',
      { responses: [{ json: sampleProfile }] },
      { enableStreaming: false },
      0,
    ],
    [
      'a retry after a mid-stream failure',
      {
        responses: [{ chunks: profileChunks(6), failAfterChunks: 2 }, { chunks: profileChunks(6) }],
      },
      {},
      1,
    ],
    ['a failure', { responses: [{ error: { status: 401 } }] }, {}, 0],
    [
      'an output-mode downgrade',
      {
        responses: [
          {
            error: new StructuredLLMError({
              category: 'bad_request',
              code: 'unsupported_mode',
              message: 'json_schema is not supported',
            }),
          },
          { chunks: profileChunks(6) },
        ],
      },
      {},
      1,
    ],
  ] as const)(
    'are counted as a progressCallback sees them: %s',
    async (_name, script, request, retries) => {
      const { metric, callback } = await countedBoth(async (observers, progressCallback) => {
        const provider = createMockProvider(script as MockProviderOptions);
        await drain(
          service(provider, { observers }).routeStructuredStreaming({
            prompt: 'x',
            responseModel: sampleProfileModel,
            progressCallback,
            ...request,
          }),
        );
      });
      expect(metric).toEqual(callback);
      expect(metric.retry ?? 0).toBe(retries);
    },
  );

  it('are counted as a progressCallback sees them: a fallback', async () => {
    const { metric, callback } = await countedBoth(async (observers, progressCallback) => {
      const primary = createMockProvider({ id: 'a', responses: [{ error: { status: 503 } }] });
      const backup = createMockProvider({ id: 'b', responses: [{ chunks: profileChunks(6) }] });
      await drain(
        service([primary, backup], { observers }).routeStructuredStreaming({
          prompt: 'x',
          responseModel: sampleProfileModel,
          model: 'a/big',
          fallbackModels: ['b/small'],
          maxRetries: 1,
          progressCallback,
        }),
      );
    });
    expect(metric).toEqual(callback);
    expect(metric.fallback).toBe(1);
  });
});

describe('circuit breaker state', () => {
  it('follows the breaker: open after failures, half-open after the cooldown, closed after a success', async () => {
    let clock = 0;
    const metrics = createPrometheusObserver();
    const provider = createMockProvider({
      id: 'a',
      responses: [{ error: { status: 500 } }, { error: { status: 500 } }, { json: sampleProfile }],
    });
    const llm = service(provider, {
      observers: [metrics],
      defaultModel: 'a/big',
      breaker: createCircuitBreaker({ minimumCalls: 2, cooldownMs: 10_000, now: () => clock }),
    });
    /** The state whose series is 1; the other two are 0. */
    const state = async () => {
      const series = nonZero(family(await scrape(metrics.registry), `${P}circuit_breaker_state`));
      expect(Object.values(series)).toEqual([1]);
      return /state="([a-z_]+)"/.exec(Object.keys(series)[0] ?? '')?.[1];
    };
    await drain(
      llm.routeStructuredStreaming({
        prompt: 'x',
        responseModel: sampleProfileModel,
        maxRetries: 1,
      }),
    );
    expect(await state()).toBe('open');

    clock = 10_000;
    const probe = llm.routeStructuredStreaming({ prompt: 'x', responseModel: sampleProfileModel });
    const iterator = probe[Symbol.asyncIterator]();
    await iterator.next();
    expect(await state()).toBe('half_open');
    await drain({ [Symbol.asyncIterator]: () => iterator });
    expect(await state()).toBe('closed');
  });

  it('a refusal by an open breaker is counted as a circuit_open error', async () => {
    const metrics = createPrometheusObserver();
    const provider = createMockProvider({ responses: [{ error: { status: 500 } }] });
    const llm = service(provider, {
      observers: [metrics],
      breaker: createCircuitBreaker({ minimumCalls: 1, cooldownMs: 60_000 }),
    });
    const request = { prompt: 'x', responseModel: sampleProfileModel, maxRetries: 0 };
    await drain(llm.routeStructuredStreaming(request));
    await drain(llm.routeStructuredStreaming(request));
    const series = await scrape(metrics.registry);
    expect(nonZero(family(series, `${P}streaming_errors_total`))).toEqual({
      [`${P}streaming_errors_total{${mockLabels},category="server"}`]: 1,
      [`${P}streaming_errors_total{${mockLabels},category="circuit_open"}`]: 1,
    });
    expect(
      series.get(`${P}circuit_breaker_state{provider="mock",model="mock/model-a",state="open"}`),
    ).toBe(1);
  });
});

describe('bounded labels', () => {
  it('gives the first maxModels models their own label and counts the rest as "other"', async () => {
    const metrics = createPrometheusObserver({ maxModels: 3 });
    const provider = createMockProvider({ responses: [{ json: sampleProfile }] });
    const llm = service(provider, { observers: [metrics] });
    for (let i = 0; i < 10; i++) {
      await llm.routeStructured({
        prompt: 'x',
        responseModel: sampleProfileModel,
        model: `mock/m-${i}`,
      });
    }
    const requests = nonZero(
      family(await scrape(metrics.registry), `${P}streaming_requests_total`),
    );
    expect(requests).toEqual({
      [`${P}streaming_requests_total{provider="mock",model="mock/m-0",status="success"}`]: 1,
      [`${P}streaming_requests_total{provider="mock",model="mock/m-1",status="success"}`]: 1,
      [`${P}streaming_requests_total{provider="mock",model="mock/m-2",status="success"}`]: 1,
      [`${P}streaming_requests_total{provider="mock",model="other",status="success"}`]: 7,
    });
  });

  it('with an allow-list, only the listed models get their own label', async () => {
    const metrics = createPrometheusObserver({ models: ['mock/model-b'] });
    const provider = createMockProvider({ responses: [{ json: sampleProfile }] });
    const llm = service(provider, { observers: [metrics] });
    await llm.routeStructured({
      prompt: 'x',
      responseModel: sampleProfileModel,
      model: 'mock/model-a',
    });
    await llm.routeStructured({
      prompt: 'x',
      responseModel: sampleProfileModel,
      model: 'mock/model-b',
    });
    expect(nonZero(family(await scrape(metrics.registry), `${P}streaming_requests_total`))).toEqual(
      {
        [`${P}streaming_requests_total{provider="mock",model="other",status="success"}`]: 1,
        [`${P}streaming_requests_total{provider="mock",model="mock/model-b",status="success"}`]: 1,
      },
    );
  });

  it('never puts request ids, prompts or error messages in a label', async () => {
    const metrics = createPrometheusObserver();
    const secret = 'sk-secret-key-1234';
    const provider = createMockProvider({
      responses: [{ error: { status: 401, message: `bad key ${secret}` } }],
    });
    await drain(
      service(provider, { observers: [metrics] }).routeStructuredStreaming({
        prompt: `prompt mentioning ${secret}`,
        responseModel: sampleProfileModel,
      }),
    );
    const text = await metrics.registry.metrics();
    expect(text).not.toContain(secret);
    expect(text).not.toMatch(/req_/);
    const labelNames = new Set([...text.matchAll(/[{,]([a-z_]+)="/g)].map((m) => m[1]));
    expect([...labelNames].sort()).toEqual(
      ['category', 'event_type', 'le', 'model', 'provider', 'state', 'status', 'token_type'].sort(),
    );
  });
});

describe('series a team can alert on', () => {
  it('every status and category of a model exists at zero from its first request, so increase() counts the first error', async () => {
    const metrics = createPrometheusObserver();
    const provider = createMockProvider({
      responses: [{ json: sampleProfile }, { error: { status: 503 } }],
    });
    const llm = service(provider, { observers: [metrics] });
    await llm.routeStructured({ prompt: 'x', responseModel: sampleProfileModel });
    // A scrape between the first request and the first error sees the error series at 0 …
    const before = await scrape(metrics.registry);
    for (const category of ERROR_CATEGORIES.filter((c) => c !== 'aborted')) {
      expect(before.get(`${P}streaming_errors_total{${mockLabels},category="${category}"}`)).toBe(
        0,
      );
      expect(before.get(`${P}streaming_retries_total{${mockLabels},category="${category}"}`)).toBe(
        0,
      );
    }
    for (const status of ['error', 'cancelled']) {
      expect(before.get(`${P}streaming_requests_total{${mockLabels},status="${status}"}`)).toBe(0);
    }
    // … so the first error is an increase of 1, not a new series appearing at 1.
    await drain(
      llm.routeStructuredStreaming({
        prompt: 'x',
        responseModel: sampleProfileModel,
        maxRetries: 0,
      }),
    );
    const after = await scrape(metrics.registry);
    expect(after.get(`${P}streaming_errors_total{${mockLabels},category="server"}`)).toBe(1);
  });

  it('allow-listed models have their series before any request', async () => {
    const metrics = createPrometheusObserver({ models: ['openai/gpt-4o-mini'] });
    const series = await scrape(metrics.registry);
    const labels = 'provider="openai",model="openai/gpt-4o-mini"';
    expect(series.get(`${P}streaming_requests_total{${labels},status="success"}`)).toBe(0);
    expect(series.get(`${P}streaming_errors_total{${labels},category="validation"}`)).toBe(0);
    expect(series.get(`${P}streaming_latency_seconds_count{${labels},status="error"}`)).toBe(0);
    expect(series.get(`${P}circuit_breaker_state{${labels},state="closed"}`)).toBe(1);
    expect(series.get(`${P}circuit_breaker_state{${labels},state="open"}`)).toBe(0);
  });

  it('a cancel by the caller is counted as status="cancelled", not as an error', async () => {
    const metrics = createPrometheusObserver();
    const provider = createMockProvider({ responses: [{ chunks: profileChunks(4), delayMs: 5 }] });
    const stream = service(provider, { observers: [metrics] }).routeStructuredStreaming({
      prompt: 'x',
      responseModel: sampleProfileModel,
    });
    const iterator = stream[Symbol.asyncIterator]();
    await iterator.next();
    stream.abort('user left');
    await drain({ [Symbol.asyncIterator]: () => iterator });
    const series = await scrape(metrics.registry);
    expect(nonZero(family(series, `${P}streaming_requests_total`))).toEqual({
      [`${P}streaming_requests_total{${mockLabels},status="cancelled"}`]: 1,
    });
    expect(nonZero(family(series, `${P}streaming_errors_total`))).toEqual({});
    expect(
      series.get(`${P}streaming_latency_seconds_count{${mockLabels},status="cancelled"}`),
    ).toBe(1);
  });

  it('the breaker state has one series per state, 1 for the current one, from the first request', async () => {
    const metrics = createPrometheusObserver();
    const provider = createMockProvider({ responses: [{ json: sampleProfile }] });
    await service(provider, { observers: [metrics] }).routeStructured({
      prompt: 'x',
      responseModel: sampleProfileModel,
    });
    expect(family(await scrape(metrics.registry), `${P}circuit_breaker_state`)).toEqual({
      [`${P}circuit_breaker_state{${mockLabels},state="closed"}`]: 1,
      [`${P}circuit_breaker_state{${mockLabels},state="half_open"}`]: 0,
      [`${P}circuit_breaker_state{${mockLabels},state="open"}`]: 0,
    });
  });

  it('the provider comes from routing, and a model named like a reserved label cannot take it', async () => {
    const metrics = createPrometheusObserver();
    const provider = createMockProvider({ responses: [{ json: sampleProfile }] });
    const llm = new StructuredLLMService({
      providers: [provider],
      defaultProvider: 'mock',
      observers: [metrics],
    });
    for (const model of ['other', 'unknown']) {
      await llm.routeStructured({ prompt: 'x', responseModel: sampleProfileModel, model });
    }
    // With two providers and no default, no provider serves 'nope/x'.
    const second = createMockProvider({ id: 'second', responses: [{ json: sampleProfile }] });
    await drain(
      service([provider, second], { observers: [metrics] }).routeStructuredStreaming({
        prompt: 'x',
        responseModel: sampleProfileModel,
        model: 'nope/x',
      }),
    );
    expect(nonZero(family(await scrape(metrics.registry), `${P}streaming_requests_total`))).toEqual(
      {
        [`${P}streaming_requests_total{provider="mock",model="mock/other",status="success"}`]: 1,
        [`${P}streaming_requests_total{provider="mock",model="mock/unknown",status="success"}`]: 1,
        // Never routed: no provider, and the typed name is not a label.
        [`${P}streaming_requests_total{provider="unknown",model="unknown",status="error"}`]: 1,
      },
    );
  });

  it('an allow-list keeps junk names from taking the slots of real models', async () => {
    const metrics = createPrometheusObserver({ models: ['mock/model-a'], maxModels: 2 });
    const provider = createMockProvider({ responses: [{ json: sampleProfile }] });
    const llm = service(provider, { observers: [metrics] });
    for (const model of ['mock/junk-1', 'mock/junk-2', 'mock/junk-3', 'mock/model-a']) {
      await llm.routeStructured({ prompt: 'x', responseModel: sampleProfileModel, model });
    }
    expect(nonZero(family(await scrape(metrics.registry), `${P}streaming_requests_total`))).toEqual(
      {
        [`${P}streaming_requests_total{provider="mock",model="other",status="success"}`]: 3,
        [`${P}streaming_requests_total{provider="mock",model="mock/model-a",status="success"}`]: 1,
      },
    );
  });

  it('counts the tokens of every attempt, the re-asked ones too', async () => {
    const metrics = createPrometheusObserver();
    const provider = createMockProvider({
      responses: [
        { json: { name: 'Ada' }, usage: { inputTokens: 10, outputTokens: 5 } },
        { json: sampleProfile, usage: { inputTokens: 20, outputTokens: 40 } },
      ],
    });
    await service(provider, { observers: [metrics] }).routeStructured({
      prompt: 'x',
      responseModel: sampleProfileModel,
    });
    expect(nonZero(family(await scrape(metrics.registry), `${P}streaming_tokens_total`))).toEqual({
      [`${P}streaming_tokens_total{${mockLabels},token_type="input"}`]: 30,
      [`${P}streaming_tokens_total{${mockLabels},token_type="output"}`]: 45,
    });
  });
});

describe('the cost of zero series', () => {
  it('writes a label pair’s zero series once, however many names end up as "other"', async () => {
    const metrics = createPrometheusObserver({ maxModels: 1 });
    const provider = createMockProvider({ responses: [{ json: sampleProfile }] });
    const llm = service(provider, { observers: [metrics] });
    const zeroes = vi.spyOn(metrics.metrics.errors, 'inc');
    const zeroWrites = () =>
      zeroes.mock.calls.filter((args) => (args as unknown[])[1] === 0).length;
    await llm.routeStructured({ prompt: 'x', responseModel: sampleProfileModel, model: 'mock/a' });
    await llm.routeStructured({ prompt: 'x', responseModel: sampleProfileModel, model: 'mock/b' });
    const afterOther = zeroWrites();
    for (let i = 0; i < 5; i++) {
      await llm.routeStructured({
        prompt: 'x',
        responseModel: sampleProfileModel,
        model: `mock/junk-${i}`,
      });
    }
    expect(zeroWrites()).toBe(afterOther);
    expect(afterOther).toBeGreaterThan(0);
  });
});
