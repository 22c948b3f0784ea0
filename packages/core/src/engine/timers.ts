import { MAX_TIMER_MS } from '../resilience/sleep.ts';

// Core runs in browsers and Node alike: reach the timer functions through globalThis.
interface TimerHost {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}
const host = globalThis as unknown as TimerHost;

/**
 * Fires once a single wait has lasted `ms` (the first chunk's, or each provider read's).
 * Waits may begin and end on every chunk, so one timer serves them all instead of a
 * timer per chunk: when it fires it reads the clock and either expires or sleeps for
 * what the current wait still has left. `Date.now` is the clock, as fake timers
 * replace it together with `setTimeout`.
 */
export class WaitTimer {
  private handle: unknown = undefined;
  private waiting = false;
  private since = 0;
  private readonly ms: number | undefined;
  private readonly onExpire: () => void;

  constructor(ms: number | undefined, onExpire: () => void) {
    this.ms = ms !== undefined && Number.isFinite(ms) && ms >= 0 ? ms : undefined;
    this.onExpire = onExpire;
  }

  /** A wait begins now (a new one replaces any current one). */
  begin(): void {
    if (this.ms === undefined) return;
    this.waiting = true;
    this.since = Date.now();
    if (this.handle === undefined) this.arm(this.ms);
  }

  /** The current wait is over; the timer, if set, lapses when it fires. */
  end(): void {
    this.waiting = false;
  }

  /** No more waits: clears the timer. */
  stop(): void {
    this.waiting = false;
    if (this.handle === undefined) return;
    host.clearTimeout(this.handle);
    this.handle = undefined;
  }

  private arm(ms: number): void {
    // A longer timer would fire at once; this one fires early and sleeps for the rest.
    this.handle = host.setTimeout(this.fire, Math.min(ms, MAX_TIMER_MS));
  }

  private readonly fire = (): void => {
    this.handle = undefined;
    if (!this.waiting || this.ms === undefined) return;
    const now = Date.now();
    let waited = now - this.since;
    if (waited < 0) {
      // The wall clock was set back: count the wait from now.
      this.since = now;
      waited = 0;
    }
    if (waited >= this.ms) this.onExpire();
    else this.arm(this.ms - waited);
  };
}
