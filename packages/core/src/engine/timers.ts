import { after, now } from '../clock.ts';

/**
 * Fires once a single wait has lasted `ms` (the first chunk's, or each provider read's).
 * Waits may begin and end on every chunk, so one timer serves them all instead of a
 * timer per chunk: when it fires it reads the clock and either expires or sleeps for
 * what the current wait still has left. Time is read from core's one clock.
 */
export class WaitTimer {
  #cancel: (() => void) | undefined;
  /** Whether a wait is on, and since when (both set by `begin`, before the timer is armed). */
  #waiting: boolean | undefined;
  #since = 0;
  readonly #ms: number | undefined;
  readonly #onExpire: () => void;

  constructor(ms: number | undefined, onExpire: () => void) {
    // Number.isFinite is false for undefined.
    this.#ms = Number.isFinite(ms) && (ms as number) >= 0 ? ms : undefined;
    this.#onExpire = onExpire;
  }

  /** Whether waits are timed at all: `ms` was a finite number >= 0. */
  get timed(): boolean {
    return this.#ms !== undefined;
  }

  /** A wait begins now (a new one replaces any current one). */
  begin(): void {
    if (this.#ms === undefined) return;
    this.#waiting = true;
    this.#since = now();
    if (this.#cancel === undefined) this.#arm(this.#ms);
  }

  /** The current wait is over; the timer, if set, lapses when it fires. */
  end(): void {
    this.#waiting = false;
  }

  /** No more waits: clears the timer. */
  stop(): void {
    this.#waiting = false;
    if (this.#cancel === undefined) return;
    this.#cancel();
    this.#cancel = undefined;
  }

  #arm(ms: number): void {
    this.#cancel = after(ms, this.#fire);
  }

  readonly #fire = (): void => {
    this.#cancel = undefined;
    if (!this.#waiting || this.#ms === undefined) return;
    const time = now();
    let waited = time - this.#since;
    if (waited < 0) {
      // The wall clock was set back: count the wait from now.
      this.#since = time;
      waited = 0;
    }
    if (waited >= this.#ms) this.#onExpire();
    else this.#arm(this.#ms - waited);
  };
}
