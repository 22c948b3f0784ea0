import {
  type JsonSchema,
  type Message,
  type OutputMode,
  type RequestTimeouts,
  StructuredLLMError,
} from '@structllm/core';

/**
 * A structured request that can travel through Redis: plain JSON, no callbacks,
 * no signal. The schema is either a JSON Schema or the name of a response model
 * registered with the workers (`createStructuredWorker(…, { responseModels })`).
 */
export interface QueuedRequest {
  readonly prompt: string | readonly Message[];
  /** The response's JSON Schema. Give this or `responseModel`, not both. */
  readonly schema?: JsonSchema;
  /** Name of a response model registered with the workers. */
  readonly responseModel?: string;
  /** Name and description for a `schema` (ignored for a registered `responseModel`). */
  readonly schemaName?: string;
  readonly schemaDescription?: string;
  /** 'openai/gpt-4o': the prefix picks the provider. Defaults to the worker service's `defaultModel`. */
  readonly model?: string;
  readonly fallbackModels?: readonly string[];
  /** Retries per model inside one job attempt (the engine's own). Default 3. */
  readonly maxRetries?: number;
  readonly enableStreaming?: boolean;
  readonly mode?: OutputMode | 'auto';
  readonly timeouts?: RequestTimeouts;
  readonly system?: string;
  readonly temperature?: number;
  readonly maxOutputTokens?: number;
  readonly providerOptions?: Readonly<Record<string, unknown>>;
}

/** What a job stores: the request, its place in a batch, and the error of its last failed attempt. */
export interface StructuredJobData {
  readonly request: QueuedRequest;
  readonly batch?: { readonly id: string; readonly index: number; readonly size: number };
  readonly error?: Record<string, unknown>;
}

/** What a completed job returns (wrapped, so a `null` value is still told apart from no value). */
export interface StructuredJobResult {
  readonly value: unknown;
}

function invalid(message: string): StructuredLLMError {
  return new StructuredLLMError({ category: 'bad_request', code: 'invalid_job', message });
}

/**
 * Checks a request before it is stored: the prompt, exactly one schema source,
 * and that it survives JSON unchanged (a function or a `Date` would not).
 * Throws a `bad_request` `StructuredLLMError` (code `invalid_job`).
 */
export function checkQueuedRequest(request: unknown, where: string): QueuedRequest {
  if (typeof request !== 'object' || request === null || Array.isArray(request)) {
    throw invalid(`${where}: a request must be an object, got ${describe(request)}`);
  }
  const candidate = request as Record<string, unknown>;
  const prompt = candidate.prompt;
  const promptOk =
    typeof prompt === 'string' ||
    (Array.isArray(prompt) &&
      prompt.every(
        (message) =>
          typeof message === 'object' &&
          message !== null &&
          typeof (message as Message).content === 'string' &&
          ['system', 'user', 'assistant'].includes((message as Message).role),
      ));
  if (!promptOk) {
    throw invalid(`${where}: prompt must be a string or an array of { role, content } messages`);
  }
  const hasSchema = candidate.schema !== undefined;
  const hasModel = candidate.responseModel !== undefined;
  if (hasSchema === hasModel) {
    throw invalid(
      `${where}: give exactly one of schema (a JSON Schema) or responseModel (a registered name)`,
    );
  }
  if (hasSchema && (typeof candidate.schema !== 'object' || candidate.schema === null)) {
    throw invalid(`${where}: schema must be a JSON Schema object`);
  }
  if (hasModel && (typeof candidate.responseModel !== 'string' || candidate.responseModel === '')) {
    throw invalid(`${where}: responseModel must be the non-empty name of a registered model`);
  }
  let text: string;
  try {
    text = JSON.stringify(request);
  } catch (error) {
    throw invalid(`${where}: the request cannot be written as JSON (${String(error)})`);
  }
  if (!sameJson(JSON.parse(text), request)) {
    throw invalid(
      `${where}: the request holds values JSON cannot carry (functions, signals, dates, undefined in arrays…); a queued request must be plain JSON`,
    );
  }
  return request as QueuedRequest;
}

function sameJson(parsed: unknown, original: unknown): boolean {
  if (parsed === original) return true;
  if (typeof original === 'number') return false; // NaN or ±Infinity became null
  if (typeof parsed !== 'object' || parsed === null || typeof original !== 'object') return false;
  if (original === null) return false;
  if (Array.isArray(original)) {
    return (
      Array.isArray(parsed) &&
      parsed.length === original.length &&
      original.every((item, index) => sameJson(parsed[index], item))
    );
  }
  const prototype = Object.getPrototypeOf(original);
  if (prototype !== Object.prototype && prototype !== null) return false;
  const parsedRecord = parsed as Record<string, unknown>;
  const entries = Object.entries(original).filter(([, value]) => value !== undefined);
  return (
    entries.length === Object.keys(parsedRecord).length &&
    entries.every(([key, value]) => sameJson(parsedRecord[key], value))
  );
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}
