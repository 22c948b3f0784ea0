import { describe, expect, it } from 'vitest';
import { createInMemoryBreakerStore } from './breaker-store.ts';

const KEY = 'openai:gpt-4o';

describe('createInMemoryBreakerStore', () => {
  it('returns what was set, unaffected by later mutation of the given object', () => {
    const store = createInMemoryBreakerStore();
    const snapshot = { state: 'open' as const, consecutiveFailures: 5, openedAt: 42 };
    store.set(KEY, snapshot);
    (snapshot as { consecutiveFailures: number }).consecutiveFailures = 0;
    expect(store.get(KEY)).toEqual({ state: 'open', consecutiveFailures: 5, openedAt: 42 });
    expect(store.get('unknown')).toBeUndefined();
  });
});
