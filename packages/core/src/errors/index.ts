export { categoryForStatus, httpError, retryAfterFromHeaders } from './http-status.ts';
export {
  abortedError,
  type MapProviderErrorOptions,
  mapProviderError,
  type ProviderFailure,
  unexpectedAnswerError,
} from './provider-error.ts';
export {
  causeWithoutSecrets,
  type LogMethods,
  REDACTED,
  redactDeep,
  redactingLogger,
  redactSecrets,
} from './redact-secrets.ts';
export {
  type AttemptRecord,
  ERROR_CATEGORIES,
  type ErrorCategory,
  isRetryableByDefault,
  StructuredLLMError,
  type StructuredLLMErrorOptions,
} from './structured-llm-error.ts';
