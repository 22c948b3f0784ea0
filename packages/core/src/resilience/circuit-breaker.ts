import { type ErrorCategory, StructuredLLMError } from '../errors/index.ts';
import { isPromiseLike } from '../values.ts';
import {
  type BreakerSnapshot,
  type BreakerState,
  type BreakerStore,
  createInMemoryBreakerStore,
} from './breaker-store.ts';

export interface CircuitBreakerOptions {
  /** Consecutive infrastructure failures that open it; default 5. */
  readonly failureThreshold?: number;
  /** open → half_open after this; default 30_000. */
  readonly cooldownMs?: number;
  /** Concurrent trial calls while half-open; default 1. */
  readonly halfOpenMaxProbes?: number;
  /** Default in-memory. */
  readonly store?: BreakerStore;
  /** Default Date.now (tests inject). */
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

export type BreakerDecision =
  | { readonly allowed: true; readonly state: BreakerState }
  | { readonly allowed: false; readonly state: 'open' | 'half_open'; readonly retryInMs: number };

export interface CircuitBreaker {
  /**
   * Asks to make a call for `key` (provider+model, e.g. 'openai:gpt-4o'). Moves open →
   * half_open once the cooldown has passed; in half_open lets at most halfOpenMaxProbes
   * calls through. Every allowed call must end in exactly one recordSuccess,
   * recordFailure or release.
   */
  acquire(key: string): Promise<BreakerDecision>;
  /** The call succeeded: closes a half-open breaker, resets the failure count. */
  recordSuccess(key: string): Promise<void>;
  /**
   * The call failed with this category. Only infrastructure failures count (see
   * countsAsBreakerFailure); others just release a half-open probe slot without counting.
   * A failure in half_open reopens it (new cooldown).
   */
  recordFailure(key: string, category: ErrorCategory): Promise<void>;
  /**
   * A call that was acquired ended without an outcome that says anything about the
   * provider (e.g. aborted by the user): releases a half-open probe slot.
   */
  release(key: string): Promise<void>;
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
  switch (category) {
    case 'rate_limit':
    case 'timeout':
    case 'network':
    case 'server':
      return true;
    default:
      return false;
  }
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

interface BreakerSettings {
  readonly failureThreshold: number;
  readonly cooldownMs: number;
  readonly halfOpenMaxProbes: number;
}

/** How a call ended, as far as the breaker cares. */
type Outcome = 'success' | 'failure' | 'neutral';

/** A pure transition: the snapshot to write (undefined = unchanged) and what to answer. */
interface Step<R> {
  readonly next: BreakerSnapshot | undefined;
  readonly result: R;
}

/** A snapshot with every field the transitions read made explicit. */
interface Normalized {
  readonly state: BreakerState;
  readonly consecutiveFailures: number;
  readonly openedAt: number;
  /** When it last opened, if it ever did (kept while closed: it names half-open episodes). */
  readonly lastOpenedAt: number | undefined;
  readonly probesInFlight: number;
}

function normalize(snapshot: BreakerSnapshot | undefined): Normalized {
  return {
    state: snapshot?.state ?? 'closed',
    consecutiveFailures: snapshot?.consecutiveFailures ?? 0,
    // An opening time we do not know is treated as long past: let a probe find out.
    openedAt: snapshot?.openedAt ?? 0,
    lastOpenedAt: snapshot?.openedAt,
    probesInFlight: snapshot?.probesInFlight ?? 0,
  };
}

/** Closed with `consecutiveFailures`, remembering when it last opened. */
function closed(current: Normalized, consecutiveFailures: number): BreakerSnapshot {
  return current.lastOpenedAt === undefined
    ? { state: 'closed', consecutiveFailures }
    : { state: 'closed', consecutiveFailures, openedAt: current.lastOpenedAt };
}

function opened(current: Normalized, now: number): BreakerSnapshot {
  return {
    state: 'open',
    consecutiveFailures: current.consecutiveFailures + 1,
    // Strictly later than every earlier opening, even on a frozen clock and even after it
    // closed in between: the opening time also names the half-open episode probes belong
    // to, and a probe still running from an earlier episode must not count in a later one.
    openedAt: current.lastOpenedAt === undefined ? now : Math.max(now, current.lastOpenedAt + 1),
  };
}

function acquireStep(
  snapshot: BreakerSnapshot | undefined,
  now: number,
  settings: BreakerSettings,
): Step<BreakerDecision> {
  const current = normalize(snapshot);
  if (current.state === 'closed') {
    return { next: undefined, result: { allowed: true, state: 'closed' } };
  }
  if (current.state === 'open') {
    const remaining = current.openedAt + settings.cooldownMs - now;
    if (remaining > 0) {
      return {
        next: undefined,
        result: { allowed: false, state: 'open', retryInMs: Math.ceil(remaining) },
      };
    }
  }
  const probes = current.state === 'open' ? 0 : current.probesInFlight;
  if (probes >= settings.halfOpenMaxProbes) {
    // When the running probes will finish is unknown; a cooldown is the honest order of size.
    const refused: BreakerDecision = {
      allowed: false,
      state: 'half_open',
      retryInMs: settings.cooldownMs,
    };
    return { next: undefined, result: refused };
  }
  return {
    next: {
      state: 'half_open',
      consecutiveFailures: current.consecutiveFailures,
      openedAt: current.openedAt,
      probesInFlight: probes + 1,
    },
    result: { allowed: true, state: 'half_open' },
  };
}

function outcomeStep(
  snapshot: BreakerSnapshot | undefined,
  outcome: Outcome,
  wasProbe: boolean,
  now: number,
  settings: BreakerSettings,
): BreakerSnapshot | undefined {
  const current = normalize(snapshot);
  switch (current.state) {
    case 'closed':
      if (outcome === 'success')
        return current.consecutiveFailures === 0 ? undefined : closed(current, 0);
      if (outcome === 'neutral') return undefined;
      if (current.consecutiveFailures + 1 >= settings.failureThreshold) {
        return opened(current, now);
      }
      return closed(current, current.consecutiveFailures + 1);
    case 'open':
      // Calls that started before it opened say nothing new; the cooldown stands.
      return undefined;
    case 'half_open':
      if (outcome === 'success') return closed(current, 0);
      if (outcome === 'failure') return opened(current, now);
      if (!wasProbe || current.probesInFlight === 0) return undefined;
      return { ...current, probesInFlight: current.probesInFlight - 1 };
  }
}

function ignore(): void {}

function requireInteger(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(`${name} must be an integer >= ${min}, got ${String(value)}`);
  }
}

/**
 * Which of this breaker's allowed calls are still running, per key, grouped by the
 * half-open episode (its openedAt) they probe, or NOT_A_PROBE.
 *
 * Outcomes name only a key, not a call, so a call that started while closed and ends during
 * half_open would otherwise free a probe slot it never held. Attributing each ending to a
 * non-probe first keeps the probe count an upper bound, and exact once all calls end.
 */
const NOT_A_PROBE = 'none';
type PermitGroup = number | typeof NOT_A_PROBE;

function createPermitLedger() {
  const byKey = new Map<string, Map<PermitGroup, number>>();
  return {
    add(key: string, group: PermitGroup): void {
      const groups = byKey.get(key) ?? new Map<PermitGroup, number>();
      groups.set(group, (groups.get(group) ?? 0) + 1);
      byKey.set(key, groups);
    },
    /** Ends one running call; true when it must have been a probe of `episode`. */
    take(key: string, episode: number | undefined): boolean {
      const groups = byKey.get(key);
      if (groups === undefined) return false;
      const other = [...groups.keys()].find((group) => group !== episode);
      const group = other ?? episode;
      if (group === undefined) return false;
      const left = (groups.get(group) ?? 0) - 1;
      if (left > 0) groups.set(group, left);
      else groups.delete(group);
      if (groups.size === 0) byKey.delete(key);
      return other === undefined;
    },
  };
}

export function createCircuitBreaker(options: CircuitBreakerOptions = {}): CircuitBreaker {
  const settings: BreakerSettings = {
    failureThreshold: options.failureThreshold ?? 5,
    cooldownMs: options.cooldownMs ?? 30_000,
    halfOpenMaxProbes: options.halfOpenMaxProbes ?? 1,
  };
  requireInteger('failureThreshold', settings.failureThreshold, 1);
  requireInteger('halfOpenMaxProbes', settings.halfOpenMaxProbes, 1);
  if (!Number.isFinite(settings.cooldownMs) || settings.cooldownMs < 0) {
    throw new RangeError(
      `cooldownMs must be a finite number >= 0, got ${String(settings.cooldownMs)}`,
    );
  }
  const store = options.store ?? createInMemoryBreakerStore();
  // Looked up per call so fake clocks installed after creation still apply.
  const now = options.now ?? (() => Date.now());
  const listeners = new Set<{ readonly listener: (change: BreakerStateChange) => void }>();
  const permits = createPermitLedger();
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

  function emit(change: BreakerStateChange): void {
    for (const { listener } of [...listeners]) {
      try {
        const returned: unknown = listener(change);
        if (isPromiseLike(returned)) returned.then(undefined, ignore);
      } catch {
        // A broken observer must not break the calls it observes.
      }
    }
  }

  /**
   * Reads, decides and writes back. With a synchronous store nothing awaits in between,
   * which makes the step atomic even for breakers sharing the store.
   */
  async function update<R>(
    key: string,
    decide: (snapshot: BreakerSnapshot | undefined, at: number) => Step<R>,
  ): Promise<Step<R>> {
    const read = store.get(key);
    const snapshot = isPromiseLike(read) ? await read : read;
    const at = now();
    const step = decide(snapshot, at);
    const { next } = step;
    if (next === undefined) return step;
    const written = store.set(key, next);
    if (isPromiseLike(written)) await written;
    const from = snapshot?.state ?? 'closed';
    if (next.state !== from) {
      emit({
        key,
        from,
        to: next.state,
        at,
        ...(next.state === 'open' ? { retryInMs: settings.cooldownMs } : {}),
      });
    }
    return step;
  }

  function recordOutcome(key: string, outcome: Outcome): Promise<void> {
    return serialize(key, async () => {
      await update(key, (snapshot, at) => {
        const episode = snapshot?.state === 'half_open' ? normalize(snapshot).openedAt : undefined;
        const wasProbe = permits.take(key, episode);
        return { next: outcomeStep(snapshot, outcome, wasProbe, at, settings), result: undefined };
      });
    });
  }

  return {
    acquire: (key) =>
      serialize(key, async () => {
        const { next, result } = await update(key, (snapshot, at) =>
          acquireStep(snapshot, at, settings),
        );
        // Recorded only once the store accepted the grant; a probe always writes a snapshot.
        if (result.allowed) {
          const episode = result.state === 'half_open' ? next?.openedAt : undefined;
          permits.add(key, episode ?? NOT_A_PROBE);
        }
        return result;
      }),
    recordSuccess: (key) => recordOutcome(key, 'success'),
    recordFailure: (key, category) =>
      recordOutcome(key, countsAsBreakerFailure(category) ? 'failure' : 'neutral'),
    release: (key) => recordOutcome(key, 'neutral'),
    state: (key) =>
      serialize(key, async () => {
        const read = store.get(key);
        const snapshot = isPromiseLike(read) ? await read : read;
        return snapshot?.state ?? 'closed';
      }),
    onStateChange: (listener) => {
      const subscription = { listener };
      listeners.add(subscription);
      return () => {
        listeners.delete(subscription);
      };
    },
  };
}
