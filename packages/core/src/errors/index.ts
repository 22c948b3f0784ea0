export { categoryForStatus, httpError, retryAfterFromHeaders } from './http-status.ts';
export {
  type AttemptRecord,
  ERROR_CATEGORIES,
  type ErrorCategory,
  isRetryableByDefault,
  StructuredLLMError,
  type StructuredLLMErrorOptions,
} from './structured-llm-error.ts';
