import { describe, expect, it, vi } from 'vitest';
import {
  type BreakerStore,
  createInMemoryBreakerStore,
  createProgressEstimator,
  type ProgressEventType,
} from '../../src/index.ts';
import { collect, profile, profileModel, service } from '../support/engine.ts';
import { createMockProvider } from '../support/mock-provider.ts';

/*
 * What the caller's own parts get wrong — a breaker store out of reach, a progress
 * filter or estimator that throws, a malformed prompt — never makes the iterator
 * throw: the request either goes on or ends with one error response.
 */

const quietLogger = () => {
  const warn = vi.fn();
  return { warn, logger: { debug() {}, info() {}, warn, error() {} } };
};

describe('faults in the caller’s own parts', () => {
  it('a breaker store that fails leaves the request to go on without the breaker', async () => {
    const outage = () => Promise.reject(new Error('ECONNREFUSED 127.0.0.1:6379'));
    const store: BreakerStore = { get: outage, set: outage, add: outage, sum: outage };
    const provider = createMockProvider({ responses: [{ json: profile, chunkSize: 16 }] });
    const { warn, logger } = quietLogger();
    const stream = service(provider, { breaker: { store }, logger }).routeStructuredStreaming({
      prompt: 'Ada',
      responseModel: profileModel,
    });
    const responses = await collect(stream);
    expect(responses.at(-1)).toMatchObject({ isComplete: true, error: undefined });
    await expect(stream.result).resolves.toEqual(profile);
    expect(provider.calls).toHaveLength(1);
    // Not admitted, so there is no call to report the success on.
    expect(warn.mock.calls.map((call) => call[0])).toEqual([
      'Circuit breaker acquire failed; the request goes on without the breaker',
    ]);
    expect(warn.mock.calls[0]?.[1]).toMatchObject({ error: 'ECONNREFUSED 127.0.0.1:6379' });
  });

  it('a breaker store that fails after admitting the call leaves the value intact', async () => {
    const memory = createInMemoryBreakerStore();
    const store: BreakerStore = {
      get: (key) => memory.get(key),
      set: (key, snapshot) => memory.set(key, snapshot),
      // Counting the call's end fails: the store went away while the call ran.
      add: (key, bucket, delta, ttlMs) =>
        delta.inFlight < 0
          ? Promise.reject(new Error('ECONNREFUSED 127.0.0.1:6379'))
          : memory.add(key, bucket, delta, ttlMs),
      sum: (key, buckets) => memory.sum(key, buckets),
    };
    const provider = createMockProvider({ responses: [{ json: profile, chunkSize: 16 }] });
    const { warn, logger } = quietLogger();
    const value = await service(provider, { breaker: { store }, logger }).routeStructured({
      prompt: 'Ada',
      responseModel: profileModel,
    });
    expect(value).toEqual(profile);
    expect(warn.mock.calls.map((call) => call[0])).toEqual([
      'Circuit breaker recordSuccess failed; the request goes on without the breaker',
    ]);
  });

  it.each<ProgressEventType>(['start', 'progress', 'complete'])(
    'a progressFilter that throws on %s is reported once; the value is kept',
    async (failingOn) => {
      const provider = createMockProvider({ responses: [{ json: profile, chunkSize: 16 }] });
      const { warn, logger } = quietLogger();
      const delivered: ProgressEventType[] = [];
      const value = await service(provider, { logger }).routeStructured({
        prompt: 'Ada',
        responseModel: profileModel,
        progressCallback: (event) => void delivered.push(event.eventType),
        progressFilter: (event) => {
          if (event.eventType === failingOn) throw new Error('filter bug');
          return true;
        },
      });
      expect(value).toEqual(profile);
      expect(delivered).not.toContain(failingOn);
      expect(warn).toHaveBeenCalledTimes(1);
      expect(warn.mock.calls[0]?.[1]).toMatchObject({ error: 'filter bug' });
    },
  );

  it('a progressEstimator whose learn throws costs nothing of the result', async () => {
    const provider = createMockProvider({ responses: [{ json: profile }] });
    const { warn, logger } = quietLogger();
    const base = createProgressEstimator();
    const estimator = {
      estimate: base.estimate.bind(base),
      learn: () => {
        throw new Error('estimator bug');
      },
    };
    const value = await service(provider, { logger, progressEstimator: estimator }).routeStructured(
      { prompt: 'Ada', responseModel: profileModel },
    );
    expect(value).toEqual(profile);
    expect(warn).toHaveBeenCalledWith('progressEstimator.learn threw; the result is kept', {
      requestId: expect.any(String),
      error: 'estimator bug',
    });
  });

  it.each([
    [42, 'must be a string or an array of messages, got number'],
    [null, 'must be a string or an array of messages, got null'],
    [[], 'has no messages'],
    [[{ role: 'user' }], 'message 0 has no string content'],
    [
      [
        { role: 'user', content: 'hi' },
        { role: 'tool', content: 'x' },
      ],
      'message 1 has role "tool" (expected "system", "user" or "assistant")',
    ],
  ])('a prompt of %j ends with one bad_request response, no call made', async (prompt, says) => {
    const provider = createMockProvider({ responses: [{ json: profile }] });
    const stream = service(provider).routeStructuredStreaming({
      prompt: prompt as never,
      responseModel: profileModel,
    });
    const responses = await collect(stream);
    expect(responses).toHaveLength(1);
    expect(responses[0]?.error).toMatchObject({
      category: 'bad_request',
      code: 'invalid_options',
      message: `The request's prompt ${says}`,
    });
    expect(provider.calls).toHaveLength(0);
  });

  it.each([
    [{ baseDelayMs: -1 }, 'baseDelayMs must be a finite number >= 0, got -1'],
    [{ multiplier: 0.5 }, 'multiplier must be a finite number >= 1, got 0.5'],
    [{ jitter: 'some' as 'full' }, "jitter must be 'full' or 'none', got some"],
    [{ maxRetries: 1.5 }, 'maxRetries must be an integer >= 0, got 1.5'],
    [{ maxRetryAfterMs: Number.NaN }, 'maxRetryAfterMs must be a number >= 0, got NaN'],
  ])('retry options %j fail at construction, not at the first retry', (retry, says) => {
    const provider = createMockProvider({ responses: [{ json: profile }] });
    expect(() => service(provider, { retry })).toThrow(
      expect.objectContaining({
        category: 'bad_request',
        code: 'invalid_options',
        message: `new StructuredLLMService({ retry }): ${says}`,
      }),
    );
  });

  it.each([0, -1, Number.NaN, '4' as unknown as number])(
    'routeStructuredBatch refuses concurrency %j at once',
    (concurrency) => {
      const provider = createMockProvider({ responses: [{ json: profile }] });
      expect(() =>
        service(provider).routeStructuredBatch([{ prompt: 'a', responseModel: profileModel }], {
          concurrency,
        }),
      ).toThrow(expect.objectContaining({ category: 'bad_request', code: 'invalid_options' }));
      expect(provider.calls).toHaveLength(0);
    },
  );

  it('routeStructuredBatch takes concurrency: Infinity as no bound', async () => {
    const provider = createMockProvider({ responses: [{ json: profile }] });
    const batch = service(provider).routeStructuredBatch(
      [0, 1, 2].map(() => ({ prompt: 'a', responseModel: profileModel })),
      { concurrency: Number.POSITIVE_INFINITY },
    );
    await expect(batch.results).resolves.toHaveLength(3);
  });
});
