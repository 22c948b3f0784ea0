import { now as clockNow } from '../clock.ts';
import { IsolatedCallback } from '../observe/isolated-callback.ts';
import type {
  ProgressCallback,
  ProgressEvent,
  ProgressEventType,
  ProgressFilter,
} from './progress-event.ts';
import { type ProgressGate, progressGate } from './progress-filter.ts';

export interface ProgressTrackerOptions {
  readonly callback?: ProgressCallback | undefined;
  readonly filter?: ProgressFilter | undefined;
  /** Told when the callback throws or rejects (once per tracker). */
  readonly onCallbackError?: (error: unknown) => void;
  /** Also receives every event, filtered or not (observers use it). */
  readonly onEvent?: ((event: ProgressEvent) => void) | undefined;
  readonly now?: () => number;
}

/** What {@link ProgressTracker.reportProgress} asks for when an event is to be built. */
export interface ProgressDetails {
  readonly message: string;
  readonly data?: Readonly<Record<string, unknown>>;
}

/**
 * Emits progress events for one operation: `start`, `progress`…, then
 * `complete` or `error`, with `retry` and `fallback` in between. Progress never
 * goes backwards within an attempt and reaches 100 only at `completeOperation`.
 * Callback errors and slow async callbacks never break or stall the caller.
 */
export class ProgressTracker {
  readonly #callback: ProgressCallback | undefined;
  readonly #gate: ProgressGate;
  readonly #isolated: IsolatedCallback;
  readonly #onEvent: ((event: ProgressEvent) => void) | undefined;
  readonly #now: () => number;
  #percent = 0;
  /** What the percent of the next `progress` events rests on, when an estimator said so. */
  basis: 'schema' | 'learned' | undefined;
  #finished = false;

  constructor(options: ProgressTrackerOptions | ProgressCallback = {}) {
    const resolved = typeof options === 'function' ? { callback: options } : options;
    this.#callback = resolved.callback;
    this.#gate = progressGate(resolved.filter);
    const onCallbackError = resolved.onCallbackError;
    this.#isolated = new IsolatedCallback((error) => onCallbackError?.(error));
    this.#onEvent = resolved.onEvent;
    this.#now = resolved.now ?? clockNow;
  }

  /** Current progress, 0–100. */
  get progressPercent(): number {
    return this.#percent;
  }

  startOperation(message: string, data?: Readonly<Record<string, unknown>>): ProgressEvent {
    this.#percent = 0;
    this.#finished = false;
    return this.#emit('start', message, 0, data);
  }

  /** Reports progress; a lower percent than already reported is raised to it, and 100 is held back as 99.9 until completion. */
  updateProgress(
    message: string,
    progressPercent: number,
    data?: Readonly<Record<string, unknown>>,
  ): ProgressEvent {
    return this.#emit('progress', message, this.advance(progressPercent), data);
  }

  /**
   * {@link updateProgress} for hot paths: `describe` builds the message and data only
   * when the event will be seen — by an event listener, or by the callback when its
   * filter lets a progress event at this percent through. Returns the (monotonic) percent.
   */
  reportProgress(progressPercent: number, describe: () => ProgressDetails): number {
    const percent = this.advance(progressPercent);
    if (
      this.#onEvent === undefined &&
      (this.#callback === undefined || !this.#gate.mightAdmitProgress(percent, this.#now))
    ) {
      return percent;
    }
    const { message, data } = describe();
    this.#emit('progress', message, percent, data);
    return percent;
  }

  /** True when a callback or an event listener would receive events. */
  get listening(): boolean {
    return this.#callback !== undefined || this.#onEvent !== undefined;
  }

  /**
   * Moves progress like {@link updateProgress} but emits no event: for hot paths
   * where nobody is {@link listening}. Returns the (monotonic) percent.
   */
  advance(progressPercent: number): number {
    const bounded = Math.min(99.9, Math.max(this.#percent, progressPercent));
    if (Number.isFinite(bounded)) this.#percent = bounded;
    return this.#percent;
  }

  /** A retry or fallback: a new attempt whose progress starts again from 0. */
  restart(
    eventType: 'retry' | 'fallback',
    message: string,
    data?: Readonly<Record<string, unknown>>,
  ): ProgressEvent {
    this.#percent = 0;
    return this.#emit(eventType, message, 0, data);
  }

  completeOperation(message: string, data?: Readonly<Record<string, unknown>>): ProgressEvent {
    this.#percent = 100;
    this.#finished = true;
    return this.#emit('complete', message, 100, data);
  }

  failOperation(message: string, data?: Readonly<Record<string, unknown>>): ProgressEvent {
    this.#finished = true;
    return this.#emit('error', message, this.#percent, data);
  }

  get isFinished(): boolean {
    return this.#finished;
  }

  #emit(
    eventType: ProgressEventType,
    message: string,
    progressPercent: number,
    data: Readonly<Record<string, unknown>> | undefined,
  ): ProgressEvent {
    const event: { -readonly [K in keyof ProgressEvent]: ProgressEvent[K] } = {
      eventType,
      message,
      progressPercent,
      timestamp: this.#now(),
    };
    if (data !== undefined) event.data = data;
    if (eventType === 'progress' && this.basis !== undefined) event.estimate = this.basis;
    this.#onEvent?.(event);
    // A filter that throws is reported like the callback and holds the event back.
    if (
      this.#callback !== undefined &&
      this.#isolated.call(this.#gate.admit, event, this.#gate) === true
    )
      this.#isolated.call(this.#callback, event);
    return event;
  }
}
