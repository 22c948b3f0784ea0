import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { WaitTimer } from './timers.ts';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('WaitTimer', () => {
  it('times waits only for a finite number of ms >= 0, and never arms otherwise', () => {
    for (const ms of [undefined, -1, Number.NaN, Infinity]) {
      const timer = new WaitTimer(ms, () => {});
      expect(timer.timed).toBe(false);
      timer.begin();
      expect(vi.getTimerCount()).toBe(0);
    }
    for (const ms of [0, 500]) {
      const timer = new WaitTimer(ms, () => {});
      expect(timer.timed).toBe(true);
      timer.begin();
      timer.stop();
    }
  });

  it('waits more than 2^31 - 1 ms (where a plain timer fires at once)', () => {
    const expired = vi.fn();
    const timer = new WaitTimer(2 ** 32, expired);
    timer.begin();
    vi.advanceTimersByTime(2 ** 31);
    expect(expired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(2 ** 32 - 2 ** 31 - 1);
    expect(expired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(expired).toHaveBeenCalledTimes(1);
    timer.stop();
  });

  it('expires once one wait has lasted ms', () => {
    const expired = vi.fn();
    const timer = new WaitTimer(1000, expired);
    timer.begin();
    vi.advanceTimersByTime(999);
    expect(expired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(expired).toHaveBeenCalledTimes(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('counts each wait from its own beginning, with one timer for all of them', () => {
    const expired = vi.fn();
    const timer = new WaitTimer(1000, expired);
    for (let i = 0; i < 50; i++) {
      timer.begin();
      expect(vi.getTimerCount()).toBe(1);
      vi.advanceTimersByTime(300);
      timer.end();
      vi.advanceTimersByTime(10_000); // time between waits does not count
    }
    expect(expired).not.toHaveBeenCalled();
    timer.begin();
    vi.advanceTimersByTime(600);
    timer.begin(); // a new wait replaces the current one
    vi.advanceTimersByTime(999);
    expect(expired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(expired).toHaveBeenCalledTimes(1);
  });

  it('does not fire after stop, and leaves no timer behind', () => {
    const expired = vi.fn();
    const timer = new WaitTimer(500, expired);
    timer.begin();
    timer.stop();
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(5000);
    expect(expired).not.toHaveBeenCalled();
  });

  it('without a valid ms it never sets a timer', () => {
    for (const ms of [undefined, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      const timer = new WaitTimer(ms, () => {
        throw new Error('expired');
      });
      timer.begin();
      expect(vi.getTimerCount()).toBe(0);
    }
  });

  it('a wall clock set back during a wait delays expiry by at most ms', () => {
    const expired = vi.fn();
    const timer = new WaitTimer(1000, expired);
    timer.begin();
    vi.advanceTimersByTime(400);
    vi.setSystemTime(Date.now() - 60_000);
    // Due at 1000; the clock says the wait began in the future, so it counts from there.
    vi.advanceTimersByTime(1599);
    expect(expired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(expired).toHaveBeenCalledTimes(1);
  });
});
