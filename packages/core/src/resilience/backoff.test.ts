import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StructuredLLMError } from '../errors/index.ts';
import { type BackoffOptions, backoffDelay, DEFAULT_BACKOFF, retryDelay } from './backoff.ts';

const rateLimited = (retryAfterMs?: number): StructuredLLMError =>
  new StructuredLLMError({
    category: 'rate_limit',
    message: 'slow down',
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  });

const options: fc.Arbitrary<BackoffOptions> = fc.record(
  {
    baseDelayMs: fc.integer({ min: 0, max: 10_000 }),
    maxDelayMs: fc.integer({ min: 0, max: 120_000 }),
    multiplier: fc.double({ min: 1, max: 10, noNaN: true }),
    jitter: fc.constantFrom('full' as const, 'none' as const),
  },
  { requiredKeys: [] },
);
const retry = fc.integer({ min: 1, max: 200 });
const unit = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

function capOf(attempt: number, given: BackoffOptions): number {
  const { baseDelayMs, maxDelayMs, multiplier } = { ...DEFAULT_BACKOFF, ...given };
  return baseDelayMs === 0 ? 0 : Math.min(maxDelayMs, baseDelayMs * multiplier ** (attempt - 1));
}

describe('backoffDelay', () => {
  it('defaults to 500 ms base, 30 s cap, doubling, full jitter', () => {
    expect(DEFAULT_BACKOFF).toEqual({
      baseDelayMs: 500,
      maxDelayMs: 30_000,
      multiplier: 2,
      jitter: 'full',
    });
  });

  it('grows exponentially from the base and stops at the cap without jitter', () => {
    const delays = [1, 2, 3, 4, 7, 8, 100].map((n) => backoffDelay(n, { jitter: 'none' }));
    expect(delays).toEqual([500, 1000, 2000, 4000, 30_000, 30_000, 30_000]);
  });

  it('scales the cap by the random draw under full jitter', () => {
    expect(backoffDelay(3, {}, () => 0)).toBe(0);
    expect(backoffDelay(3, {}, () => 0.5)).toBe(1000);
    expect(backoffDelay(3, {}, () => 0.999_999)).toBe(1999);
  });

  it('keeps an out-of-range random source inside the cap', () => {
    expect(backoffDelay(1, {}, () => 7)).toBe(500);
    expect(backoffDelay(1, {}, () => -1)).toBe(0);
  });

  it('stays finite when the exponent overflows, even with a zero base', () => {
    expect(backoffDelay(5000, { jitter: 'none' })).toBe(30_000);
    expect(backoffDelay(5000, { baseDelayMs: 0, jitter: 'none' })).toBe(0);
  });

  it.each([
    ['baseDelayMs', { baseDelayMs: -1 }],
    ['maxDelayMs', { maxDelayMs: Number.NaN }],
    ['maxDelayMs', { maxDelayMs: Number.POSITIVE_INFINITY }],
    ['multiplier', { multiplier: 0.5 }],
    ['jitter', { jitter: 'half' as 'full' }],
  ])('rejects an invalid %s with a RangeError', (_name, invalid) => {
    expect(() => backoffDelay(1, invalid)).toThrow(RangeError);
  });

  it.each([0, -1, 1.5, Number.NaN])('rejects retry number %s with a RangeError', (n) => {
    expect(() => backoffDelay(n)).toThrow(RangeError);
  });

  it('property: every delay is a whole number of ms within [0, cap]', () => {
    fc.assert(
      fc.property(retry, options, unit, (n, given, draw) => {
        const delay = backoffDelay(n, given, () => draw);
        expect(Number.isInteger(delay)).toBe(true);
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThanOrEqual(capOf(n, given));
      }),
    );
  });

  it('property: caps never decrease from one retry to the next', () => {
    fc.assert(
      fc.property(retry, options, (n, given) => {
        const none = { ...given, jitter: 'none' as const };
        expect(backoffDelay(n + 1, none)).toBeGreaterThanOrEqual(backoffDelay(n, none));
      }),
    );
  });
});

describe('retryDelay', () => {
  it('is the plain backoff delay when the provider gave no retry-after', () => {
    expect(retryDelay(rateLimited(), 2, {}, () => 0.5)).toBe(500);
  });

  it('waits at least the retry-after the provider asked for', () => {
    expect(retryDelay(rateLimited(4000), 1, {}, () => 0)).toBe(4000);
  });

  it('honours a retry-after beyond maxDelayMs', () => {
    expect(retryDelay(rateLimited(90_000), 1, { maxDelayMs: 10_000 })).toBe(90_000);
  });

  it('ignores a malformed retry-after', () => {
    expect(retryDelay(rateLimited(-5), 1, { jitter: 'none' })).toBe(500);
    expect(retryDelay(rateLimited(Number.NaN), 1, { jitter: 'none' })).toBe(500);
  });

  it('property: never below retryAfterMs, never above max(maxDelayMs, retryAfterMs)', () => {
    fc.assert(
      fc.property(
        retry,
        options,
        unit,
        fc.integer({ min: 0, max: 600_000 }),
        (n, given, draw, after) => {
          const delay = retryDelay(rateLimited(after), n, given, () => draw);
          const maxDelayMs = given.maxDelayMs ?? DEFAULT_BACKOFF.maxDelayMs;
          expect(delay).toBeGreaterThanOrEqual(after);
          expect(delay).toBeLessThanOrEqual(Math.max(maxDelayMs, after));
        },
      ),
    );
  });
});
