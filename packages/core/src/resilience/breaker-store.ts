export type BreakerState = 'closed' | 'open' | 'half_open';

/** The small state record of one key; every field is a JSON number or string. */
export interface BreakerSnapshot {
  readonly state: BreakerState;
  /** ms timestamp when it last opened (kept after it closes: it names half-open episodes). */
  readonly openedAt?: number;
  /**
   * Names the window the counters belong to: a ms timestamp set each time it closes, so a
   * closed breaker starts from an empty window. Absent = 0.
   */
  readonly window?: number;
  /** Half-open probes currently allowed through. */
  readonly probesInFlight?: number;
}

/** Counters of one window bucket (or of several, summed). */
export interface BreakerCounts {
  /** Calls that ended with an outcome that counts (a success or an infrastructure failure). */
  readonly calls: number;
  /** Of those, infrastructure failures. */
  readonly failures: number;
  /** Calls admitted in this bucket and still running (may go below 0 in a bucket; sums do not). */
  readonly inFlight: number;
}

/**
 * Where breaker state lives, so several processes can share it (e.g. Redis). Methods may be
 * sync or async.
 *
 * Two kinds of data, both small and serialisable:
 * - one `BreakerSnapshot` per key (`get`/`set`), written only when the state changes;
 * - window buckets per key: three integer counters each, changed only by adding deltas
 *   (`add`) and read by summing named buckets (`sum`). Bucket ids are opaque strings the
 *   breaker builds (window + bucket start time); adds to the same bucket from several
 *   processes must all count, so a store adds (e.g. Redis `HINCRBY` on a hash per bucket)
 *   rather than writing whole values. A bucket is never needed after `ttlMs`: a store may
 *   expire it then (Redis `PEXPIRE`), which also drops the in-flight count of a process
 *   that died mid-call.
 *
 * The breaker reads, decides and writes back; a synchronous store makes that step atomic
 * for every breaker in the process, an asynchronous one only within one breaker. Across
 * processes the counters are exact, the snapshot is last-writer-wins, so probe limits are
 * exact per process.
 */
export interface BreakerStore {
  get(key: string): BreakerSnapshot | undefined | Promise<BreakerSnapshot | undefined>;
  set(key: string, snapshot: BreakerSnapshot): void | Promise<void>;
  /** Adds `delta` to the counters of `bucket` of `key` (a missing bucket starts at zero). */
  add(key: string, bucket: string, delta: BreakerCounts, ttlMs: number): void | Promise<void>;
  /**
   * The counters of these buckets of `key`, summed (missing buckets count zero). The breaker
   * never asks again for a bucket it did not name here, so a store may forget the others.
   */
  sum(key: string, buckets: readonly string[]): BreakerCounts | Promise<BreakerCounts>;
}

interface MutableCounts {
  calls: number;
  failures: number;
  inFlight: number;
}

/** A synchronous Map-backed store: the default, and atomic for breakers that share it. */
export function createInMemoryBreakerStore(): BreakerStore {
  const snapshots = new Map<string, BreakerSnapshot>();
  const windows = new Map<string, Map<string, MutableCounts>>();
  return {
    get: (key) => snapshots.get(key),
    set: (key, snapshot) => {
      // Copy so a caller mutating its object cannot change the stored state behind our back.
      snapshots.set(key, Object.freeze({ ...snapshot }));
    },
    add: (key, bucket, delta) => {
      const buckets = windows.get(key) ?? new Map<string, MutableCounts>();
      windows.set(key, buckets);
      const counts = buckets.get(bucket) ?? { calls: 0, failures: 0, inFlight: 0 };
      buckets.set(bucket, counts);
      counts.calls += delta.calls;
      counts.failures += delta.failures;
      counts.inFlight += delta.inFlight;
    },
    sum: (key, wanted) => {
      const total = { calls: 0, failures: 0, inFlight: 0 };
      const buckets = windows.get(key);
      if (buckets === undefined) return total;
      const keep = new Set(wanted);
      for (const [bucket, counts] of buckets) {
        // Buckets the breaker no longer reads are out of its window: forget them.
        if (!keep.has(bucket)) {
          buckets.delete(bucket);
          continue;
        }
        total.calls += counts.calls;
        total.failures += counts.failures;
        total.inFlight += counts.inFlight;
      }
      return total;
    },
  };
}
