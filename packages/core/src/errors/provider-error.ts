import { errorText } from '../values.ts';
import { abortedError } from './aborted.ts';
import type { ErrorCode } from './error-code.ts';
import { categoryForStatus, httpError, retryAfterFromHeaders } from './http-status.ts';
import { causeWithoutSecrets, redactSecrets } from './redact-secrets.ts';
import { type ErrorCategory, StructuredLLMError } from './structured-llm-error.ts';

/** Response headers as `fetch` and the usual SDKs expose them. */
interface HeaderReader {
  get(name: string): string | null | undefined;
}

/**
 * What a provider's SDK error means, in neutral words; a provider's `classify`
 * returns one of these, or undefined for anything it does not recognise.
 *
 * - `aborted`: the SDK's own "request aborted by the user" error;
 * - `timeout`: the client-side request timeout fired;
 * - `connection`: the API could not be reached (the message names the error's
 *   own `cause`, e.g. `ECONNREFUSED` under fetch's `TypeError`);
 * - `http`: an HTTP error status with the API's message and the response headers
 *   (for `retry-after`);
 * - `stream`: an error event in the middle of a 200 stream; its category is
 *   `category`, else that of `status`, else `server`; `type` is shown in the message.
 */
export type ProviderFailure =
  | { readonly kind: 'aborted' | 'timeout' | 'connection' }
  | {
      readonly kind: 'http';
      readonly status: number;
      readonly message: string;
      readonly headers?: HeaderReader | undefined;
    }
  | {
      readonly kind: 'stream';
      readonly message: string;
      readonly status?: number | undefined;
      readonly category?: ErrorCategory | undefined;
      readonly type?: string | undefined;
      readonly headers?: HeaderReader | undefined;
    };

export interface MapProviderErrorOptions {
  /** The call's signal: once it has fired, every failure is `aborted`. */
  readonly signal: AbortSignal;
  /** Secrets (the API key) to keep out of messages and the cause. */
  readonly secrets: readonly (string | undefined)[];
  /** The API's name in messages, e.g. 'OpenAI'. */
  readonly label: string;
  /** Turns the SDK's error into a {@link ProviderFailure}; undefined when it is not the SDK's. */
  readonly classify: (error: unknown) => ProviderFailure | undefined;
  /** True when a 400's message says the model cannot use the requested output mode. */
  readonly isUnsupportedMode?: (message: string) => boolean;
}

/** Response headers a cause keeps: what says when to retry, and the request id. */
const KEPT_HEADERS = ['retry-after', 'retry-after-ms', 'x-request-id', 'request-id'];

/** Gives the cause the {@link KEPT_HEADERS} the response had, redacted, as a plain `headers` object. */
function keepHeaders(
  cause: Error,
  headers: HeaderReader | undefined,
  secrets: readonly (string | undefined)[],
): void {
  const kept: Record<string, string> = {};
  for (const name of KEPT_HEADERS) {
    const value = headers?.get(name);
    if (typeof value === 'string') kept[name] = redactSecrets(value, secrets);
  }
  if (Object.keys(kept).length > 0) Object.assign(cause, { headers: kept });
}

/** What a body that is not the expected answer is, in a few words (never its content). */
function describeBody(body: unknown): string {
  if (typeof body === 'string') {
    return body.trim() === '' ? 'an empty body' : 'a body that is not JSON';
  }
  if (body === null || body === undefined) return 'no JSON value';
  if (Array.isArray(body)) return 'a JSON array';
  if (typeof body === 'object') return 'a JSON object of another shape';
  return `a JSON ${typeof body}`;
}

/**
 * The error for a successful (2xx) non-streaming answer that is not what the
 * API answers — a proxy's or captive portal's HTML page, `{}`, a `choices`
 * that is not a list: `server` (retried with back-off, like any other
 * infrastructure failure), code `unexpected_answer`. Never take such a body for
 * the model's (empty) output: that would re-ask the model at once. The
 * message says what came (`a body that is not JSON`…) but not its content.
 */
export function unexpectedAnswerError(
  label: string,
  body: unknown,
  expected: string,
): StructuredLLMError {
  return new StructuredLLMError({
    category: 'server',
    code: 'unexpected_answer',
    message: `The ${label} API answered with ${describeBody(body)} instead of ${expected} (is a proxy or captive portal in the way?)`,
  });
}

/**
 * Maps whatever a provider's SDK (or its stream) threw to a StructuredLLMError:
 * structllm errors pass through; an aborted call is `aborted`; the SDK's errors
 * as `classify` describes them (HTTP statuses with `retry-after`, 400s about the
 * output mode as `unsupported_mode`, mid-stream error events as `stream_error`);
 * a `SyntaxError` is a malformed event; anything else a `network` failure.
 * Messages are redacted; the cause is never the SDK's error itself but its
 * plain, redacted copy ({@link causeWithoutSecrets}): name, message, stack,
 * status, type/code, request id, plus the `retry-after` and request-id
 * response headers as a plain `headers` object — without the other headers
 * and the body a server may have echoed the key into.
 */
export function mapProviderError(
  error: unknown,
  options: MapProviderErrorOptions,
): StructuredLLMError {
  const { signal, secrets, label } = options;
  if (StructuredLLMError.is(error)) return error;
  if (signal.aborted) return abortedError(signal);
  const failure = options.classify(error);
  const cause = causeWithoutSecrets(error, secrets);
  if (cause !== undefined && failure !== undefined && 'headers' in failure) {
    keepHeaders(cause, failure.headers, secrets);
  }
  const withCause = cause === undefined ? {} : { cause };
  const failed = (
    category: ErrorCategory,
    message: string,
    extra: {
      readonly code?: ErrorCode;
      readonly status?: number;
      readonly retryAfterMs?: number;
    } = {},
  ): StructuredLLMError =>
    new StructuredLLMError({
      category,
      message: redactSecrets(message, secrets),
      ...extra,
      ...withCause,
    });
  switch (failure?.kind) {
    case 'aborted':
      return failed('aborted', 'The call was aborted');
    case 'timeout':
      return failed('timeout', `The ${label} request timed out`);
    case 'connection': {
      // The error's own cause names what failed (ECONNREFUSED…); `failed` redacts it.
      const own = error instanceof Error ? error.cause : undefined;
      const detail = own instanceof Error ? own.message : '';
      return failed('network', `Could not reach the ${label} API${detail && ` (${detail})`}`);
    }
    case 'http': {
      const { status } = failure;
      const message = redactSecrets(failure.message, secrets);
      const retryAfterMs = retryAfterFromHeaders((name) => failure.headers?.get(name));
      const unsupported = status === 400 && options.isUnsupportedMode?.(message) === true;
      return httpError(status, `${label}: ${message}`, {
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
        ...(unsupported ? { code: 'unsupported_mode' } : {}),
        ...withCause,
      });
    }
    case 'stream': {
      const { status, type } = failure;
      const retryAfterMs = retryAfterFromHeaders((name) => failure.headers?.get(name));
      return failed(
        failure.category ?? (status === undefined ? 'server' : categoryForStatus(status)),
        `The ${label} stream failed${type === undefined ? '' : ` (${type})`}: ${failure.message}`,
        {
          code: 'stream_error',
          ...(status === undefined ? {} : { status }),
          ...(status === 429 && retryAfterMs !== undefined ? { retryAfterMs } : {}),
        },
      );
    }
  }
  if (error instanceof SyntaxError) {
    return failed('server', `The ${label} API sent an event that is not valid JSON`, {
      code: 'malformed_event',
    });
  }
  const text = errorText(error);
  return failed('network', `The ${label} connection failed: ${text}`);
}
