export { errorFromJSON } from './errors.ts';
export {
  type BatchProgress,
  type BatchWatch,
  createStructuredQueue,
  type EnqueueBatchOptions,
  type EnqueueOptions,
  type StructuredQueue,
  type StructuredQueueOptions,
  type WatchBatchOptions,
} from './queue.ts';
export type { QueuedRequest, StructuredJobData, StructuredJobResult } from './request.ts';
export {
  createStructuredWorker,
  type StructuredWorker,
  type StructuredWorkerOptions,
} from './worker.ts';
