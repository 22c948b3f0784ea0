import { StructuredLLMError } from '../errors/index.ts';

// Core runs in browsers and Node alike: reach the timers through globalThis, looked up per
// call so that fake timers installed after import still apply.
interface TimerHost {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}
const host = globalThis as unknown as TimerHost;

/** Timers overflow above 2^31 - 1 ms and fire at once, so longer waits are chained. */
export const MAX_TIMER_MS = 2_147_483_647;

function abortedError(signal: AbortSignal): StructuredLLMError {
  return new StructuredLLMError({
    category: 'aborted',
    message: 'Aborted while waiting to retry',
    cause: signal.reason,
  });
}

/**
 * Resolves after ms; rejects with StructuredLLMError category 'aborted'
 * (cause = signal.reason) as soon as the signal aborts, clearing its timer and listener.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (typeof ms !== 'number' || Number.isNaN(ms) || ms < 0) {
    return Promise.reject(new RangeError(`ms must be a number >= 0, got ${String(ms)}`));
  }
  if (signal?.aborted) return Promise.reject(abortedError(signal));

  return new Promise<void>((resolve, reject) => {
    let remaining = ms;
    let handle: unknown;

    const onAbort = (): void => {
      host.clearTimeout(handle);
      reject(abortedError(signal as AbortSignal));
    };

    const schedule = (): void => {
      const step = Math.min(remaining, MAX_TIMER_MS);
      remaining -= step;
      handle = host.setTimeout(() => {
        if (remaining > 0) {
          schedule();
          return;
        }
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, step);
    };

    signal?.addEventListener('abort', onAbort, { once: true });
    schedule();
  });
}
