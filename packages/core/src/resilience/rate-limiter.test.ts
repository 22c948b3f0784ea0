import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StructuredLLMError } from '../errors/index.ts';
import { createRateLimiter, type RateLimitDecision } from './rate-limiter.ts';

const KEY = 'openai:gpt-4o';

function clock(start = 1_000_000): { now: () => number; advance(ms: number): void } {
  let at = start;
  return {
    now: () => at,
    advance: (ms) => {
      at += ms;
    },
  };
}

describe('createRateLimiter', () => {
  it('lets requestsPerMinute calls start per window, then names the wait until the oldest leaves it', () => {
    const time = clock();
    const limiter = createRateLimiter({ requestsPerMinute: 2, marginMs: 100, now: time.now });
    expect(limiter.acquire(KEY)).toEqual({ waitMs: 0 });
    time.advance(10_000);
    expect(limiter.acquire(KEY)).toEqual({ waitMs: 0 });
    expect(limiter.acquire(KEY)).toEqual({ waitMs: 50_100 });
    // A refusal counts nothing: the wait it names is enough.
    time.advance(50_099);
    expect(limiter.acquire(KEY)).toEqual({ waitMs: 1 });
    time.advance(1);
    expect(limiter.acquire(KEY)).toEqual({ waitMs: 0 });
    // Keys are independent.
    expect(limiter.acquire('anthropic:claude')).toEqual({ waitMs: 0 });
  });

  it('pauses a key until a penalty passes, keeping the longest one', () => {
    const time = clock();
    const limiter = createRateLimiter({ now: time.now });
    limiter.penalize(KEY, 5_000);
    limiter.penalize(KEY, 1_000);
    expect(limiter.acquire(KEY)).toEqual({ waitMs: 5_000 });
    expect(limiter.acquire('other:model')).toEqual({ waitMs: 0 });
    time.advance(5_000);
    expect(limiter.acquire(KEY)).toEqual({ waitMs: 0 });
    // Nonsense penalties are ignored.
    limiter.penalize(KEY, Number.NaN);
    limiter.penalize(KEY, -1);
    expect(limiter.acquire(KEY)).toEqual({ waitMs: 0 });
  });

  it('holds calls back while the recorded tokens of the window reach tokensPerMinute', () => {
    const time = clock();
    const limiter = createRateLimiter({ tokensPerMinute: 1_000, marginMs: 0, now: time.now });
    expect(limiter.acquire(KEY)).toEqual({ waitMs: 0 });
    limiter.record(KEY, { tokens: 600 });
    time.advance(1_000);
    expect(limiter.acquire(KEY)).toEqual({ waitMs: 0 });
    limiter.record(KEY, { tokens: 400 });
    expect(limiter.acquire(KEY)).toEqual({ waitMs: 59_000 });
    time.advance(59_000);
    // The first 600 left the window: 400 < 1000.
    expect(limiter.acquire(KEY)).toEqual({ waitMs: 0 });
  });

  it('rejects options that cannot work with a bad_request naming the option', () => {
    for (const options of [
      { requestsPerMinute: 0 },
      { tokensPerMinute: 1.5 },
      { windowMs: Number.POSITIVE_INFINITY },
      { marginMs: -1 },
    ]) {
      let thrown: unknown;
      try {
        createRateLimiter(options);
      } catch (error) {
        thrown = error;
      }
      expect(StructuredLLMError.is(thrown)).toBe(true);
      expect(thrown).toMatchObject({ category: 'bad_request', code: 'invalid_options' });
      expect((thrown as Error).message).toContain(Object.keys(options)[0]);
    }
  });

  it('never starts more than the limit in any window, and a refused caller that waits as told gets in', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 10, max: 1_000 }),
        fc.integer({ min: 0, max: 50 }),
        fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 1, maxLength: 80 }),
        (limit, windowMs, marginMs, gaps) => {
          const time = clock(0);
          const limiter = createRateLimiter({
            requestsPerMinute: limit,
            windowMs,
            marginMs,
            now: time.now,
          });
          const started: number[] = [];
          for (const gap of gaps) {
            time.advance(gap);
            const { waitMs } = limiter.acquire(KEY) as RateLimitDecision;
            if (waitMs === 0) {
              started.push(time.now());
              continue;
            }
            expect(waitMs).toBeGreaterThan(0);
            time.advance(waitMs);
            expect(limiter.acquire(KEY)).toEqual({ waitMs: 0 });
            started.push(time.now());
          }
          // Any limit + 1 consecutive starts span more than the window plus its margin.
          for (let i = limit; i < started.length; i++) {
            expect((started[i] as number) - (started[i - limit] as number)).toBeGreaterThanOrEqual(
              windowMs + marginMs,
            );
          }
        },
      ),
    );
  });
});
