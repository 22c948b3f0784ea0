import { now as clockNow } from '../clock.ts';
import type { ErrorCode } from './error-code.ts';
import { type ErrorCategory, StructuredLLMError } from './structured-llm-error.ts';

/** The category of an HTTP error status, as every provider maps it. */
export function categoryForStatus(status: number): ErrorCategory {
  if (status === 408) return 'timeout';
  if (status === 429) return 'rate_limit';
  if (status === 401 || status === 403) return 'auth';
  if (status >= 500) return 'server'; // includes Anthropic's 529 "overloaded"
  if (status >= 400) return 'bad_request';
  return 'unknown';
}

/**
 * Reads `retry-after-ms` (milliseconds) or `retry-after` (seconds, or an HTTP date)
 * from response headers. Returns undefined when absent or unreadable.
 */
export function retryAfterFromHeaders(
  get: (name: string) => string | null | undefined,
  now: () => number = clockNow,
): number | undefined {
  const ms = get('retry-after-ms');
  if (ms != null && ms.trim() !== '') {
    const value = Number(ms);
    if (Number.isFinite(value) && value >= 0) return value;
  }
  const after = get('retry-after');
  if (after == null || after.trim() === '') return undefined;
  const seconds = Number(after);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(after);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now());
}

/** A StructuredLLMError for an HTTP failure, with the category its status implies. */
export function httpError(
  status: number,
  message: string,
  options: {
    readonly retryAfterMs?: number;
    readonly cause?: unknown;
    readonly code?: ErrorCode | (string & {});
  } = {},
): StructuredLLMError {
  return new StructuredLLMError({
    category: categoryForStatus(status),
    status,
    message: `HTTP ${status}: ${message}`,
    ...options,
  });
}
