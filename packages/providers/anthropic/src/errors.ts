import Anthropic from '@anthropic-ai/sdk';
import type { StructuredLLMError } from '@structllm/core';
import { mapProviderError, type ProviderFailure } from '@structllm/core/provider';

/** Anthropic error types → the HTTP status they stand for (mid-stream `event: error` has no status). */
export const STATUS_OF_ERROR_TYPE: Readonly<Record<string, number>> = Object.freeze({
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  timeout_error: 408,
  rate_limit_error: 429,
  api_error: 500,
  overloaded_error: 529,
});

const MODE_WORDS = /output_config|output_format|structured output|json_schema|tool_choice/i;
const UNSUPPORTED_WORDS =
  /not supported|unsupported|does not support|doesn't support|is not available|not available for/i;

/** A 400 saying the model cannot use this output mode: the engine degrades to the next one. */
export function isUnsupportedModeMessage(message: string): boolean {
  return MODE_WORDS.test(message) && UNSUPPORTED_WORDS.test(message);
}

interface ErrorBody {
  readonly type?: unknown;
  readonly message?: unknown;
}

/** `{type:'error', error:{type, message}}` → its inner error object. */
function innerError(body: unknown): ErrorBody | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const inner = (body as { error?: unknown }).error;
  if (typeof inner === 'object' && inner !== null) return inner as ErrorBody;
  return body as ErrorBody;
}

/** What an Anthropic SDK error means; undefined for anything the SDK did not throw. */
function classifyAnthropicError(error: unknown): ProviderFailure | undefined {
  // Subclasses first: the abort and timeout errors are connection errors, all are API errors.
  if (error instanceof Anthropic.APIUserAbortError) return { kind: 'aborted' };
  if (error instanceof Anthropic.APIConnectionTimeoutError) return { kind: 'timeout' };
  if (error instanceof Anthropic.APIConnectionError) return { kind: 'connection' };
  if (!(error instanceof Anthropic.APIError)) return undefined;
  const inner = innerError(error.error);
  const message =
    typeof inner?.message === 'string' && inner.message !== '' ? inner.message : error.message;
  const { headers } = error;
  if (typeof error.status === 'number') {
    return { kind: 'http', status: error.status, message, headers };
  }
  // `event: error` in the middle of a 200 stream: the error type says what happened.
  const type = typeof error.type === 'string' ? error.type : String(inner?.type ?? '');
  const status = STATUS_OF_ERROR_TYPE[type] ?? 500;
  return { kind: 'stream', message, status, type: type || 'unknown error', headers };
}

/** Maps what the Anthropic SDK (or the stream) threw to a StructuredLLMError. */
export function toStructuredError(
  error: unknown,
  context: { readonly signal: AbortSignal; readonly secrets: readonly string[] },
): StructuredLLMError {
  return mapProviderError(error, {
    ...context,
    label: 'Anthropic',
    classify: classifyAnthropicError,
    isUnsupportedMode: isUnsupportedModeMessage,
  });
}
