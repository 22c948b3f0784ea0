export type BreakerState = 'closed' | 'open' | 'half_open';

export interface BreakerSnapshot {
  readonly state: BreakerState;
  readonly consecutiveFailures: number;
  /** ms timestamp when it last opened (kept after it closes: it names half-open episodes). */
  readonly openedAt?: number;
  /** Half-open probes currently allowed through. */
  readonly probesInFlight?: number;
}

/**
 * Where breaker state lives, so several processes can share it later (e.g. Redis).
 * Methods may be sync or async.
 *
 * The breaker reads, decides and writes back; a synchronous store makes that step atomic
 * for every breaker in the process, an asynchronous one only within one breaker. Across
 * processes a shared store is last-writer-wins, so probe limits are exact per process.
 */
export interface BreakerStore {
  get(key: string): BreakerSnapshot | undefined | Promise<BreakerSnapshot | undefined>;
  set(key: string, snapshot: BreakerSnapshot): void | Promise<void>;
}

/** A synchronous Map-backed store: the default, and atomic for breakers that share it. */
export function createInMemoryBreakerStore(): BreakerStore {
  const snapshots = new Map<string, BreakerSnapshot>();
  return {
    get: (key) => snapshots.get(key),
    set: (key, snapshot) => {
      // Copy so a caller mutating its object cannot change the stored state behind our back.
      snapshots.set(key, Object.freeze({ ...snapshot }));
    },
  };
}
