import { afterEach, describe, expect, it, vi } from 'vitest';
import { ERROR_CATEGORIES, StructuredLLMError } from '../errors/index.ts';
import {
  type BreakerCounts,
  type BreakerSnapshot,
  type BreakerStore,
  createInMemoryBreakerStore,
} from './breaker-store.ts';
import {
  type BreakerCall,
  type BreakerStateChange,
  type CircuitBreakerOptions,
  circuitOpenError,
  countsAsBreakerFailure,
  createCircuitBreaker,
} from './circuit-breaker.ts';

const KEY = 'openai:gpt-4o';

const T0 = 1_000_000;

/**
 * A breaker on fake timers (it reads Date.now), recording every transition it announces:
 * opens at 50 % failures once 4 calls ended in a 10 s window (1 s buckets), 10 s cooldown.
 */
function setup(options: CircuitBreakerOptions = {}) {
  vi.useFakeTimers({ now: T0 });
  const changes: BreakerStateChange[] = [];
  const breaker = createCircuitBreaker({
    failureRate: 0.5,
    minimumCalls: 4,
    windowMs: 10_000,
    cooldownMs: 10_000,
    ...options,
  });
  breaker.onStateChange((change) => changes.push(change));
  const advance = (ms: number): void => {
    vi.advanceTimersByTime(ms);
  };
  const transitions = () => changes.map(({ from, to }) => `${from}->${to}`);
  return { breaker, advance, changes, transitions };
}

type Breaker = ReturnType<typeof setup>['breaker'];

/** Admits `count` calls (failing the test if one is refused) and returns them, running. */
async function start(breaker: Breaker, count: number, key = KEY): Promise<BreakerCall[]> {
  const calls: BreakerCall[] = [];
  for (let i = 0; i < count; i++) {
    const decision = await breaker.acquire(key);
    if (!decision.allowed) throw new Error(`call ${i + 1} of ${count} was refused`);
    calls.push(decision.call);
  }
  return calls;
}

/** Admits and fails `count` calls, one after the other, with a network error. */
async function failCalls(breaker: Breaker, count: number, key = KEY): Promise<void> {
  for (let i = 0; i < count; i++) {
    const [call] = await start(breaker, 1, key);
    await call?.failed('network');
  }
}

/** Admits and succeeds `count` calls, one after the other. */
async function succeedCalls(breaker: Breaker, count: number, key = KEY): Promise<void> {
  for (let i = 0; i < count; i++) {
    const [call] = await start(breaker, 1, key);
    await call?.succeeded();
  }
}

/** The one probe let through (fails the test if refused). */
async function probe(breaker: Breaker): Promise<BreakerCall> {
  const decision = await breaker.acquire(KEY);
  expect(decision).toMatchObject({ allowed: true, state: 'half_open' });
  if (!decision.allowed) throw new Error('refused');
  return decision.call;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('countsAsBreakerFailure', () => {
  it('counts only infrastructure failures', () => {
    const counted = ERROR_CATEGORIES.filter(countsAsBreakerFailure);
    expect(counted).toEqual(['rate_limit', 'timeout', 'network', 'server']);
  });
});

describe('circuitOpenError', () => {
  it('says the service is unavailable, for which key, and when to retry', () => {
    const error = circuitOpenError(KEY, 12_300);
    expect(StructuredLLMError.is(error)).toBe(true);
    expect(error.category).toBe('circuit_open');
    expect(error.retryable).toBe(false);
    expect(error.retryAfterMs).toBe(12_300);
    expect(error.message).toBe(
      'Service temporarily unavailable: circuit breaker for openai:gpt-4o is open; retry in 13 s',
    );
  });
});

describe('createCircuitBreaker', () => {
  it('lets every call through while closed', async () => {
    const { breaker } = setup();
    expect(await breaker.acquire(KEY)).toMatchObject({ allowed: true, state: 'closed' });
    expect(await breaker.state(KEY)).toBe('closed');
  });

  it('closed → open once the failure rate reaches failureRate over at least minimumCalls', async () => {
    const { breaker, changes } = setup();
    await succeedCalls(breaker, 3);
    await failCalls(breaker, 2);
    expect(await breaker.state(KEY)).toBe('closed'); // 2 of 5: 40 %
    await failCalls(breaker, 1);
    expect(await breaker.state(KEY)).toBe('open'); // 3 of 6: 50 %
    expect(changes).toEqual([{ key: KEY, from: 'closed', to: 'open', at: T0, retryInMs: 10_000 }]);
  });

  it('does not open before minimumCalls calls ended, however many of them failed', async () => {
    const { breaker } = setup();
    await failCalls(breaker, 3);
    expect(await breaker.state(KEY)).toBe('closed'); // 100 %, but only 3 calls
    await failCalls(breaker, 1);
    expect(await breaker.state(KEY)).toBe('open');
  });

  it('counts running calls as not failed: early failures in a burst do not open it', async () => {
    const { breaker } = setup();
    const running = await start(breaker, 16);
    await failCalls(breaker, 4); // 4 ended, all failed, but 4 of 20 calls
    expect(await breaker.state(KEY)).toBe('closed');
    for (const call of running) await call.succeeded();
    expect(await breaker.state(KEY)).toBe('closed');
    expect((await breaker.acquire(KEY)).allowed).toBe(true);
  });

  it('still opens when the running calls fail too, as soon as the rate is certain', async () => {
    const { breaker } = setup();
    const running = await start(breaker, 20);
    for (const call of running.slice(0, 9)) await call.failed('server');
    expect(await breaker.state(KEY)).toBe('closed'); // 9 of 20
    await running[9]?.failed('server');
    expect(await breaker.state(KEY)).toBe('open'); // 10 of 20: even if the rest succeed
  });

  it('never opens on validation, parse or other non-infrastructure failures', async () => {
    const { breaker } = setup();
    for (const category of ['validation', 'parse', 'bad_request', 'auth', 'aborted'] as const) {
      for (let i = 0; i < 5; i++) {
        const [call] = await start(breaker, 1);
        await call?.failed(category);
      }
    }
    await failCalls(breaker, 3);
    expect(await breaker.state(KEY)).toBe('closed'); // only the 3 network failures counted
  });

  it('forgets failures once they slide out of the window', async () => {
    const { breaker, advance } = setup();
    await failCalls(breaker, 3);
    advance(9_999); // the first bucket is still in the window
    await failCalls(breaker, 1);
    expect(await breaker.state(KEY)).toBe('open');

    const second = setup();
    await failCalls(second.breaker, 3);
    second.advance(10_000); // the window moved past them
    await failCalls(second.breaker, 3);
    expect(await second.breaker.state(KEY)).toBe('closed');
    await failCalls(second.breaker, 1);
    expect(await second.breaker.state(KEY)).toBe('open');
  });

  it('refuses calls while open, saying how long until the cooldown ends', async () => {
    const { breaker, advance } = setup();
    await failCalls(breaker, 4);
    expect(await breaker.acquire(KEY)).toEqual({
      allowed: false,
      state: 'open',
      retryInMs: 10_000,
    });
    advance(7_500);
    expect(await breaker.acquire(KEY)).toEqual({ allowed: false, state: 'open', retryInMs: 2_500 });
  });

  it('open → half_open once the cooldown has passed, letting a probe through', async () => {
    const { breaker, advance, changes } = setup();
    await failCalls(breaker, 4);
    advance(9_999);
    expect((await breaker.acquire(KEY)).allowed).toBe(false);
    advance(1);
    await probe(breaker);
    expect(await breaker.state(KEY)).toBe('half_open');
    expect(changes.at(-1)).toEqual({ key: KEY, from: 'open', to: 'half_open', at: T0 + 10_000 });
  });

  it('lets at most halfOpenMaxProbes probes run at once', async () => {
    const { breaker, advance } = setup({ halfOpenMaxProbes: 2 });
    await failCalls(breaker, 4);
    advance(10_000);
    const decisions = await Promise.all([1, 2, 3, 4].map(() => breaker.acquire(KEY)));
    expect(decisions.map((decision) => decision.allowed)).toEqual([true, true, false, false]);
    expect(decisions[2]).toEqual({ allowed: false, state: 'half_open', retryInMs: 10_000 });
  });

  it('frees a probe slot when a probe is released or fails for a non-infrastructure reason', async () => {
    const { breaker, advance } = setup();
    await failCalls(breaker, 4);
    advance(10_000);
    const first = await probe(breaker);
    expect((await breaker.acquire(KEY)).allowed).toBe(false);
    await first.released();
    const second = await probe(breaker);
    await second.failed('validation');
    expect(await breaker.state(KEY)).toBe('half_open');
    await probe(breaker);
  });

  it('half_open → closed when a probe succeeds, on a fresh window', async () => {
    const { breaker, advance, transitions } = setup({ cooldownMs: 1_000 });
    await succeedCalls(breaker, 10);
    await failCalls(breaker, 10);
    advance(1_000); // the failures are still in the window
    await (await probe(breaker)).succeeded();
    expect(await breaker.state(KEY)).toBe('closed');
    await failCalls(breaker, 3);
    expect(await breaker.state(KEY)).toBe('closed'); // the old failures do not count
    await failCalls(breaker, 1);
    expect(transitions()).toEqual([
      'closed->open',
      'open->half_open',
      'half_open->closed',
      'closed->open',
    ]);
  });

  it('half_open → open with a fresh cooldown when a probe fails', async () => {
    const { breaker, advance, changes } = setup();
    await failCalls(breaker, 4);
    advance(12_000);
    const call = await probe(breaker);
    advance(3_000);
    await call.failed('timeout');
    expect(changes.at(-1)).toEqual({
      key: KEY,
      from: 'half_open',
      to: 'open',
      at: T0 + 15_000,
      retryInMs: 10_000,
    });
    advance(9_999);
    expect(await breaker.acquire(KEY)).toEqual({ allowed: false, state: 'open', retryInMs: 1 });
    advance(1);
    await probe(breaker);
  });

  it('counts the successes of calls running when it opened: once the window says healthy, it closes', async () => {
    const { breaker, advance, transitions } = setup({ cooldownMs: 60_000 });
    const running = await start(breaker, 8);
    await failCalls(breaker, 8); // 8 of 16: open
    expect(await breaker.state(KEY)).toBe('open');
    advance(10_000); // the failures slide out; the running calls now succeed
    for (const call of running.slice(0, 3)) await call.succeeded();
    expect(await breaker.state(KEY)).toBe('open'); // 3 calls: not yet minimumCalls
    await running[3]?.succeeded();
    expect(await breaker.state(KEY)).toBe('closed');
    expect(transitions()).toEqual(['closed->open', 'open->closed']);
    expect((await breaker.acquire(KEY)).allowed).toBe(true);
  });

  it('stays open when the window, with those successes, still says failing', async () => {
    const { breaker } = setup();
    const running = await start(breaker, 8);
    await failCalls(breaker, 8);
    for (const call of running) await call.succeeded(); // 8 of 16 failed
    expect(await breaker.state(KEY)).toBe('open');
  });

  it('closes from half_open when a call that started before the opening succeeds; its failure does not reopen', async () => {
    const { breaker, advance, transitions } = setup();
    const [early, late] = await start(breaker, 2);
    await failCalls(breaker, 4);
    advance(10_000);
    const call = await probe(breaker);
    await early?.failed('network'); // belongs to the outage that opened it
    expect(await breaker.state(KEY)).toBe('half_open');
    expect((await breaker.acquire(KEY)).allowed).toBe(false); // the probe still holds its slot
    await late?.succeeded(); // a full answer from the provider, just now
    expect(await breaker.state(KEY)).toBe('closed');
    await call.succeeded();
    expect(transitions()).toEqual(['closed->open', 'open->half_open', 'half_open->closed']);
  });

  it('does not let a probe of an earlier episode free a later probe slot', async () => {
    const { breaker, advance } = setup({ halfOpenMaxProbes: 2 });
    await failCalls(breaker, 4);
    advance(10_000);
    const [stale, failing] = await start(breaker, 2);
    await failing?.failed('server'); // reopens: a new episode, while `stale` still runs
    advance(10_000);
    const [, current] = await start(breaker, 2);
    expect((await breaker.acquire(KEY)).allowed).toBe(false);
    await stale?.released();
    expect((await breaker.acquire(KEY)).allowed).toBe(false);
    await current?.released();
    await probe(breaker);
  });

  it('counts a call once, however often its end is reported', async () => {
    const { breaker } = setup();
    const [call] = await start(breaker, 1);
    await call?.failed('network');
    await call?.failed('network');
    await call?.failed('network');
    await call?.succeeded();
    await failCalls(breaker, 2);
    expect(await breaker.state(KEY)).toBe('closed'); // 3 failures, not 5
  });

  it('announces each transition exactly once, with from and to', async () => {
    const { breaker, advance, transitions } = setup({ halfOpenMaxProbes: 2 });
    await failCalls(breaker, 4);
    advance(10_000);
    const probes = await start(breaker, 2);
    for (const call of probes) await call.failed('server');
    advance(10_000);
    const [first] = await start(breaker, 1);
    await first?.succeeded();
    await first?.succeeded();
    expect(transitions()).toEqual([
      'closed->open',
      'open->half_open',
      'half_open->open',
      'open->half_open',
      'half_open->closed',
    ]);
  });

  it('keeps working and keeps notifying others when a listener throws or rejects', async () => {
    const { breaker, transitions } = setup();
    breaker.onStateChange(() => {
      throw new Error('observer bug');
    });
    breaker.onStateChange(async () => {
      throw new Error('async observer bug');
    });
    const seen: string[] = [];
    breaker.onStateChange((change) => seen.push(change.to));
    await failCalls(breaker, 4);
    expect(await breaker.state(KEY)).toBe('open');
    expect(transitions()).toEqual(['closed->open']);
    expect(seen).toEqual(['open']);
  });

  it('stops notifying a listener once it unsubscribes', async () => {
    const { breaker } = setup();
    const listener = vi.fn();
    const unsubscribe = breaker.onStateChange(listener);
    unsubscribe();
    await failCalls(breaker, 4);
    expect(listener).not.toHaveBeenCalled();
  });

  it('keeps keys independent', async () => {
    const { breaker } = setup();
    await failCalls(breaker, 4, 'openai:gpt-4o');
    expect(await breaker.state('openai:gpt-4o')).toBe('open');
    expect(await breaker.state('anthropic:claude')).toBe('closed');
    expect(await breaker.acquire('anthropic:claude')).toMatchObject({
      allowed: true,
      state: 'closed',
    });
  });

  it('shares state and counts between breakers that share a store, as separate processes would', async () => {
    vi.useFakeTimers({ now: 0 });
    const store = createInMemoryBreakerStore();
    const options = { store, minimumCalls: 4, cooldownMs: 1_000 };
    const first = createCircuitBreaker(options);
    const second = createCircuitBreaker(options);
    await failCalls(first, 2);
    await failCalls(second, 2); // the fourth failure of the fleet opens it
    expect(await first.state(KEY)).toBe('open');
    expect(await second.acquire(KEY)).toEqual({ allowed: false, state: 'open', retryInMs: 1_000 });
    vi.advanceTimersByTime(1_000);
    const decision = await second.acquire(KEY);
    expect(decision).toMatchObject({ allowed: true, state: 'half_open' });
    expect(await first.acquire(KEY)).toMatchObject({ allowed: false, state: 'half_open' });
    if (decision.allowed) await decision.call.succeeded();
    expect(await first.state(KEY)).toBe('closed');
  });

  it('works with an asynchronous store and still caps concurrent probes', async () => {
    const memory = createInMemoryBreakerStore();
    const snapshots = new Map<string, BreakerSnapshot>();
    // Several turns of the microtask queue, so concurrent operations could interleave.
    const later = async (): Promise<void> => {
      for (let i = 0; i < 3; i++) await null;
    };
    const store: BreakerStore = {
      get: async (key) => {
        await later();
        return snapshots.get(key);
      },
      set: async (key, snapshot) => {
        await later();
        snapshots.set(key, snapshot);
      },
      add: async (key, bucket, delta, ttlMs) => {
        await later();
        memory.add(key, bucket, delta, ttlMs);
      },
      sum: async (key, buckets): Promise<BreakerCounts> => {
        await later();
        return memory.sum(key, buckets);
      },
    };
    const { breaker, advance } = setup({ store });
    await Promise.all([1, 2, 3, 4].map(() => failCalls(breaker, 1)));
    expect(snapshots.get(KEY)).toMatchObject({ state: 'open', openedAt: T0 });
    advance(10_000);
    const decisions = await Promise.all([1, 2, 3].map(() => breaker.acquire(KEY)));
    expect(decisions.filter((decision) => decision.allowed)).toHaveLength(1);
    expect(snapshots.get(KEY)).toMatchObject({ state: 'half_open', probesInFlight: 1 });
  });

  it('uses the documented defaults: 50 % over 20 calls in 30 s, 30 s cooldown', async () => {
    vi.useFakeTimers({ now: T0 });
    const breaker = createCircuitBreaker();
    await succeedCalls(breaker, 10);
    await failCalls(breaker, 9);
    expect(await breaker.state(KEY)).toBe('closed'); // 19 calls
    await failCalls(breaker, 1);
    expect(await breaker.acquire(KEY)).toEqual({
      allowed: false,
      state: 'open',
      retryInMs: 30_000,
    });
    vi.advanceTimersByTime(30_000);
    expect(await breaker.acquire(KEY)).toMatchObject({ allowed: true, state: 'half_open' });
  });

  it('propagates a failing store instead of guessing a state', async () => {
    const outage = new Error('redis down');
    const breaker = createCircuitBreaker({
      store: {
        get: () => Promise.reject(outage),
        set: () => undefined,
        add: () => undefined,
        sum: () => ({ calls: 0, failures: 0, inFlight: 0 }),
      },
    });
    await expect(breaker.acquire(KEY)).rejects.toBe(outage);
    await expect(breaker.state('other')).rejects.toBe(outage);
  });

  it.each([
    { failureRate: 0 },
    { failureRate: 1.5 },
    { failureRate: Number.NaN },
    { minimumCalls: 0 },
    { minimumCalls: 1.5 },
    { windowMs: 0 },
    { cooldownMs: -1 },
    { cooldownMs: Number.NaN },
    { halfOpenMaxProbes: 0 },
  ])('rejects invalid options %o with a RangeError', (options) => {
    expect(() => createCircuitBreaker(options)).toThrow(RangeError);
  });

  it('tells a caller still passing failureThreshold what replaced it', () => {
    const legacy = { failureThreshold: 5 } as CircuitBreakerOptions;
    expect(() => createCircuitBreaker(legacy)).toThrow(
      /failureThreshold was replaced by failureRate and minimumCalls/,
    );
  });
});
