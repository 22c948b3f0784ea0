import { after } from '../clock.ts';
import { abortedError } from '../errors/aborted.ts';

const RETRY_WAIT_ABORTED = 'Aborted while waiting to retry';

/**
 * Resolves after ms; rejects with StructuredLLMError category 'aborted'
 * (cause = signal.reason) as soon as the signal aborts, clearing its timer and listener.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (typeof ms !== 'number' || Number.isNaN(ms) || ms < 0) {
    return Promise.reject(new RangeError(`ms must be a number >= 0, got ${String(ms)}`));
  }
  if (signal?.aborted) return Promise.reject(abortedError(signal, RETRY_WAIT_ABORTED));

  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => {
      cancel();
      reject(abortedError(signal as AbortSignal, RETRY_WAIT_ABORTED));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const cancel = after(ms, () => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    });
  });
}
