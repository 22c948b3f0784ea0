import type { ErrorCategory, StructuredLLMError } from '@structllm/core';
import { mapProviderError, type ProviderFailure, redactSecrets } from '@structllm/core/provider';
import OpenAI from 'openai';

/** The error object inside an OpenAI-style error body or mid-stream error event. */
interface WireErrorBody {
  readonly message?: unknown;
  readonly type?: unknown;
  readonly code?: unknown;
  readonly status_code?: unknown;
  readonly status?: unknown;
}

/**
 * Replaces every secret in `text` (API keys) with `[redacted]`.
 * @deprecated Use `redactSecrets` from `@structllm/core`.
 */
export const redact: (text: string, secrets: readonly string[]) => string = redactSecrets;

function bodyOf(error: InstanceType<typeof OpenAI.APIError>): WireErrorBody | undefined {
  const body: unknown = error.error;
  return typeof body === 'object' && body !== null ? (body as WireErrorBody) : undefined;
}

function messageOf(error: Error, body: WireErrorBody | undefined): string {
  if (typeof body?.message === 'string' && body.message !== '') return body.message;
  return error.message;
}

/** A numeric status carried inside an error body (OpenRouter `code`, Groq `status_code`). */
function statusInBody(body: WireErrorBody | undefined): number | undefined {
  for (const value of [body?.code, body?.status_code, body?.status]) {
    if (typeof value === 'number' && Number.isInteger(value) && value >= 400 && value < 600) {
      return value;
    }
    if (typeof value === 'string' && /^[45]\d\d$/.test(value)) return Number(value);
  }
  return undefined;
}

/** The category of an error event that carries no HTTP status, from its `type` / `code` words. */
function categoryForErrorWords(body: WireErrorBody | undefined): ErrorCategory {
  const words = `${String(body?.type ?? '')} ${String(body?.code ?? '')}`.toLowerCase();
  if (/rate_limit|requests|too_many|quota/.test(words)) return 'rate_limit';
  if (/overloaded|server_error|api_error|internal|unavailable/.test(words)) return 'server';
  if (/timeout/.test(words)) return 'timeout';
  if (/authentication|permission|invalid_api_key|unauthorized/.test(words)) return 'auth';
  if (/content_filter|content_policy|moderation/.test(words)) return 'content_filter';
  if (/context_length|invalid_request|invalid_value|bad_request|tool_use_failed/.test(words)) {
    return 'bad_request';
  }
  return 'server';
}

const MODE_WORDS =
  /response_format|json_schema|json_object|structured output|tool_choice|tools?\b/i;
const UNSUPPORTED_WORDS =
  /not supported|unsupported|does not support|doesn't support|is not available|not available for|invalid parameter/i;

/** A 400 saying the model cannot do what the mode asks: the engine degrades to the next mode. */
export function isUnsupportedModeMessage(message: string): boolean {
  return MODE_WORDS.test(message) && UNSUPPORTED_WORDS.test(message);
}

export interface MapErrorContext {
  readonly signal: AbortSignal;
  /** Secrets that must never appear in an error (the API key, when known). */
  readonly secrets: readonly string[];
  /** Shown in messages, e.g. 'OpenAI' or 'OpenRouter'. */
  readonly label: string;
}

/** What an `openai` SDK error means; undefined for anything the SDK did not throw. */
function classifyOpenAIError(error: unknown): ProviderFailure | undefined {
  // Subclasses first: the abort and timeout errors are connection errors, all are API errors.
  if (error instanceof OpenAI.APIUserAbortError) return { kind: 'aborted' };
  if (error instanceof OpenAI.APIConnectionTimeoutError) return { kind: 'timeout' };
  if (error instanceof OpenAI.APIConnectionError) return { kind: 'connection' };
  if (!(error instanceof OpenAI.APIError)) return undefined;
  const body = bodyOf(error);
  const message = messageOf(error, body);
  const { headers } = error;
  if (typeof error.status === 'number') {
    return { kind: 'http', status: error.status, message, headers };
  }
  // A mid-stream error event: the HTTP status was 200, the body says what went wrong.
  const status = statusInBody(body);
  return status === undefined
    ? { kind: 'stream', message, category: categoryForErrorWords(body), headers }
    : { kind: 'stream', message, status, headers };
}

/**
 * Maps whatever the `openai` SDK (or the stream) threw to a StructuredLLMError:
 * HTTP errors by status (with `retry-after`), mid-stream error events by the
 * status or type in their body, aborts, timeouts and connection failures.
 */
export function toStructuredError(error: unknown, context: MapErrorContext): StructuredLLMError {
  return mapProviderError(error, {
    ...context,
    classify: classifyOpenAIError,
    isUnsupportedMode: isUnsupportedModeMessage,
  });
}
