/**
 * What the demo server sends the page besides the structured stream (which is
 * `@structllm/http`'s protocol, with the run's progress events and elements):
 * the one contract between `server.ts` and the browser module `client.ts`
 * (types only).
 */

import type { StreamStatus } from '@structllm/core';

export type RunStatus =
  | 'idle'
  | 'starting'
  | 'streaming'
  | 'paused'
  | 'complete'
  | 'failed'
  | 'cancelled';

/**
 * `GET /api/runs/:id`, and the answer to `POST /api/runs/:id/pause` and `/resume`: where the
 * run stands (its lifecycle events, estimate and elements come on its structured stream).
 */
export interface RunState {
  readonly status: StreamStatus;
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
