import type { StructuredLLMError } from '../errors/index.ts';

export interface BackoffOptions {
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  readonly multiplier?: number;
  readonly jitter?: 'full' | 'none';
}

export const DEFAULT_BACKOFF: Required<BackoffOptions> = Object.freeze({
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  multiplier: 2,
  jitter: 'full',
});

/**
 * Throws the `RangeError` a retry with these options would throw, at once; else
 * returns them completed with the defaults. Internal.
 */
export function checkBackoffOptions(options: BackoffOptions | undefined): Required<BackoffOptions> {
  const resolved = { ...DEFAULT_BACKOFF, ...options };
  requireFiniteAtLeast('baseDelayMs', resolved.baseDelayMs, 0);
  requireFiniteAtLeast('maxDelayMs', resolved.maxDelayMs, 0);
  // Below 1 the caps would shrink with each retry, which is never what a caller means.
  requireFiniteAtLeast('multiplier', resolved.multiplier, 1);
  if (resolved.jitter !== 'full' && resolved.jitter !== 'none') {
    throw new RangeError(`jitter must be 'full' or 'none', got ${String(resolved.jitter)}`);
  }
  return resolved;
}

function requireFiniteAtLeast(name: string, value: number, min: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    throw new RangeError(`${name} must be a finite number >= ${min}, got ${String(value)}`);
  }
}

/**
 * Delay before retry number `retry` (1 = first retry), in whole milliseconds.
 * Full jitter: uniform in [0, min(max, base * multiplier^(retry-1))].
 */
export function backoffDelay(
  retry: number,
  options?: BackoffOptions,
  random: () => number = Math.random,
): number {
  if (!Number.isInteger(retry) || retry < 1) {
    throw new RangeError(`retry must be an integer >= 1, got ${String(retry)}`);
  }
  const resolved = checkBackoffOptions(options);
  // The largest delay allowed; 0 when the base is (guarding 0 * Infinity = NaN when the
  // exponent overflows).
  const cap =
    resolved.baseDelayMs === 0
      ? 0
      : Math.min(resolved.maxDelayMs, resolved.baseDelayMs * resolved.multiplier ** (retry - 1));
  if (resolved.jitter === 'none') return Math.floor(cap);
  // Clamp so an injected random source outside [0, 1) cannot escape the cap.
  const fraction = Math.min(1, Math.max(0, random()));
  return Math.floor(fraction * cap);
}

/**
 * Delay before retrying after `error`: the backoff delay, but never less than
 * error.retryAfterMs when the provider said so; capped at options.maxDelayMs
 * unless retryAfterMs is larger (a server's retry-after is honoured).
 */
export function retryDelay(
  error: StructuredLLMError,
  retry: number,
  options?: BackoffOptions,
  random?: () => number,
): number {
  const delay = backoffDelay(retry, options, random);
  const { retryAfterMs } = error;
  // A malformed hint (negative, NaN) says nothing; fall back to plain backoff.
  // (Number.isFinite is false for undefined too.)
  if (!Number.isFinite(retryAfterMs) || (retryAfterMs as number) < 0) return delay;
  return Math.max(delay, Math.ceil(retryAfterMs as number));
}
