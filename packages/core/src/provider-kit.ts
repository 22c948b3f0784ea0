/**
 * `@structllm/core/provider`: what a provider plugin needs beyond the contract types —
 * mapping SDK errors to `StructuredLLMError` categories, HTTP status and `retry-after`
 * helpers, settings from the environment, and redaction of secrets from errors and
 * logs. Applications do not import it, so their bundles do not carry it.
 */

export { categoryForStatus, httpError, retryAfterFromHeaders } from './errors/http-status.ts';
export {
  abortedError,
  type MapProviderErrorOptions,
  mapProviderError,
  type ProviderFailure,
  unexpectedAnswerError,
} from './errors/provider-error.ts';
export {
  causeWithoutSecrets,
  type LogMethods,
  REDACTED,
  redactDeep,
  redactingLogger,
  redactSecrets,
} from './errors/redact-secrets.ts';
export {
  type AttemptRecord,
  type ErrorCategory,
  StructuredLLMError,
  type StructuredLLMErrorOptions,
} from './errors/structured-llm-error.ts';
export { environmentSetting } from './provider/environment.ts';
export { serverOf } from './provider/server.ts';
export {
  type FinishReason,
  type Message,
  OUTPUT_MODE_DEGRADATION,
  type OutputMode,
  type ProviderCall,
  type ProviderCapabilities,
  type ProviderPart,
  type ProviderResult,
  type ProviderServer,
  type StructuredProvider,
  type Usage,
} from './provider/types.ts';
