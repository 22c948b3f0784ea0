export {
  type ClientStructuredStream,
  type ReadStructuredStreamOptions,
  readStructuredStream,
  type StreamRequest,
} from './client.ts';
export { PROTOCOL_HEADER, PROTOCOL_VERSION, type WireEvent } from './protocol.ts';
export { type RunOptions, StreamEvents } from './run.ts';
export {
  type EventStreamOptions,
  type NodeRequestLike,
  type NodeResponseLike,
  StreamRuns,
  type StreamRunsOptions,
  toEventStreamResponse,
  writeEventStream,
} from './server.ts';
export {
  MemoryStreamStore,
  type MemoryStreamStoreOptions,
  type StoreRead,
  type StreamStore,
} from './store.ts';
