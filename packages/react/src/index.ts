export {
  type StructuredStreamStatus,
  type UseStructuredStreamOptions,
  type UseStructuredStreamResult,
  useStructuredStream,
} from './use-structured-stream.ts';
