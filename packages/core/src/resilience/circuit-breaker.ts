import { now as clockNow } from '../clock.ts';
import { type ErrorCategory, StructuredLLMError } from '../errors/index.ts';
import { IsolatedCallback } from '../observe/isolated-callback.ts';
import {
  type BreakerCounts,
  type BreakerSnapshot,
  type BreakerState,
  type BreakerStore,
  createInMemoryBreakerStore,
} from './breaker-store.ts';

export interface CircuitBreakerOptions {
  /**
   * Share of calls in the window that must have failed for it to open, in (0, 1]; default
   * 0.5. Calls still running count as not failed: it opens only when the share would stay
   * at or above this even if every running call succeeded.
   */
  readonly failureRate?: number;
  /** Ended calls the window must hold before it can open; default 20. */
  readonly minimumCalls?: number;
  /** The sliding window, in ms; default 30_000. It slides in tenths (3 s by default). */
  readonly windowMs?: number;
  /** open → half_open after this; default 30_000. */
  readonly cooldownMs?: number;
  /** Concurrent trial calls while half-open; default 1. */
  readonly halfOpenMaxProbes?: number;
  /** Default in-memory. */
  readonly store?: BreakerStore;
  /** Default: core's clock (`Date.now`); tests inject. */
  readonly now?: () => number;
}

export interface BreakerStateChange {
  readonly key: string;
  readonly from: BreakerState;
  readonly to: BreakerState;
  readonly at: number;
  /** Set when it opens: time until it lets a probe through. */
  readonly retryInMs?: number;
}

/** One admitted call. Report how it ended exactly once; later reports are ignored. */
export interface BreakerCall {
  /** The provider answered: counts as a success. */
  succeeded(): Promise<void>;
  /**
   * The call failed with this category. Only infrastructure failures count as failures (see
   * countsAsBreakerFailure); any other category ends the call like `released`.
   */
  failed(category: ErrorCategory): Promise<void>;
  /** The call ended without saying anything about the provider (e.g. aborted by its user). */
  released(): Promise<void>;
}

export type BreakerDecision =
  | { readonly allowed: true; readonly state: BreakerState; readonly call: BreakerCall }
  | { readonly allowed: false; readonly state: 'open' | 'half_open'; readonly retryInMs: number };

export interface CircuitBreaker {
  /**
   * Asks to make a call for `key` (provider+model, e.g. 'openai:gpt-4o'). Moves open →
   * half_open once the cooldown has passed; in half_open lets at most halfOpenMaxProbes
   * calls through. An allowed call comes with a `BreakerCall` to report its end on.
   */
  acquire(key: string): Promise<BreakerDecision>;
  state(key: string): Promise<BreakerState>;
  /**
   * Subscribe to transitions; returns an unsubscribe function. Listener errors are caught
   * and never break the breaker.
   */
  onStateChange(listener: (change: BreakerStateChange) => void): () => void;
}

/**
 * rate_limit, timeout, network, server count; validation, parse, bad_request, auth,
 * content_filter, length, aborted, circuit_open, unknown do not.
 */
export function countsAsBreakerFailure(category: ErrorCategory): boolean {
  return (
    category === 'rate_limit' ||
    category === 'timeout' ||
    category === 'network' ||
    category === 'server'
  );
}

/**
 * StructuredLLMError category 'circuit_open', retryable false, message "Service temporarily
 * unavailable: circuit breaker for <key> is open; retry in <n> s" (retryAfterMs = retryInMs).
 */
export function circuitOpenError(key: string, retryInMs: number): StructuredLLMError {
  const waitMs = Number.isFinite(retryInMs) && retryInMs > 0 ? retryInMs : 0;
  const seconds = Math.ceil(waitMs / 1000);
  return new StructuredLLMError({
    category: 'circuit_open',
    message: `Service temporarily unavailable: circuit breaker for ${key} is open; retry in ${seconds} s`,
    retryable: false,
    retryAfterMs: waitMs,
  });
}

/** The options, defaults filled in and checked; `bucketMs` is the step the window slides by. */
type BreakerSettings = Readonly<ReturnType<typeof settingsFrom>>;

/** Buckets per window. */
const BUCKETS = 10;

/** How a call ended, as far as the breaker cares. */
type Outcome = 'success' | 'failure' | 'neutral';

/** What the breaker remembers of an admitted call, to count its end where it belongs. */
interface Admission {
  readonly key: string;
  /** The bucket its admission was counted in (as running). */
  readonly bucket: string;
  /** The half-open episode (its openedAt) it probes, if it was a probe. */
  readonly episode: number | undefined;
}

/** A snapshot with every field the transitions read made explicit. */
interface Normalized {
  readonly state: BreakerState;
  readonly openedAt: number;
  /** When it last opened, if it ever did (kept while closed: it names half-open episodes). */
  readonly lastOpenedAt: number | undefined;
  readonly window: number;
  readonly probesInFlight: number;
}

function normalize(snapshot: BreakerSnapshot | undefined): Normalized {
  return {
    state: snapshot?.state ?? 'closed',
    // An opening time we do not know is treated as long past: let a probe find out.
    openedAt: snapshot?.openedAt ?? 0,
    lastOpenedAt: snapshot?.openedAt,
    window: snapshot?.window ?? 0,
    probesInFlight: snapshot?.probesInFlight ?? 0,
  };
}

/** Closed on a fresh window, remembering when it last opened. */
function closed(current: Normalized, now: number): BreakerSnapshot {
  // Strictly later than the window it leaves, even on a frozen clock.
  const window = Math.max(now, current.window + 1);
  return current.lastOpenedAt === undefined
    ? { state: 'closed', window }
    : { state: 'closed', openedAt: current.lastOpenedAt, window };
}

function opened(current: Normalized, now: number): BreakerSnapshot {
  return {
    state: 'open',
    // Strictly later than every earlier opening, even on a frozen clock and even after it
    // closed in between: the opening time also names the half-open episode probes belong
    // to, and a probe still running from an earlier episode must not count in a later one.
    openedAt: current.lastOpenedAt === undefined ? now : Math.max(now, current.lastOpenedAt + 1),
    window: current.window,
  };
}

/**
 * The window says the provider is failing: enough ended calls, and a failure share at or
 * above the threshold even if every running call succeeds.
 */
function tripped(counts: BreakerCounts, settings: BreakerSettings): boolean {
  if (counts.calls < settings.minimumCalls || counts.failures === 0) return false;
  const total = counts.calls + Math.max(0, counts.inFlight);
  return counts.failures / total >= settings.failureRate;
}

/** Where an outcome leaves the breaker; undefined = unchanged. */
function outcomeStep(
  current: Normalized,
  outcome: Outcome,
  probe: boolean,
  counts: () => Promise<BreakerCounts>,
  now: number,
  settings: BreakerSettings,
): Promise<BreakerSnapshot | undefined> | BreakerSnapshot | undefined {
  switch (current.state) {
    case 'closed':
      return counts().then((window) =>
        tripped(window, settings) ? opened(current, now) : undefined,
      );
    case 'open':
      // A call that started before it opened and succeeds now: if the window, with it, no
      // longer says the provider is failing, stop refusing a healthy provider.
      if (outcome !== 'success') return undefined;
      return counts().then((window) =>
        window.calls >= settings.minimumCalls && !tripped(window, settings)
          ? closed(current, now)
          : undefined,
      );
    case 'half_open':
      // Any success is a full answer from the provider just now; only a probe's failure
      // reopens it (older calls' failures belong to the outage that opened it).
      if (outcome === 'success') return closed(current, now);
      if (!probe) return undefined;
      if (outcome === 'failure') return opened(current, now);
      return { ...current, probesInFlight: Math.max(0, current.probesInFlight - 1) };
  }
}

function ignore(): void {}

function requireInteger(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(`${name} must be an integer >= ${min}, got ${String(value)}`);
  }
}

function settingsFrom(options: CircuitBreakerOptions) {
  if ('failureThreshold' in options) {
    throw new RangeError(
      'failureThreshold was replaced by failureRate and minimumCalls: the breaker opens on a failure rate over windowMs, not a streak',
    );
  }
  const windowMs = options.windowMs ?? 30_000;
  const settings = {
    failureRate: options.failureRate ?? 0.5,
    minimumCalls: options.minimumCalls ?? 20,
    windowMs,
    // A tenth of the window, rounded up to whole ms.
    bucketMs: Math.ceil(windowMs / BUCKETS),
    cooldownMs: options.cooldownMs ?? 30_000,
    halfOpenMaxProbes: options.halfOpenMaxProbes ?? 1,
  };
  const rate = settings.failureRate;
  if (!(Number.isFinite(rate) && rate > 0 && rate <= 1)) {
    throw new RangeError(`failureRate must be a number in (0, 1], got ${String(rate)}`);
  }
  requireInteger('minimumCalls', settings.minimumCalls, 1);
  requireInteger('windowMs', settings.windowMs, 1);
  requireInteger('halfOpenMaxProbes', settings.halfOpenMaxProbes, 1);
  if (!Number.isFinite(settings.cooldownMs) || settings.cooldownMs < 0) {
    throw new RangeError(
      `cooldownMs must be a finite number >= 0, got ${String(settings.cooldownMs)}`,
    );
  }
  return settings;
}

/**
 * A circuit breaker per key that opens on a failure rate over a sliding time window.
 *
 * Calls are counted twice: as running from their admission (in the bucket of that
 * moment) until they end, and as ended, with their outcome, in the bucket of their end.
 * Running calls count as not failed, so a burst of early failures among many calls still
 * running (a few resets among a thousand healthy streams) cannot open it; it opens once
 * the failures are at least `failureRate` of ended plus running calls in the window.
 */
export function createCircuitBreaker(options: CircuitBreakerOptions = {}): CircuitBreaker {
  const settings = settingsFrom(options);
  const ttlMs = settings.windowMs + settings.bucketMs;
  const store = options.store ?? createInMemoryBreakerStore();
  // Looked up per call so fake clocks installed after creation still apply.
  const now = options.now ?? clockNow;
  const listeners = new Set<{ readonly listener: (change: BreakerStateChange) => void }>();
  const queues = new Map<string, Promise<unknown>>();

  /** Runs operations on one key one at a time, so an async store cannot interleave them. */
  function serialize<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = queues.get(key) ?? Promise.resolve();
    const run = previous.then(task);
    const tail = run.then(ignore, ignore);
    queues.set(key, tail);
    void tail.then(() => {
      if (queues.get(key) === tail) queues.delete(key);
    });
    return run;
  }

  // A broken listener must not break the calls it observes: its errors are dropped.
  const quiet = new IsolatedCallback(ignore);
  function emit(change: BreakerStateChange): void {
    for (const { listener } of [...listeners]) quiet.call(listener, change);
  }

  /** The bucket of `at` in window `window`, and the ids of the whole window ending there. */
  function bucketStart(at: number): number {
    return Math.floor(at / settings.bucketMs) * settings.bucketMs;
  }
  function bucketId(window: number, start: number): string {
    return `${window}:${start}`;
  }
  function windowIds(window: number, at: number): string[] {
    const last = bucketStart(at);
    return Array.from({ length: BUCKETS }, (_, i) =>
      bucketId(window, last - i * settings.bucketMs),
    );
  }

  async function write(
    key: string,
    from: BreakerState,
    next: BreakerSnapshot,
    at: number,
  ): Promise<void> {
    await store.set(key, next);
    if (next.state !== from) {
      emit({
        key,
        from,
        to: next.state,
        at,
        ...(next.state === 'open' ? { retryInMs: settings.cooldownMs } : {}),
      });
    }
  }

  function admitted(admission: Admission, state: BreakerState): BreakerDecision {
    let ended = false;
    const end = (outcome: Outcome): Promise<void> => {
      if (ended) return Promise.resolve();
      ended = true;
      return record(admission, outcome);
    };
    return {
      allowed: true,
      state,
      call: {
        succeeded: () => end('success'),
        failed: (category) => end(countsAsBreakerFailure(category) ? 'failure' : 'neutral'),
        released: () => end('neutral'),
      },
    };
  }

  function acquire(key: string): Promise<BreakerDecision> {
    return serialize(key, async () => {
      const snapshot = await store.get(key);
      const at = now();
      const current = normalize(snapshot);
      const bucket = bucketId(current.window, bucketStart(at));
      if (current.state === 'closed') {
        await store.add(key, bucket, { calls: 0, failures: 0, inFlight: 1 }, ttlMs);
        return admitted({ key, bucket, episode: undefined }, 'closed');
      }
      if (current.state === 'open') {
        const remaining = current.openedAt + settings.cooldownMs - at;
        if (remaining > 0) {
          return { allowed: false, state: 'open', retryInMs: Math.ceil(remaining) };
        }
      }
      const probes = current.state === 'open' ? 0 : current.probesInFlight;
      if (probes >= settings.halfOpenMaxProbes) {
        // When the running probes will finish is unknown; a cooldown is the honest order of size.
        return { allowed: false, state: 'half_open', retryInMs: settings.cooldownMs };
      }
      const next: BreakerSnapshot = {
        state: 'half_open',
        openedAt: current.openedAt,
        window: current.window,
        probesInFlight: probes + 1,
      };
      await write(key, current.state, next, at);
      // Counted only once the store accepted the grant.
      await store.add(key, bucket, { calls: 0, failures: 0, inFlight: 1 }, ttlMs);
      return admitted({ key, bucket, episode: current.openedAt }, 'half_open');
    });
  }

  function record(admission: Admission, outcome: Outcome): Promise<void> {
    const { key } = admission;
    return serialize(key, async () => {
      const snapshot = await store.get(key);
      const at = now();
      const current = normalize(snapshot);
      await store.add(key, admission.bucket, { calls: 0, failures: 0, inFlight: -1 }, ttlMs);
      if (outcome !== 'neutral') {
        const delta = { calls: 1, failures: outcome === 'failure' ? 1 : 0, inFlight: 0 };
        await store.add(key, bucketId(current.window, bucketStart(at)), delta, ttlMs);
      }
      const probe = current.state === 'half_open' && admission.episode === current.openedAt;
      const counts = (): Promise<BreakerCounts> =>
        Promise.resolve(store.sum(key, windowIds(current.window, at)));
      const next = await outcomeStep(current, outcome, probe, counts, at, settings);
      if (next !== undefined) await write(key, current.state, next, at);
    });
  }

  return {
    acquire,
    state: (key) => serialize(key, async () => (await store.get(key))?.state ?? 'closed'),
    onStateChange: (listener) => {
      const subscription = { listener };
      listeners.add(subscription);
      return () => {
        listeners.delete(subscription);
      };
    },
  };
}
