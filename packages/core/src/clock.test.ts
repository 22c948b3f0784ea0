import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { after, now } from './clock.ts';

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('the clock', () => {
  it('reads the time fake timers set', () => {
    vi.setSystemTime(1_700_000_000_000);
    expect(now()).toBe(1_700_000_000_000);
    vi.advanceTimersByTime(250);
    expect(now()).toBe(1_700_000_000_250);
  });

  it('calls back once the wait is over, not before', () => {
    const fired = vi.fn();
    after(1000, fired);
    vi.advanceTimersByTime(999);
    expect(fired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(fired).toHaveBeenCalledTimes(1);
  });

  it('waits longer than one timer can hold (2^31 - 1 ms) without firing early', () => {
    const fired = vi.fn();
    const days30 = 30 * 24 * 3_600_000;
    after(days30, fired);
    vi.advanceTimersByTime(2 ** 31);
    expect(fired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(days30 - 2 ** 31 - 1);
    expect(fired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(fired).toHaveBeenCalledTimes(1);
  });

  it('cancels, also in the middle of a chain of timers', () => {
    const short = vi.fn();
    after(10, short)();
    const long = vi.fn();
    const cancel = after(2 ** 32, long);
    vi.advanceTimersByTime(2 ** 31);
    cancel();
    vi.advanceTimersByTime(2 ** 33);
    expect(short).not.toHaveBeenCalled();
    expect(long).not.toHaveBeenCalled();
    expect(vi.getTimerCount()).toBe(0);
  });
});
