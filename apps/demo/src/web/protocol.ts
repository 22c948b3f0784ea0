/**
 * What the demo server sends the page besides the structured stream (which is
 * `@structllm/http`'s protocol): the one contract between `server.ts` and the
 * browser module `client.ts` (types only).
 */

export type RunStatus =
  | 'idle'
  | 'starting'
  | 'streaming'
  | 'paused'
  | 'complete'
  | 'failed'
  | 'cancelled';

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
interface ElementMessage {
  readonly index: number;
  readonly value: unknown;
}

/** One entry of a run's log: what the page shows besides the object and its progress. */
export type LogEntry =
  | ({ readonly kind: 'event' } & LifecycleMessage)
  | ({ readonly kind: 'element' } & ElementMessage)
  /** Paused or streaming again (the page's pause and resume buttons). */
  | { readonly kind: 'status'; readonly status: 'paused' | 'streaming' };

/** `GET /api/runs/:id/log?after=n`: the entries from the n-th on. */
export interface RunLog {
  readonly entries: readonly LogEntry[];
  /** The `after` to ask with next time. */
  readonly next: number;
  /**
   * What the percent rests on while streaming: `schema` — the schema alone (no answer of
   * this schema has completed on this server yet), `learned` — sizes of earlier answers.
   */
  readonly estimate: 'schema' | 'learned' | null;
  /** The run has ended: nothing more will be logged. */
  readonly ended: boolean;
}

/** `POST /api/runs` (201). */
export interface RunCreated {
  readonly id: string;
  readonly model: string;
  readonly schema: string;
  readonly fault: string | null;
  readonly elements: boolean;
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
