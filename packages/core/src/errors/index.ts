// The helpers for provider authors (error mapping, HTTP status, redaction) are exported
// from `@structllm/core/provider` (src/provider-kit.ts), not from the root.
export type { ErrorCode } from './error-code.ts';
export {
  type AttemptRecord,
  ERROR_CATEGORIES,
  type ErrorCategory,
  isRetryableByDefault,
  StructuredLLMError,
  type StructuredLLMErrorOptions,
} from './structured-llm-error.ts';
