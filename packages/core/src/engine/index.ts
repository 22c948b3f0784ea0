export {
  DEFAULT_MAX_CHUNKS,
  DEFAULT_MAX_RESPONSE_CHARS,
  StructuredLLMService,
} from './structured-llm-service.ts';
export type {
  BatchOptions,
  BatchResponse,
  BatchResult,
  BatchStream,
  ElementErrorPolicy,
  ElementEvent,
  ElementOf,
  RequestTimeouts,
  RequestUsage,
  RetryOptions,
  ServiceLimits,
  StreamingResponse,
  StreamingStructuredRequest,
  StreamStatus,
  StructuredLLMServiceOptions,
  StructuredStream,
} from './types.ts';
