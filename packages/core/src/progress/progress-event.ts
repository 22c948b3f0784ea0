export type ProgressEventType = 'start' | 'progress' | 'complete' | 'error' | 'retry' | 'fallback';

export interface ProgressEvent {
  readonly eventType: ProgressEventType;
  readonly message: string;
  /** 0–100. Never decreases within an attempt; 100 only once the result is validated. */
  readonly progressPercent: number;
  readonly data?: Readonly<Record<string, unknown>>;
  /**
   * On `progress` events from the engine: what the percent rests on — `'schema'` (the
   * schema alone: the first answers of a response model) or `'learned'` (sizes learned
   * from earlier validated answers). A page may show an indeterminate bar while it is `'schema'`.
   */
  readonly estimate?: 'schema' | 'learned';
  /** Milliseconds since the epoch. */
  readonly timestamp: number;
}

/** May be async; the stream never waits for it, and an error it throws or rejects with is reported, not raised. */
export type ProgressCallback = (event: ProgressEvent) => void | Promise<void>;

/**
 * Which events reach the callback. Lifecycle events (start, complete, error,
 * retry, fallback) always pass unless `eventTypes` leaves them out; `progress`
 * events also need to move at least `minPercentStep` and be at least
 * `minIntervalMs` after the previous delivered one. A function decides alone.
 */
export type ProgressFilter =
  | {
      readonly eventTypes?: readonly ProgressEventType[];
      readonly minPercentStep?: number;
      readonly minIntervalMs?: number;
    }
  | ((event: ProgressEvent) => boolean);
