import { describe, expect, it } from 'vitest';
import { createInMemoryBreakerStore } from './breaker-store.ts';

const KEY = 'openai:gpt-4o';

describe('createInMemoryBreakerStore', () => {
  it('returns what was set, unaffected by later mutation of the given object', () => {
    const store = createInMemoryBreakerStore();
    const snapshot = { state: 'open' as const, openedAt: 42, window: 7 };
    store.set(KEY, snapshot);
    (snapshot as { openedAt: number }).openedAt = 0;
    expect(store.get(KEY)).toEqual({ state: 'open', openedAt: 42, window: 7 });
    expect(store.get('unknown')).toBeUndefined();
  });

  it('adds deltas per bucket and sums the named buckets, missing ones as zero', () => {
    const store = createInMemoryBreakerStore();
    store.add(KEY, '0:1000', { calls: 0, failures: 0, inFlight: 1 }, 100);
    store.add(KEY, '0:1000', { calls: 1, failures: 1, inFlight: 0 }, 100);
    store.add(KEY, '0:2000', { calls: 1, failures: 0, inFlight: -1 }, 100);
    store.add('other', '0:1000', { calls: 5, failures: 5, inFlight: 0 }, 100);
    expect(store.sum(KEY, ['0:1000', '0:2000', '0:3000'])).toEqual({
      calls: 2,
      failures: 1,
      inFlight: 0,
    });
    expect(store.sum('unknown', ['0:1000'])).toEqual({ calls: 0, failures: 0, inFlight: 0 });
  });

  it('forgets buckets a sum no longer names (they left the window)', () => {
    const store = createInMemoryBreakerStore();
    store.add(KEY, '0:1000', { calls: 3, failures: 3, inFlight: 0 }, 100);
    store.add(KEY, '0:2000', { calls: 1, failures: 0, inFlight: 0 }, 100);
    expect(store.sum(KEY, ['0:2000'])).toEqual({ calls: 1, failures: 0, inFlight: 0 });
    expect(store.sum(KEY, ['0:1000', '0:2000'])).toEqual({ calls: 1, failures: 0, inFlight: 0 });
  });
});
