import { abortError } from './stream-control.ts';

/**
 * Awaits provider promises, or rejects as soon as `signal` aborts, even if the
 * provider ignores its signal. One abort listener for the whole attempt, not one
 * per chunk: this runs for every part of a stream.
 */
export class AbortRace {
  private readonly signal: AbortSignal;
  private rejectPending: ((error: unknown) => void) | undefined = undefined;
  private readonly onAbort = (): void => {
    const reject = this.rejectPending;
    this.rejectPending = undefined;
    reject?.(abortError(this.signal.reason));
  };

  constructor(signal: AbortSignal) {
    this.signal = signal;
    signal.addEventListener('abort', this.onAbort, { once: true });
  }

  run<T>(promise: Promise<T>): Promise<T> {
    if (this.signal.aborted) {
      promise.then(undefined, () => {}); // the provider's late failure is not ours to report
      return Promise.reject(abortError(this.signal.reason));
    }
    return new Promise<T>((resolve, reject) => {
      this.rejectPending = reject;
      promise.then(
        (value) => {
          this.rejectPending = undefined;
          resolve(value);
        },
        (error: unknown) => {
          this.rejectPending = undefined;
          reject(error);
        },
      );
    });
  }

  dispose(): void {
    this.signal.removeEventListener('abort', this.onAbort);
    this.rejectPending = undefined;
  }
}
