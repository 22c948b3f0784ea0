// biome-ignore-all assist/source/organizeImports: the exports are grouped by topic, in sections, not by path
/**
 * `@structllm/core`: what an application imports. Every name is listed here, taken from
 * the barrel of its part of core; nothing else in `src/` is public. Provider plugins also
 * import `@structllm/core/provider` (the call contract and the authors' helpers);
 * `@structllm/core/strict` and `@structllm/core/rate-limit` are their own entries, so
 * that only those who use them bundle them.
 */

// --- The service and its requests -------------------------------------------------------
export {
  DEFAULT_MAX_CHUNKS,
  DEFAULT_MAX_RESPONSE_CHARS,
  StructuredLLMService,
} from './engine/index.ts';
// --- Streaming responses ----------------------------------------------------------------
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
} from './engine/index.ts';
// --- Errors -----------------------------------------------------------------------------
export type { ErrorCode } from './errors/index.ts';
export {
  type AttemptRecord,
  type ErrorCategory,
  isRetryableByDefault,
  StructuredLLMError,
  type StructuredLLMErrorOptions,
} from './errors/index.ts';
// --- The incremental JSON parser --------------------------------------------------------
export {
  createJsonStreamParser,
  DEFAULT_MAX_DEPTH,
  type JsonPath,
  type JsonStreamParser,
  type JsonStreamParserOptions,
} from './json/index.ts';
export { type PartialJsonResult, parsePartialJson } from './json/index.ts';
// --- Observers and logging --------------------------------------------------------------
export { type Logger, silentLogger } from './observe/index.ts';
export type {
  AttemptContext,
  AttemptEndEvent,
  Observer,
  RequestContext,
  RequestEndEvent,
  RequestObserver,
  RequestStartEvent,
} from './observe/index.ts';
// --- Progress ---------------------------------------------------------------------------
export {
  createProgressEstimator,
  type ProgressBasis,
  type ProgressEstimate,
  type ProgressEstimateResult,
  type ProgressEstimator,
  type ProgressEstimatorOptions,
} from './progress/index.ts';
export type {
  ProgressCallback,
  ProgressEvent,
  ProgressEventType,
  ProgressFilter,
} from './progress/index.ts';
export { progressKey } from './progress/index.ts';
export type { PathStats, ProgressStats, ProgressStatsStore } from './progress/index.ts';
export {
  type ProgressDetails,
  ProgressTracker,
  type ProgressTrackerOptions,
} from './progress/index.ts';
// The provider contract as an application sees it: what it hands the service, what it sends.
export type {
  FinishReason,
  Message,
  OutputMode,
  StructuredProvider,
  Usage,
} from './provider/index.ts';
// --- Resilience settings (the in-memory rate limiter is `@structllm/core/rate-limit`) ---
export { type BackoffOptions, DEFAULT_BACKOFF } from './resilience/index.ts';
export {
  type BreakerCounts,
  type BreakerSnapshot,
  type BreakerState,
  type BreakerStore,
  createInMemoryBreakerStore,
} from './resilience/index.ts';
export {
  type BreakerCall,
  type BreakerDecision,
  type BreakerStateChange,
  type CircuitBreaker,
  type CircuitBreakerOptions,
  createCircuitBreaker,
} from './resilience/index.ts';
export type { RateLimitDecision, RateLimiter } from './resilience/index.ts';
export { sleep } from './resilience/index.ts';
export type { DeepPartial } from './schema/index.ts';
// --- Response models and JSON Schema ----------------------------------------------------
export type { JsonSchema } from './schema/index.ts';
export {
  type JsonSchemaModel,
  type JsonSchemaOptions,
  jsonSchema,
  type ResponseModelOptions,
  type StrictOption,
} from './schema/index.ts';
export {
  type CompileJsonSchemaOptions,
  compileJsonSchema,
  type JsonSchemaValidator,
  type ValidationMode,
} from './schema/index.ts';
export {
  isResponseModel,
  type PartialChecker,
  type ResponseModel,
  type ValidatePartialOptions,
} from './schema/index.ts';
export type {
  StandardIssue,
  StandardJSONSchemaConverter,
  StandardJSONSchemaOptions,
  StandardJSONSchemaTarget,
  StandardJSONSchemaV1,
  StandardJSONSchemaV1Props,
  StandardPathSegment,
  StandardResult,
  StandardSchemaV1,
  StandardSchemaV1Props,
  StandardTypes,
} from './schema/index.ts';
export {
  type FromStandardSchemaOptions,
  fromStandardSchema,
  type ResponseModelInput,
  validateWithStandardSchema,
} from './schema/index.ts';
export {
  formatIssues,
  formatPath,
  type ValidationIssue,
  type ValidationResult,
} from './schema/index.ts';
