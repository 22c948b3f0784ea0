import {
  APICallError,
  JSONParseError,
  TypeValidationError,
  UnsupportedFunctionalityError,
} from '@ai-sdk/provider';
import { type ErrorCategory, StructuredLLMError } from '@structllm/core';
import {
  mapProviderError,
  type ProviderFailure,
  redactSecrets,
  unexpectedAnswerError,
} from '@structllm/core/provider';

/** Response headers a retry decision needs; nothing else of a response is kept. */
const KEPT_HEADERS = ['retry-after', 'retry-after-ms'] as const;

/**
 * What is handed to core's `mapProviderError` of an AI SDK error: its name, status,
 * code and a redacted message (core keeps a plain copy of it as the `cause`, with the
 * retry headers). The SDK's error object itself is never passed on: it carries the
 * request body, the response body and every response header, which may echo the API
 * key — a key this adapter never sees, so it cannot redact it.
 */
class AISDKErrorCause extends Error {
  readonly status: number | undefined;
  readonly code: string | undefined;
  readonly headers: Readonly<Record<string, string>>;

  constructor(options: {
    readonly name: string;
    readonly message: string;
    readonly status?: number | undefined;
    readonly code?: string | undefined;
    readonly headers?: Readonly<Record<string, string>>;
    readonly cause?: Error;
  }) {
    super(options.message, options.cause === undefined ? {} : { cause: options.cause });
    this.name = options.name;
    this.status = options.status;
    this.code = options.code;
    this.headers = options.headers ?? {};
  }
}

export interface MapAISDKErrorContext {
  readonly signal: AbortSignal;
  /** Secrets to keep out of messages (the API key, when the caller passes it). */
  readonly secrets: readonly string[];
  /** Shown in messages: the model's provider name, e.g. `openai.chat`. */
  readonly label: string;
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null;
}

function stringField(value: unknown, key: string): string | undefined {
  const field = isRecord(value) ? value[key] : undefined;
  return typeof field === 'string' && field !== '' ? field : undefined;
}

function keptHeaders(headers: unknown): Record<string, string> {
  const kept: Record<string, string> = {};
  if (!isRecord(headers)) return kept;
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (typeof value === 'string' && (KEPT_HEADERS as readonly string[]).includes(lower)) {
      kept[lower] = value;
    }
  }
  return kept;
}

/** A status that an error event carries in its body (`statusCode`, or a numeric `code`/`status`). */
function statusOf(value: unknown): number | undefined {
  if (!isRecord(value)) return undefined;
  for (const key of ['statusCode', 'status', 'code', 'status_code']) {
    const field = value[key];
    if (typeof field === 'number' && Number.isInteger(field) && field >= 400 && field < 600) {
      return field;
    }
    if (typeof field === 'string' && /^[45]\d\d$/.test(field)) return Number(field);
  }
  return undefined;
}

/** The category of an error event without a status, from its `type` / `code` words. */
function categoryOfWords(value: unknown): ErrorCategory {
  const error = isRecord(value) && isRecord(value.error) ? value.error : value;
  const words = `${stringField(error, 'type') ?? ''} ${stringField(error, 'code') ?? ''}`;
  const lower = words.toLowerCase();
  if (/rate_limit|too_many|quota|requests/.test(lower)) return 'rate_limit';
  if (/timeout/.test(lower)) return 'timeout';
  if (/authentication|permission|invalid_api_key|unauthorized/.test(lower)) return 'auth';
  if (/content_filter|content_policy|moderation|refusal/.test(lower)) return 'content_filter';
  if (/invalid_request|context_length|bad_request|invalid_value/.test(lower)) return 'bad_request';
  return 'server';
}

function isAbortLike(error: unknown): boolean {
  const name = error instanceof Error || isRecord(error) ? (error as { name?: unknown }).name : '';
  return name === 'AbortError' || name === 'ResponseAborted';
}

/** The innermost cause's message (e.g. `ECONNREFUSED` under `fetch failed`). */
function rootMessage(error: Error): string | undefined {
  let link: unknown = error.cause;
  let message: string | undefined;
  for (let depth = 0; link instanceof Error && depth < 8; depth++) {
    message = link.message;
    link = link.cause;
  }
  return message;
}

/**
 * A failure in neutral words plus the plain cause that stands for the error.
 * Errors no AI SDK code made (a `TypeError: terminated` from a reset socket)
 * are `undefined` failures: core maps them (network, or a malformed event).
 */
function describeError(
  error: unknown,
  secrets: readonly string[],
): { failure: ProviderFailure | undefined; cause: Error } {
  const redact = (text: string) => redactSecrets(text, secrets);
  const name =
    error instanceof Error ? error.name : (stringField(error, 'name') ?? 'AISDKStreamError');
  const message =
    error instanceof Error
      ? error.message
      : (stringField(error, 'message') ??
        stringField(isRecord(error) ? error.error : undefined, 'message') ??
        String(error));
  const code = stringField(error, 'code') ?? stringField(error, 'type');

  if (APICallError.isInstance(error)) {
    const headers = keptHeaders(error.responseHeaders);
    const status = error.statusCode;
    const root = rootMessage(error);
    const cause = new AISDKErrorCause({
      name,
      message: redact(message),
      status,
      code,
      headers,
      ...(root === undefined ? {} : { cause: new Error(redact(root)) }),
    });
    // No status, or the 200 of a stream that broke while being read: the connection failed.
    if (status === undefined || status < 400) return { failure: { kind: 'connection' }, cause };
    const reader = { get: (header: string) => headers[header.toLowerCase()] };
    return { failure: { kind: 'http', status, message, headers: reader }, cause };
  }
  if (isAbortLike(error)) {
    return { failure: { kind: 'aborted' }, cause: new AISDKErrorCause({ name, message }) };
  }
  if (error instanceof Error && error.name === 'TimeoutError') {
    return { failure: { kind: 'timeout' }, cause: new AISDKErrorCause({ name, message }) };
  }
  if (!(error instanceof Error)) {
    // An `error` stream part: the provider's error event, a plain object.
    const status = statusOf(error) ?? statusOf(isRecord(error) ? error.error : undefined);
    const type =
      stringField(error, 'type') ?? stringField(isRecord(error) ? error.error : undefined, 'type');
    const cause = new AISDKErrorCause({ name, message: redact(message), status, code });
    return {
      failure: {
        kind: 'stream',
        message,
        ...(status === undefined ? { category: categoryOfWords(error) } : { status }),
        ...(type === undefined ? {} : { type }),
      },
      cause,
    };
  }
  // AI SDK parse errors (a broken event) read as malformed events.
  const malformed = /JSONParseError|TypeValidationError/.test(name);
  const cause = malformed
    ? new SyntaxError(redact(message))
    : new AISDKErrorCause({
        name,
        message: redact(message),
        code,
        ...(rootMessage(error) === undefined
          ? {}
          : { cause: new Error(redact(rootMessage(error) ?? '')) }),
      });
  return { failure: undefined, cause };
}

/**
 * Whether the SDK rejected the body of a successful (2xx) answer: not JSON (a
 * proxy's HTML page) or JSON of another shape (`{}`). The AI SDK reports it as
 * an `APICallError` with the 2xx status, which is no connection failure.
 */
function isUnreadableAnswer(error: APICallError): boolean {
  const status = error.statusCode;
  return (
    status !== undefined &&
    status >= 200 &&
    status < 300 &&
    (JSONParseError.isInstance(error.cause) || TypeValidationError.isInstance(error.cause))
  );
}

/** The body as JSON when it is JSON, else as text: only what kind of body it is is told, never its content. */
function bodyOf(error: APICallError): unknown {
  const text = error.responseBody ?? '';
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * Maps whatever an AI SDK model threw (or sent as an `error` stream part) to a
 * StructuredLLMError: `APICallError`s by status with `retryAfterMs` from the
 * response headers, a 2xx answer whose body the SDK could not read (a proxy
 * page, `{}`) as `server` with code `unexpected_answer`, error events by their status or type, an
 * `UnsupportedFunctionalityError` as `unsupported_mode` (the engine degrades
 * the output mode), aborts, timeouts and connection failures.
 */
export function toStructuredError(
  error: unknown,
  context: MapAISDKErrorContext,
): StructuredLLMError {
  if (StructuredLLMError.is(error)) return error;
  if (UnsupportedFunctionalityError.isInstance(error) && !context.signal.aborted) {
    return unsupportedModeError(
      `${context.label} does not support this: ${error.functionality}`,
      context.secrets,
    );
  }
  if (APICallError.isInstance(error) && isUnreadableAnswer(error) && !context.signal.aborted) {
    return unexpectedAnswerError(context.label, bodyOf(error), 'a model response');
  }
  const { failure, cause } = describeError(error, context.secrets);
  return mapProviderError(cause, {
    signal: context.signal,
    secrets: context.secrets,
    label: context.label,
    classify: () => failure,
    isUnsupportedMode: isUnsupportedModeMessage,
  });
}

const MODE_WORDS =
  /response_format|response format|json_schema|json_object|json mode|structured output|tool_choice|tools?\b/i;
const UNSUPPORTED_WORDS =
  /not supported|unsupported|does not support|doesn't support|is not available|not available for|invalid parameter/i;

/** A 400 saying the model cannot do what the mode asks: the engine degrades to the next mode. */
function isUnsupportedModeMessage(message: string): boolean {
  return MODE_WORDS.test(message) && UNSUPPORTED_WORDS.test(message);
}

/** The error that makes the engine degrade to the next output mode. */
export function unsupportedModeError(
  message: string,
  secrets: readonly string[],
): StructuredLLMError {
  return new StructuredLLMError({
    category: 'bad_request',
    code: 'unsupported_mode',
    message: redactSecrets(message, secrets),
  });
}
