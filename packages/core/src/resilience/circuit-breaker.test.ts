import { afterEach, describe, expect, it, vi } from 'vitest';
import { ERROR_CATEGORIES, StructuredLLMError } from '../errors/index.ts';
import {
  type BreakerSnapshot,
  type BreakerStore,
  createInMemoryBreakerStore,
} from './breaker-store.ts';
import {
  type BreakerStateChange,
  type CircuitBreakerOptions,
  circuitOpenError,
  countsAsBreakerFailure,
  createCircuitBreaker,
} from './circuit-breaker.ts';

const KEY = 'openai:gpt-4o';

/** A breaker on a hand-driven clock, recording every transition it announces. */
function setup(options: CircuitBreakerOptions = {}) {
  const clock = { time: 1_000_000 };
  const changes: BreakerStateChange[] = [];
  const breaker = createCircuitBreaker({
    failureThreshold: 3,
    cooldownMs: 10_000,
    now: () => clock.time,
    ...options,
  });
  breaker.onStateChange((change) => changes.push(change));
  const advance = (ms: number): void => {
    clock.time += ms;
  };
  const transitions = () => changes.map(({ from, to }) => `${from}->${to}`);
  return { breaker, clock, advance, changes, transitions };
}

type Breaker = ReturnType<typeof setup>['breaker'];

/** Acquires and fails `count` calls with a network error. */
async function failCalls(breaker: Breaker, count: number, key = KEY): Promise<void> {
  for (let i = 0; i < count; i++) {
    await breaker.acquire(key);
    await breaker.recordFailure(key, 'network');
  }
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
    expect(await breaker.acquire(KEY)).toEqual({ allowed: true, state: 'closed' });
    expect(await breaker.state(KEY)).toBe('closed');
  });

  it('opens after failureThreshold consecutive infrastructure failures', async () => {
    const { breaker, changes } = setup();
    await failCalls(breaker, 2);
    expect(await breaker.state(KEY)).toBe('closed');
    await failCalls(breaker, 1);
    expect(await breaker.state(KEY)).toBe('open');
    expect(changes).toEqual([
      { key: KEY, from: 'closed', to: 'open', at: 1_000_000, retryInMs: 10_000 },
    ]);
  });

  it('never opens on validation, parse or other non-infrastructure failures', async () => {
    const { breaker } = setup();
    for (const category of ['validation', 'parse', 'bad_request', 'auth', 'aborted'] as const) {
      for (let i = 0; i < 5; i++) {
        await breaker.acquire(KEY);
        await breaker.recordFailure(KEY, category);
      }
    }
    expect(await breaker.state(KEY)).toBe('closed');
  });

  it('needs consecutive failures: a success in between resets the count', async () => {
    const { breaker } = setup();
    await failCalls(breaker, 2);
    await breaker.acquire(KEY);
    await breaker.recordSuccess(KEY);
    await failCalls(breaker, 2);
    expect(await breaker.state(KEY)).toBe('closed');
  });

  it('refuses calls while open, saying how long until the cooldown ends', async () => {
    const { breaker, advance } = setup();
    await failCalls(breaker, 3);
    expect(await breaker.acquire(KEY)).toEqual({
      allowed: false,
      state: 'open',
      retryInMs: 10_000,
    });
    advance(7_500);
    expect(await breaker.acquire(KEY)).toEqual({ allowed: false, state: 'open', retryInMs: 2_500 });
  });

  it('half-opens once the cooldown has passed and lets a probe through', async () => {
    const { breaker, advance, changes } = setup();
    await failCalls(breaker, 3);
    advance(10_000);
    expect(await breaker.acquire(KEY)).toEqual({ allowed: true, state: 'half_open' });
    expect(await breaker.state(KEY)).toBe('half_open');
    expect(changes.at(-1)).toEqual({ key: KEY, from: 'open', to: 'half_open', at: 1_010_000 });
  });

  it('lets at most halfOpenMaxProbes probes run at once', async () => {
    const { breaker, advance } = setup({ halfOpenMaxProbes: 2 });
    await failCalls(breaker, 3);
    advance(10_000);
    const decisions = await Promise.all([1, 2, 3, 4].map(() => breaker.acquire(KEY)));
    expect(decisions.map((decision) => decision.allowed)).toEqual([true, true, false, false]);
    expect(decisions[2]).toEqual({ allowed: false, state: 'half_open', retryInMs: 10_000 });
  });

  it('frees a probe slot when a probe is released or fails for a non-infrastructure reason', async () => {
    const { breaker, advance } = setup();
    await failCalls(breaker, 3);
    advance(10_000);
    await breaker.acquire(KEY);
    expect((await breaker.acquire(KEY)).allowed).toBe(false);
    await breaker.release(KEY);
    expect(await breaker.acquire(KEY)).toEqual({ allowed: true, state: 'half_open' });
    await breaker.recordFailure(KEY, 'validation');
    expect(await breaker.state(KEY)).toBe('half_open');
    expect(await breaker.acquire(KEY)).toEqual({ allowed: true, state: 'half_open' });
  });

  it('closes when a probe succeeds, and needs a full streak to open again', async () => {
    const { breaker, advance, transitions } = setup();
    await failCalls(breaker, 3);
    advance(10_000);
    await breaker.acquire(KEY);
    await breaker.recordSuccess(KEY);
    expect(await breaker.state(KEY)).toBe('closed');
    await failCalls(breaker, 2);
    expect(await breaker.state(KEY)).toBe('closed');
    expect(transitions()).toEqual(['closed->open', 'open->half_open', 'half_open->closed']);
  });

  it('reopens with a fresh cooldown when a probe fails', async () => {
    const { breaker, advance, changes } = setup();
    await failCalls(breaker, 3);
    advance(12_000);
    await breaker.acquire(KEY);
    advance(3_000);
    await breaker.recordFailure(KEY, 'timeout');
    expect(changes.at(-1)).toEqual({
      key: KEY,
      from: 'half_open',
      to: 'open',
      at: 1_015_000,
      retryInMs: 10_000,
    });
    advance(9_999);
    expect(await breaker.acquire(KEY)).toEqual({ allowed: false, state: 'open', retryInMs: 1 });
    advance(1);
    expect(await breaker.acquire(KEY)).toEqual({ allowed: true, state: 'half_open' });
  });

  it('announces each transition exactly once, with from and to', async () => {
    const { breaker, advance, transitions } = setup();
    await failCalls(breaker, 5);
    await breaker.acquire(KEY);
    advance(10_000);
    await Promise.all([breaker.acquire(KEY), breaker.acquire(KEY)]);
    await breaker.recordFailure(KEY, 'server');
    await breaker.recordFailure(KEY, 'server');
    advance(10_000);
    await breaker.acquire(KEY);
    await breaker.recordSuccess(KEY);
    await breaker.recordSuccess(KEY);
    expect(transitions()).toEqual([
      'closed->open',
      'open->half_open',
      'half_open->open',
      'open->half_open',
      'half_open->closed',
    ]);
  });

  it('ignores outcomes of calls that started before it opened', async () => {
    const { breaker, advance } = setup();
    await Promise.all([1, 2, 3, 4].map(() => breaker.acquire(KEY)));
    for (let i = 0; i < 3; i++) await breaker.recordFailure(KEY, 'network');
    await breaker.recordSuccess(KEY);
    expect(await breaker.state(KEY)).toBe('open');
    advance(5_000);
    expect(await breaker.acquire(KEY)).toMatchObject({ allowed: false, retryInMs: 5_000 });
  });

  it('does not let a call that started while closed free the probe slot when it ends', async () => {
    const { breaker, advance } = setup();
    await breaker.acquire(KEY); // a long call, still running when the breaker opens
    await failCalls(breaker, 3);
    advance(10_000);
    expect((await breaker.acquire(KEY)).allowed).toBe(true);
    await breaker.release(KEY); // the long call ends, aborted by its user
    expect(await breaker.acquire(KEY)).toMatchObject({ allowed: false, state: 'half_open' });
    await breaker.release(KEY); // the probe ends
    expect(await breaker.acquire(KEY)).toEqual({ allowed: true, state: 'half_open' });
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
    await failCalls(breaker, 3);
    expect(await breaker.state(KEY)).toBe('open');
    expect(transitions()).toEqual(['closed->open']);
    expect(seen).toEqual(['open']);
  });

  it('stops notifying a listener once it unsubscribes', async () => {
    const { breaker } = setup();
    const listener = vi.fn();
    const unsubscribe = breaker.onStateChange(listener);
    unsubscribe();
    await failCalls(breaker, 3);
    expect(listener).not.toHaveBeenCalled();
  });

  it('keeps keys independent', async () => {
    const { breaker } = setup();
    await failCalls(breaker, 3, 'openai:gpt-4o');
    expect(await breaker.state('openai:gpt-4o')).toBe('open');
    expect(await breaker.state('anthropic:claude')).toBe('closed');
    expect(await breaker.acquire('anthropic:claude')).toEqual({ allowed: true, state: 'closed' });
  });

  it('shares state between breakers that share a store, as separate processes would', async () => {
    const store = createInMemoryBreakerStore();
    const clock = { time: 0 };
    const options = { store, failureThreshold: 2, cooldownMs: 1_000, now: () => clock.time };
    const first = createCircuitBreaker(options);
    const second = createCircuitBreaker(options);
    await failCalls(first, 2);
    expect(await second.state(KEY)).toBe('open');
    expect(await second.acquire(KEY)).toEqual({ allowed: false, state: 'open', retryInMs: 1_000 });
    clock.time = 1_000;
    expect(await second.acquire(KEY)).toEqual({ allowed: true, state: 'half_open' });
    expect(await first.acquire(KEY)).toMatchObject({ allowed: false, state: 'half_open' });
    await second.recordSuccess(KEY);
    expect(await first.state(KEY)).toBe('closed');
  });

  it('works with an asynchronous store and still caps concurrent probes', async () => {
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
    };
    const { breaker, advance } = setup({ store });
    await failCalls(breaker, 3);
    expect(snapshots.get(KEY)).toMatchObject({ state: 'open', consecutiveFailures: 3 });
    advance(10_000);
    const decisions = await Promise.all([1, 2, 3].map(() => breaker.acquire(KEY)));
    expect(decisions.filter((decision) => decision.allowed)).toHaveLength(1);
    expect(snapshots.get(KEY)).toMatchObject({ state: 'half_open', probesInFlight: 1 });
  });

  it('reads the time from Date.now by default, so fake timers drive the cooldown', async () => {
    vi.useFakeTimers();
    const breaker = createCircuitBreaker({ failureThreshold: 1, cooldownMs: 2_000 });
    await failCalls(breaker, 1);
    vi.advanceTimersByTime(1_500);
    expect(await breaker.acquire(KEY)).toEqual({ allowed: false, state: 'open', retryInMs: 500 });
    vi.advanceTimersByTime(500);
    expect(await breaker.acquire(KEY)).toEqual({ allowed: true, state: 'half_open' });
  });

  it('propagates a failing store instead of guessing a state', async () => {
    const outage = new Error('redis down');
    const breaker = createCircuitBreaker({
      store: {
        get: () => Promise.reject(outage),
        set: () => undefined,
      },
    });
    await expect(breaker.acquire(KEY)).rejects.toBe(outage);
    await expect(breaker.state('other')).rejects.toBe(outage);
  });

  it.each([
    { failureThreshold: 0 },
    { failureThreshold: 1.5 },
    { cooldownMs: -1 },
    { cooldownMs: Number.NaN },
    { halfOpenMaxProbes: 0 },
  ])('rejects invalid options %o with a RangeError', (options) => {
    expect(() => createCircuitBreaker(options)).toThrow(RangeError);
  });
});
