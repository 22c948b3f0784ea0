// The one clock of core: every timer and every reading of the time goes through here.
// Core runs in browsers and Node alike, so the timer functions are reached through
// globalThis, looked up per call so that fake timers installed after import still apply.
interface TimerHost {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}
const host = globalThis as unknown as TimerHost;

/** Timers overflow above 2^31 - 1 ms and fire at once, so longer waits are chained. */
const MAX_TIMER_MS = 2_147_483_647;

/** Milliseconds since the epoch: `Date.now`, which fake timers replace together with the timers. */
export function now(): number {
  return Date.now();
}

/**
 * Calls `callback` once `ms` have passed (a wait longer than a timer can hold is a chain
 * of timers). Returns the function that cancels it.
 */
export function after(ms: number, callback: () => void): () => void {
  let remaining = ms;
  let handle: unknown;
  const next = (): void => {
    const step = Math.min(remaining, MAX_TIMER_MS);
    remaining -= step;
    handle = host.setTimeout(remaining > 0 ? next : callback, step);
  };
  next();
  return () => host.clearTimeout(handle);
}
