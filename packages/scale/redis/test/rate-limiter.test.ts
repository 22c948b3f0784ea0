import { StructuredLLMError, StructuredLLMService } from '@structllm/core';
import { createMockProvider } from '@structllm/testing';
import { startRedisServer } from '@structllm/testing/redis';
import { describe, expect, it } from 'vitest';
import { createRedisRateLimiter } from '../src/index.ts';
import { model, recordingLogger, useRedis } from './support.ts';

const KEY = 'openai:gpt-4o';

const { open } = useRedis();

describe('createRedisRateLimiter', () => {
  it('lets exactly the limit through when many connections ask at once', async () => {
    const limiters = await Promise.all(
      Array.from({ length: 5 }, async () =>
        createRedisRateLimiter(await open(), {
          prefix: 'burst:',
          requestsPerMinute: 10,
          timeoutMs: 5_000,
        }),
      ),
    );
    const decisions = await Promise.all(
      Array.from({ length: 50 }, (_, i) => (limiters[i % 5] as (typeof limiters)[0]).acquire(KEY)),
    );
    const admitted = decisions.filter((d) => d.waitMs === 0);
    expect(admitted).toHaveLength(10);
    for (const refused of decisions.filter((d) => d.waitMs !== 0)) {
      expect(refused.waitMs).toBeGreaterThan(0);
      expect(refused.waitMs).toBeLessThanOrEqual(60_250);
    }
    // Another key has its own window.
    expect(await limiters[0]?.acquire('anthropic:claude')).toEqual({ waitMs: 0 });
  }, 30_000);

  it('a penalty set through one connection pauses the key for another, the longest winning', async () => {
    const one = createRedisRateLimiter(await open(), { prefix: 'pause:' });
    const two = createRedisRateLimiter(await open(), { prefix: 'pause:' });
    await one.penalize(KEY, 30_000);
    await two.penalize(KEY, 1_000);
    const { waitMs } = await two.acquire(KEY);
    expect(waitMs).toBeGreaterThan(1_000);
    expect(waitMs).toBeLessThanOrEqual(30_000);
    expect(await two.acquire('other:model')).toEqual({ waitMs: 0 });
  }, 30_000);

  it('holds calls back once the recorded tokens of the window reach tokensPerMinute', async () => {
    const limiter = createRedisRateLimiter(await open(), {
      prefix: 'tokens:',
      tokensPerMinute: 1_000,
    });
    expect(await limiter.acquire(KEY)).toEqual({ waitMs: 0 });
    await limiter.record(KEY, { tokens: 600 });
    expect(await limiter.acquire(KEY)).toEqual({ waitMs: 0 });
    await limiter.record(KEY, { tokens: 400 });
    const { waitMs } = await limiter.acquire(KEY);
    expect(waitMs).toBeGreaterThan(0);
    expect(waitMs).toBeLessThanOrEqual(60_250);
  }, 30_000);

  it('keys expire once their window has passed', async () => {
    const redis = await open();
    const limiter = createRedisRateLimiter(redis, {
      prefix: 'expiry:',
      requestsPerMinute: 5,
      windowMs: 2_000,
    });
    await limiter.acquire(KEY);
    const ttl = await redis.pttl('expiry:rate:{openai:gpt-4o}:calls');
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(2_250);
  }, 30_000);

  it('rejects options that cannot work with a bad_request', async () => {
    const redis = await open();
    for (const options of [{ requestsPerMinute: 0 }, { timeoutMs: -1 }, { windowMs: 1.5 }]) {
      let thrown: unknown;
      try {
        createRedisRateLimiter(redis, options);
      } catch (error) {
        thrown = error;
      }
      expect(StructuredLLMError.is(thrown)).toBe(true);
      expect(thrown).toMatchObject({ category: 'bad_request', code: 'invalid_options' });
    }
  }, 30_000);

  it('a 429 seen by one service makes another sharing the Redis wait before calling', async () => {
    const first = createMockProvider({
      responses: [{ error: { status: 429, retryAfterMs: 1_500 } }, { json: { ok: true } }],
    });
    const second = createMockProvider({ responses: () => ({ json: { ok: true } }) });
    const a = new StructuredLLMService({
      providers: [first],
      defaultModel: 'mock/model-a',
      breaker: false,
      rateLimiter: createRedisRateLimiter(await open(), { prefix: 'fleet429:' }),
    });
    const waits = recordingLogger();
    const b = new StructuredLLMService({
      providers: [second],
      defaultModel: 'mock/model-a',
      breaker: false,
      logger: waits.logger,
      rateLimiter: createRedisRateLimiter(await open(), { prefix: 'fleet429:' }),
    });
    const observer = await open();
    const pending = a.routeStructured({ prompt: 'x', responseModel: model });
    // Once the first service has been answered 429 (its pause is in Redis), the other asks.
    while ((await observer.pttl('fleet429:rate:{mock:model-a}:pause')) <= 0) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await expect(b.routeStructured({ prompt: 'y', responseModel: model })).resolves.toEqual({
      ok: true,
    });
    await expect(pending).resolves.toEqual({ ok: true });
    const waited = waits.debug.filter((entry) => entry.message === 'rate limit wait');
    expect(waited.length).toBeGreaterThan(0);
    expect(waited[0]?.data).toMatchObject({ waitMs: expect.any(Number) });
    expect(second.calls).toHaveLength(1);
  }, 30_000);
});

describe('an unreachable Redis', () => {
  it('never blocks a request: the limiter is logged and bypassed', async () => {
    const own = await startRedisServer();
    try {
      const redis = await open({ enableOfflineQueue: true, maxRetriesPerRequest: null }, own.url);
      const provider = createMockProvider({ responses: () => ({ json: { ok: true } }) });
      const { messages, logger } = recordingLogger();
      const llm = new StructuredLLMService({
        providers: [provider],
        defaultModel: 'mock/model-a',
        logger,
        rateLimiter: createRedisRateLimiter(redis, { requestsPerMinute: 1_000, timeoutMs: 200 }),
      });
      await own.stop();
      await expect(llm.routeStructured({ prompt: 'x', responseModel: model })).resolves.toEqual({
        ok: true,
      });
      expect(messages).toContain(
        'Rate limiter acquire failed; the request goes on without the limiter',
      );
    } finally {
      await own.stop();
    }
  }, 30_000);
});
