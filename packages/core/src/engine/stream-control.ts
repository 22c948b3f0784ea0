import { abortedError } from '../errors/aborted.ts';

/** Pause/resume/abort state shared by a stream and the request running under it. */
export class StreamControl {
  readonly #controller = new AbortController();
  /** Aborted by the user, the external signal, or the total timeout. */
  readonly signal: AbortSignal = this.#controller.signal;
  /** Set by `pause()`, cleared by `resume()` (read-only elsewhere). */
  paused = false;
  #resumeWaiters: Array<() => void> = [];
  readonly #pauseListeners = new Set<(paused: boolean) => void>();
  readonly #detach: (() => void) | undefined;

  constructor(external: AbortSignal | undefined) {
    if (external !== undefined) {
      if (external.aborted) this.abort(external.reason);
      else {
        const onAbort = (): void => this.abort(external.reason);
        external.addEventListener('abort', onAbort, { once: true });
        this.#detach = () => external.removeEventListener('abort', onAbort);
      }
    }
  }

  pause(): void {
    if (this.paused || this.signal.aborted) return;
    this.paused = true;
    for (const listener of this.#pauseListeners) listener(true);
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    for (const listener of this.#pauseListeners) listener(false);
    const waiters = this.#resumeWaiters;
    this.#resumeWaiters = [];
    for (const wake of waiters) wake();
  }

  /** Aborts with `reason`, which becomes a StructuredLLMError: the given one, or category `aborted`. */
  abort(reason?: unknown): void {
    if (this.signal.aborted) return;
    this.#controller.abort(abortedError(reason));
    this.resume();
  }

  /** Resolves once resumed (or aborted). */
  waitWhilePaused(): Promise<void> {
    if (!this.paused) return Promise.resolve();
    return new Promise((resolve) => this.#resumeWaiters.push(resolve));
  }

  onPauseChange(listener: (paused: boolean) => void): () => void {
    this.#pauseListeners.add(listener);
    return () => this.#pauseListeners.delete(listener);
  }

  dispose(): void {
    this.#detach?.();
    this.#pauseListeners.clear();
  }
}
