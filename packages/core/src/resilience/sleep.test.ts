import { getEventListeners } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { StructuredLLMError } from '../errors/index.ts';
import { sleep } from './sleep.ts';

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

/** Tracks whether a promise has settled, without awaiting it. */
function track(promise: Promise<void>): { readonly settled: () => string } {
  let outcome = 'pending';
  promise.then(
    () => {
      outcome = 'resolved';
    },
    () => {
      outcome = 'rejected';
    },
  );
  return { settled: () => outcome };
}

describe('sleep', () => {
  it('resolves only once the delay has passed', async () => {
    const tracked = track(sleep(1000));
    await vi.advanceTimersByTimeAsync(999);
    expect(tracked.settled()).toBe('pending');
    await vi.advanceTimersByTimeAsync(1);
    expect(tracked.settled()).toBe('resolved');
  });

  it('rejects at once with an aborted error carrying the reason when the signal aborts', async () => {
    const controller = new AbortController();
    const slept = sleep(10_000, controller.signal);
    const reason = new Error('user cancelled');
    controller.abort(reason);
    const error = await slept.catch((caught: unknown) => caught);
    expect(StructuredLLMError.is(error)).toBe(true);
    expect(error).toMatchObject({ category: 'aborted', retryable: false, cause: reason });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rejects immediately, without a timer, when the signal is already aborted', async () => {
    const reason = new Error('gone');
    const slept = sleep(10_000, AbortSignal.abort(reason));
    expect(vi.getTimerCount()).toBe(0);
    await expect(slept).rejects.toMatchObject({ category: 'aborted', cause: reason });
  });

  it('removes its abort listener once it resolves, so a later abort changes nothing', async () => {
    const controller = new AbortController();
    const slept = sleep(100, controller.signal);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(100);
    await expect(slept).resolves.toBeUndefined();
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    controller.abort();
    await expect(slept).resolves.toBeUndefined();
  });

  it('removes its abort listener and its timer once aborted', async () => {
    const controller = new AbortController();
    const slept = sleep(100, controller.signal).catch(() => undefined);
    controller.abort();
    await slept;
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('waits longer than the 2^31 - 1 ms timer limit instead of firing at once', async () => {
    const limit = 2_147_483_647;
    const tracked = track(sleep(limit + 5000));
    await vi.advanceTimersByTimeAsync(limit);
    expect(tracked.settled()).toBe('pending');
    await vi.advanceTimersByTimeAsync(5000);
    expect(tracked.settled()).toBe('resolved');
  });

  it('resolves after a zero delay', async () => {
    const tracked = track(sleep(0));
    await vi.advanceTimersByTimeAsync(0);
    expect(tracked.settled()).toBe('resolved');
  });

  it.each([-1, Number.NaN])('rejects a delay of %s with a RangeError', async (ms) => {
    await expect(sleep(ms)).rejects.toThrow(RangeError);
  });
});
