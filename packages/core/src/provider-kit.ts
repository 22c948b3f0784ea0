// biome-ignore-all assist/source/organizeImports: the exports are grouped by topic, in sections, not by path
/**
 * `@structllm/core/provider`: what a provider plugin needs beyond the root entry — the call
 * contract it implements, mapping SDK errors to `StructuredLLMError` categories, HTTP
 * status and `retry-after` helpers, connection settings from options and the environment,
 * redaction of secrets from errors and logs, and `ERROR_CATEGORIES` for integrations that
 * decode errors or label metrics. Applications do not import it, so their
 * bundles do not carry it. `StructuredLLMError`, `StructuredProvider`, `Message`,
 * `OutputMode`, `FinishReason` and `Usage` are imported from `@structllm/core`.
 */

// --- The call contract (v1) -------------------------------------------------------------
export type {
  ProviderCall,
  ProviderCapabilities,
  ProviderPart,
  ProviderResult,
  ProviderServer,
} from './provider/index.ts';

// --- Errors: mapping, HTTP status, aborts -----------------------------------------------
export { ERROR_CATEGORIES } from './errors/structured-llm-error.ts';
export { abortedError } from './errors/aborted.ts';
export { categoryForStatus, httpError, retryAfterFromHeaders } from './errors/http-status.ts';
export {
  type MapProviderErrorOptions,
  mapProviderError,
  type ProviderFailure,
  unexpectedAnswerError,
} from './errors/provider-error.ts';

// --- Settings: connection and environment -----------------------------------------------
export {
  type Connection,
  type ConnectionClientOptions,
  type ConnectionSettings,
  type ConnectionTarget,
  environmentSetting,
  resolveConnection,
  serverOf,
} from './provider/index.ts';

// --- Secrets out of errors and logs -----------------------------------------------------
export {
  causeWithoutSecrets,
  type LogMethods,
  REDACTED,
  redactDeep,
  redactingLogger,
  redactSecrets,
} from './errors/redact-secrets.ts';
