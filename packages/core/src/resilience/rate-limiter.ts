import { now as clockNow } from '../clock.ts';
import { invalidOptions } from '../errors/invalid-options.ts';

/** The answer to "may I call the provider now?". */
export interface RateLimitDecision {
  /**
   * 0: the call was counted and may start now. Above 0: nothing was counted; ask again
   * after this many ms.
   */
  readonly waitMs: number;
}

/**
 * Limits the calls made to one provider+model (the key, e.g. 'openai:gpt-4o'), and pauses
 * it when the provider answers 429 with a retry-after. Methods may be sync or async; an
 * implementation shared across processes (e.g. `@structllm/redis`) limits a whole fleet.
 * The engine asks `acquire` before every attempt, `penalize`s on a `rate_limit` error
 * with `retryAfterMs`, and `record`s the tokens a successful call used. When a method
 * throws or rejects, the engine logs a warning and goes on without the limiter.
 */
export interface RateLimiter {
  acquire(key: string): RateLimitDecision | Promise<RateLimitDecision>;
  /** The provider asked to wait `retryAfterMs`: nobody sharing the limiter calls `key` before then. */
  penalize(key: string, retryAfterMs: number): void | Promise<void>;
  /** A call on `key` used `tokens` tokens (input + output), counted against `tokensPerMinute`. */
  record(key: string, usage: { readonly tokens: number }): void | Promise<void>;
}

export interface RateLimiterOptions {
  /** Calls allowed per window and key; default unlimited. */
  readonly requestsPerMinute?: number;
  /**
   * Tokens (input + output, as the provider reports them) per window and key; default
   * unlimited. A call starts only while the tokens recorded in the window are below it.
   */
  readonly tokensPerMinute?: number;
  /** The sliding window the limits apply to; default 60_000 (a minute). */
  readonly windowMs?: number;
  /**
   * Extra time a call keeps counting after the window, so that the delay between asking
   * and reaching the provider cannot put one call too many into the provider's own
   * window; default 250.
   */
  readonly marginMs?: number;
  /** Default: core's clock (`Date.now`); tests inject. */
  readonly now?: () => number;
}

/** The checked settings of a limiter; unlimited = Infinity. */
export interface RateLimitSettings {
  readonly requests: number;
  readonly tokens: number;
  readonly windowMs: number;
  readonly marginMs: number;
}

/**
 * Checks limiter options (`bad_request` / `invalid_options` naming the option on a value
 * that cannot work) and fills in the defaults. `owner` names the factory in messages.
 */
export function rateLimitSettings(
  options: Omit<RateLimiterOptions, 'now'>,
  owner = 'createRateLimiter',
): RateLimitSettings {
  for (const name of ['requestsPerMinute', 'tokensPerMinute', 'windowMs'] as const) {
    const value = options[name];
    if (value !== undefined && !(Number.isInteger(value) && value >= 1)) {
      throw invalidOptions(`${owner}({ ${name} }) must be an integer >= 1, got ${String(value)}`);
    }
  }
  const margin = options.marginMs;
  if (margin !== undefined && !(Number.isFinite(margin) && margin >= 0)) {
    throw invalidOptions(
      `${owner}({ marginMs }) must be a finite number >= 0, got ${String(margin)}`,
    );
  }
  return {
    requests: options.requestsPerMinute ?? Infinity,
    tokens: options.tokensPerMinute ?? Infinity,
    windowMs: options.windowMs ?? 60_000,
    marginMs: margin ?? 250,
  };
}

interface KeyState {
  /** Start times of the calls still counting, oldest first. */
  readonly calls: number[];
  /** Token uses still counting, oldest first. */
  readonly uses: { readonly at: number; readonly tokens: number }[];
  tokens: number;
  pausedUntil: number;
}

/**
 * The in-memory limiter: a sliding window per key (a call counts for `windowMs +
 * marginMs` from its start) and 429 pauses, shared by every service in this process that
 * is given it. Synchronous, so its decisions are atomic within the process.
 */
export function createRateLimiter(options: RateLimiterOptions = {}): RateLimiter {
  const settings = rateLimitSettings(options);
  const span = settings.windowMs + settings.marginMs;
  const now = options.now ?? clockNow;
  const keys = new Map<string, KeyState>();

  function state(key: string, at: number): KeyState {
    let current = keys.get(key);
    if (current === undefined) {
      current = { calls: [], uses: [], tokens: 0, pausedUntil: 0 };
      keys.set(key, current);
    }
    const cutoff = at - span;
    let drop = 0;
    while (drop < current.calls.length && (current.calls[drop] as number) <= cutoff) drop++;
    current.calls.splice(0, drop);
    drop = 0;
    while (drop < current.uses.length && (current.uses[drop]?.at as number) <= cutoff) {
      current.tokens -= current.uses[drop]?.tokens as number;
      drop++;
    }
    current.uses.splice(0, drop);
    return current;
  }

  /** Forgets a key with nothing left to remember, so idle keys cost nothing. */
  function tidy(key: string, current: KeyState, at: number): void {
    if (current.calls.length === 0 && current.uses.length === 0 && current.pausedUntil <= at) {
      keys.delete(key);
    }
  }

  return {
    acquire(key) {
      const at = now();
      const current = state(key, at);
      if (current.pausedUntil > at) return { waitMs: Math.ceil(current.pausedUntil - at) };
      if (current.calls.length >= settings.requests) {
        return { waitMs: Math.max(1, Math.ceil((current.calls[0] as number) + span - at)) };
      }
      if (current.tokens >= settings.tokens) {
        return { waitMs: Math.max(1, Math.ceil((current.uses[0]?.at as number) + span - at)) };
      }
      current.calls.push(at);
      return { waitMs: 0 };
    },
    penalize(key, retryAfterMs) {
      if (!(Number.isFinite(retryAfterMs) && retryAfterMs > 0)) return;
      const at = now();
      const current = state(key, at);
      current.pausedUntil = Math.max(current.pausedUntil, at + retryAfterMs);
    },
    record(key, usage) {
      const at = now();
      const current = state(key, at);
      if (Number.isFinite(usage.tokens) && usage.tokens > 0) {
        current.uses.push({ at, tokens: usage.tokens });
        current.tokens += usage.tokens;
      }
      tidy(key, current, at);
    },
  };
}
