import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createCircuitBreaker, StructuredLLMError, StructuredLLMService } from '@structllm/core';
import { createMockProvider } from '@structllm/testing';
import { startRedisServer } from '@structllm/testing/redis';
import { describe, expect, it } from 'vitest';
import { createRedisBreakerStore } from '../src/index.ts';
import { model, recordingLogger, useRedis } from './support.ts';

const here = dirname(fileURLToPath(import.meta.url));
const KEY = 'mock:model-a';

const { open, url } = useRedis();

describe('createRedisBreakerStore', () => {
  it('keeps snapshots and sums counters added from several connections, with expiring keys', async () => {
    const [a, b] = [await open(), await open()];
    const storeA = createRedisBreakerStore(a, { prefix: 'contract:' });
    const storeB = createRedisBreakerStore(b, { prefix: 'contract:' });
    expect(await storeA.get(KEY)).toBeUndefined();
    await storeA.set(KEY, { state: 'open', openedAt: 42, window: 7 });
    expect(await storeB.get(KEY)).toEqual({ state: 'open', openedAt: 42, window: 7 });

    await Promise.all([
      storeA.add(KEY, '7:1000', { calls: 0, failures: 0, inFlight: 1 }, 5_000),
      storeB.add(KEY, '7:1000', { calls: 1, failures: 1, inFlight: -1 }, 5_000),
      storeB.add(KEY, '7:2000', { calls: 2, failures: 0, inFlight: 0 }, 5_000),
      storeA.add('other', '7:1000', { calls: 9, failures: 9, inFlight: 0 }, 5_000),
    ]);
    expect(await storeB.sum(KEY, ['7:1000', '7:2000', '7:3000'])).toEqual({
      calls: 3,
      failures: 1,
      inFlight: 0,
    });
    expect(await storeA.sum(KEY, [])).toEqual({ calls: 0, failures: 0, inFlight: 0 });

    const ttl = await a.pttl('contract:breaker:{mock:model-a}:bucket:7:1000');
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(5_000);
    expect(await a.pttl('contract:breaker:{mock:model-a}:state')).toBeGreaterThan(0);
  }, 30_000);

  it('reads a missing or unreadable state as none (the breaker starts closed)', async () => {
    const redis = await open();
    const store = createRedisBreakerStore(redis, { prefix: 'corrupt:' });
    await redis.set('corrupt:breaker:{mock:model-a}:state', 'not json');
    expect(await store.get(KEY)).toBeUndefined();
    await redis.set('corrupt:breaker:{mock:model-a}:state', '{"state":"exploded"}');
    expect(await store.get(KEY)).toBeUndefined();
  }, 30_000);

  it('rejects options that cannot work with a bad_request', async () => {
    const redis = await open();
    for (const options of [{ timeoutMs: 0 }, { stateTtlMs: Number.NaN }, { prefix: 3 }]) {
      let thrown: unknown;
      try {
        createRedisBreakerStore(redis, options as never);
      } catch (error) {
        thrown = error;
      }
      expect(StructuredLLMError.is(thrown)).toBe(true);
      expect(thrown).toMatchObject({ category: 'bad_request', code: 'invalid_options' });
    }
  }, 30_000);

  it('a breaker opened in one process refuses calls in another sharing the Redis', async () => {
    const options = { minimumCalls: 2, cooldownMs: 60_000 };
    const one = createCircuitBreaker({
      ...options,
      store: createRedisBreakerStore(await open(), { prefix: 'shared:' }),
    });
    const two = createCircuitBreaker({
      ...options,
      store: createRedisBreakerStore(await open(), { prefix: 'shared:' }),
    });
    for (let i = 0; i < 2; i++) {
      const decision = await one.acquire(KEY);
      if (!decision.allowed) throw new Error('expected the closed breaker to admit');
      await decision.call.failed('server');
    }
    expect(await one.state(KEY)).toBe('open');
    // The other process's very next question is refused: no waiting on anything.
    const refused = await two.acquire(KEY);
    expect(refused).toMatchObject({ allowed: false, state: 'open' });
    expect(await two.state(KEY)).toBe('open');
  }, 30_000);

  it('two services sharing it: failures seen by one make the other refuse without calling', async () => {
    const failing = createMockProvider({ responses: () => ({ error: { status: 503 } }) });
    const healthy = createMockProvider({ responses: () => ({ json: { ok: true } }) });
    const breaker = { minimumCalls: 3, cooldownMs: 60_000 };
    const a = new StructuredLLMService({
      providers: [failing],
      defaultModel: 'mock/model-a',
      retry: { baseDelayMs: 0, maxDelayMs: 0 },
      breaker: {
        ...breaker,
        store: createRedisBreakerStore(await open(), { prefix: 'services:' }),
      },
    });
    const b = new StructuredLLMService({
      providers: [healthy],
      defaultModel: 'mock/model-a',
      breaker: {
        ...breaker,
        store: createRedisBreakerStore(await open(), { prefix: 'services:' }),
      },
    });
    // Its retries fail until its breaker opens and refuses the last one.
    await expect(a.routeStructured({ prompt: 'x', responseModel: model })).rejects.toMatchObject({
      category: 'circuit_open',
    });
    expect(failing.calls).toHaveLength(3);
    await expect(b.routeStructured({ prompt: 'y', responseModel: model })).rejects.toMatchObject({
      category: 'circuit_open',
    });
    expect(healthy.calls).toHaveLength(0);
  }, 30_000);

  it('across real processes: one opens it, the next process is refused', async () => {
    const worker = join(here, 'fixtures', 'breaker-worker.ts');
    const run = promisify(execFile);
    const args = ['--conditions=@structllm/source', worker, url(), 'processes:'];
    const opened = await run(process.execPath, [...args, 'fail'], { timeout: 30_000 });
    expect(JSON.parse(opened.stdout)).toEqual({ state: 'open' });
    const asked = await run(process.execPath, [...args, 'ask'], { timeout: 30_000 });
    expect(JSON.parse(asked.stdout)).toMatchObject({ allowed: false, state: 'open' });
  }, 60_000);
});

describe('an unreachable Redis', () => {
  it('never blocks a request: the engine logs it and goes on with the local breaker bypassed', async () => {
    const own = await startRedisServer();
    try {
      // The ioredis defaults (an offline queue, endless retries): the store's own timeout is the bound.
      const redis = await open({ enableOfflineQueue: true, maxRetriesPerRequest: null }, own.url);
      const provider = createMockProvider({ responses: () => ({ json: { ok: true } }) });
      const { messages, logger } = recordingLogger();
      const llm = new StructuredLLMService({
        providers: [provider],
        defaultModel: 'mock/model-a',
        logger,
        breaker: { store: createRedisBreakerStore(redis, { prefix: 'down:', timeoutMs: 200 }) },
      });
      await expect(llm.routeStructured({ prompt: 'x', responseModel: model })).resolves.toEqual({
        ok: true,
      });
      expect(messages).toEqual([]);
      await own.stop();
      for (let i = 0; i < 3; i++) {
        await expect(llm.routeStructured({ prompt: 'x', responseModel: model })).resolves.toEqual({
          ok: true,
        });
      }
      expect(provider.calls).toHaveLength(4);
      expect(messages).toContain(
        'Circuit breaker acquire failed; the request goes on without the breaker',
      );
    } finally {
      await own.stop();
    }
  }, 60_000);

  it('fails each store operation after timeoutMs with a clear error', async () => {
    const own = await startRedisServer();
    const redis = await open({ enableOfflineQueue: true, maxRetriesPerRequest: null }, own.url);
    await own.stop();
    const store = createRedisBreakerStore(redis, { timeoutMs: 100 });
    await expect(store.get(KEY)).rejects.toThrow('Redis breaker get did not answer within 100 ms');
  }, 30_000);
});
