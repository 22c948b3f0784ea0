/**
 * What the demo server sends the page over Server-Sent Events: the one
 * contract between `server.ts` and the browser module `client.ts` (types only).
 */

export type RunStatus =
  | 'idle'
  | 'starting'
  | 'streaming'
  | 'paused'
  | 'complete'
  | 'failed'
  | 'cancelled';

/** `status` */
export interface StatusMessage {
  readonly status: string;
}

/** `event`: a lifecycle event (start, retry, fallback, error, complete). */
export interface LifecycleMessage {
  readonly eventType: string;
  readonly message: string;
  readonly progressPercent: number;
  readonly timestamp: number;
  /** The attempt a retry or fallback starts (the stats follow it at once, not at its first chunk). */
  readonly attempt?: number;
  /** The model that attempt uses. */
  readonly model?: string;
  /** How long the engine waits before that attempt. */
  readonly delayMs?: number;
}

/** `element`: one validated array element (`elements: true`). */
export interface ElementMessage {
  readonly index: number;
  readonly value: unknown;
}

/** `response`: the growing object, at most every 40 ms (and at each attempt change and at the end). */
export interface ResponseMessage {
  readonly attempt: number;
  readonly model: string;
  readonly progressPercent: number;
  readonly chunks: number;
  readonly elapsedMs: number;
  readonly isComplete: boolean;
  /**
   * What the percent rests on while streaming: `schema` — the schema alone (no answer of
   * this schema has completed on this server yet), `learned` — sizes of earlier answers.
   */
  readonly estimate?: 'schema' | 'learned';
  readonly partialResult: unknown;
}

/** `done` */
export interface DoneMessage {
  readonly result: unknown;
  readonly elapsedMs: number;
  readonly elementCount?: number;
}

/** `failed` */
export interface FailedMessage {
  readonly category: string;
  readonly message: string;
}

/** `item` (batch): one request of a batch moved. */
export interface BatchItemMessage {
  readonly index: number;
  readonly status: 'streaming' | 'complete' | 'failed';
  readonly progressPercent: number;
  readonly attempt: number;
  readonly category?: string;
}

/** `done` (batch) */
export interface BatchDoneMessage {
  readonly elapsedMs: number;
  readonly fulfilled: number;
  readonly rejected: number;
}
