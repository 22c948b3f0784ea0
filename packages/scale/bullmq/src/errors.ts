import { type AttemptRecord, type ErrorCategory, StructuredLLMError } from '@structllm/core';
import { ERROR_CATEGORIES } from '@structllm/core/provider';

/**
 * Rebuilds the `StructuredLLMError` a worker stored (its `toJSON()`), in any
 * process. Unknown shapes become an `unknown` error carrying the stored message.
 */
export function errorFromJSON(stored: unknown, fallbackMessage: string): StructuredLLMError {
  if (typeof stored !== 'object' || stored === null) {
    return new StructuredLLMError({
      category: 'unknown',
      message: fallbackMessage || 'The job failed without a stored error',
    });
  }
  const json = stored as Record<string, unknown>;
  const category = ERROR_CATEGORIES.includes(json.category as ErrorCategory)
    ? (json.category as ErrorCategory)
    : 'unknown';
  const message =
    typeof json.message === 'string' ? json.message : fallbackMessage || 'The job failed';
  return new StructuredLLMError({
    category,
    message,
    ...(typeof json.retryable === 'boolean' ? { retryable: json.retryable } : {}),
    ...(typeof json.retryAfterMs === 'number' ? { retryAfterMs: json.retryAfterMs } : {}),
    ...(typeof json.status === 'number' ? { status: json.status } : {}),
    ...(typeof json.code === 'string' ? { code: json.code } : {}),
    ...(typeof json.position === 'number' ? { position: json.position } : {}),
    ...(Array.isArray(json.attempts) ? { attempts: json.attempts as AttemptRecord[] } : {}),
  });
}

/** Any thrown value as a `StructuredLLMError` (an unexpected one becomes `unknown`, not retried). */
export function asStructuredError(error: unknown): StructuredLLMError {
  if (StructuredLLMError.is(error)) return error;
  return new StructuredLLMError({
    category: 'unknown',
    retryable: false,
    message: error instanceof Error ? error.message : String(error),
    cause: error,
  });
}
