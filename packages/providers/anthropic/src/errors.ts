import Anthropic from '@anthropic-ai/sdk';
import {
  categoryForStatus,
  causeWithoutSecrets,
  httpError,
  redactSecrets,
  retryAfterFromHeaders,
  StructuredLLMError,
} from '@structllm/core';

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

export function abortedError(signal: AbortSignal): StructuredLLMError {
  return new StructuredLLMError({
    category: 'aborted',
    message: 'The call was aborted',
    cause: signal.reason,
  });
}

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

/** Maps what the Anthropic SDK (or the stream) threw to a StructuredLLMError. */
export function toStructuredError(
  error: unknown,
  context: { readonly signal: AbortSignal; readonly secrets: readonly string[] },
): StructuredLLMError {
  const { signal, secrets } = context;
  if (StructuredLLMError.is(error)) return error;
  if (signal.aborted) return abortedError(signal);
  const cause = causeWithoutSecrets(error, secrets);
  const withCause = cause === undefined ? {} : { cause };
  if (error instanceof Anthropic.APIUserAbortError) {
    return new StructuredLLMError({
      category: 'aborted',
      message: 'The call was aborted',
      ...withCause,
    });
  }
  if (error instanceof Anthropic.APIConnectionTimeoutError) {
    return new StructuredLLMError({
      category: 'timeout',
      message: 'The Anthropic request timed out',
      ...withCause,
    });
  }
  if (error instanceof Anthropic.APIConnectionError) {
    const detail =
      cause instanceof Error && cause.cause instanceof Error ? cause.cause.message : '';
    return new StructuredLLMError({
      category: 'network',
      message: redactSecrets(
        `Could not reach the Anthropic API${detail === '' ? '' : ` (${detail})`}`,
        secrets,
      ),
      ...withCause,
    });
  }
  if (error instanceof Anthropic.APIError) {
    const inner = innerError(error.error);
    const text = redactSecrets(
      typeof inner?.message === 'string' && inner.message !== '' ? inner.message : error.message,
      secrets,
    );
    const retryAfterMs = retryAfterFromHeaders((name) => error.headers?.get(name));
    if (typeof error.status === 'number') {
      const unsupported = error.status === 400 && isUnsupportedModeMessage(text);
      return httpError(error.status, `Anthropic: ${text}`, {
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
        ...(unsupported ? { code: 'unsupported_mode' } : {}),
        ...withCause,
      });
    }
    // `event: error` in the middle of a 200 stream: the error type says what happened.
    const type = typeof error.type === 'string' ? error.type : String(inner?.type ?? '');
    const status = STATUS_OF_ERROR_TYPE[type] ?? 500;
    return new StructuredLLMError({
      category: categoryForStatus(status),
      status,
      code: 'stream_error',
      message: `The Anthropic stream failed (${type || 'unknown error'}): ${text}`,
      ...(status === 429 && retryAfterMs !== undefined ? { retryAfterMs } : {}),
      ...withCause,
    });
  }
  if (error instanceof SyntaxError) {
    return new StructuredLLMError({
      category: 'server',
      code: 'malformed_event',
      message: 'The Anthropic API sent an event that is not valid JSON',
      ...withCause,
    });
  }
  const text = error instanceof Error ? error.message : String(error);
  return new StructuredLLMError({
    category: 'network',
    message: redactSecrets(`The Anthropic connection failed: ${text}`, secrets),
    ...withCause,
  });
}
