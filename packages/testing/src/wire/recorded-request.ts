import type { IncomingHttpHeaders } from 'node:http';
import type { JsonSchema, OutputMode } from '@structllm/core';
import type { RecordedRequest, WireDialect } from './types.ts';

const SECRET_HEADER =
  /^(authorization|proxy-authorization|cookie|x-api-key|api-key)$|key|token|secret/;

type JsonObject = { readonly [key: string]: unknown };

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function flattenHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

function redact(headers: Readonly<Record<string, string>>): Record<string, string> {
  const redacted: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    redacted[name] = SECRET_HEADER.test(name) ? '[redacted]' : value;
  }
  return redacted;
}

function apiKeyOf(headers: Readonly<Record<string, string>>): string | undefined {
  const authorization = headers.authorization;
  if (authorization !== undefined) {
    const match = /^Bearer\s+(.+)$/i.exec(authorization);
    return match?.[1] ?? authorization;
  }
  return headers['x-api-key'] ?? headers['api-key'];
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

interface ModeInfo {
  readonly mode: OutputMode;
  readonly schema: JsonSchema | undefined;
  readonly schemaName: string | undefined;
  /** The tool the request forces (tool mode). */
  readonly toolName: string | undefined;
  /** True when the request names one function in `tool_choice` (OpenAI then finishes with "stop"). */
  readonly namedToolChoice: boolean;
}

const PROMPT: ModeInfo = {
  mode: 'prompt',
  schema: undefined,
  schemaName: undefined,
  toolName: undefined,
  namedToolChoice: false,
};

function asSchema(value: unknown): JsonSchema | undefined {
  return isObject(value) || typeof value === 'boolean' ? (value as JsonSchema) : undefined;
}

function stringOr(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function openAIMode(body: JsonObject): ModeInfo {
  const tools = Array.isArray(body.tools) ? body.tools.filter(isObject) : [];
  const choice = body.tool_choice;
  if (tools.length > 0 && (isObject(choice) || choice === 'required')) {
    const named = isObject(choice) && isObject(choice.function) ? choice.function.name : undefined;
    const tool =
      tools.find(
        (candidate) => isObject(candidate.function) && candidate.function.name === named,
      ) ?? tools[0];
    const fn = tool !== undefined && isObject(tool.function) ? tool.function : {};
    return {
      mode: 'tool',
      schema: asSchema(fn.parameters),
      schemaName: stringOr(fn.name),
      toolName: stringOr(fn.name),
      namedToolChoice: named !== undefined,
    };
  }
  const format = body.response_format;
  if (isObject(format) && format.type === 'json_schema') {
    const spec = isObject(format.json_schema) ? format.json_schema : {};
    return {
      ...PROMPT,
      mode: 'json_schema',
      schema: asSchema(spec.schema),
      schemaName: stringOr(spec.name),
    };
  }
  if (isObject(format) && format.type === 'json_object') return { ...PROMPT, mode: 'json_object' };
  return PROMPT;
}

function anthropicMode(body: JsonObject): ModeInfo {
  const tools = Array.isArray(body.tools) ? body.tools.filter(isObject) : [];
  const choice = body.tool_choice;
  if (tools.length > 0 && isObject(choice) && (choice.type === 'tool' || choice.type === 'any')) {
    const tool = tools.find((candidate) => candidate.name === choice.name) ?? tools[0];
    return {
      mode: 'tool',
      schema: asSchema(tool?.input_schema),
      schemaName: stringOr(tool?.name),
      toolName: stringOr(tool?.name),
      namedToolChoice: choice.type === 'tool',
    };
  }
  // Structured outputs: `output_config.format` (GA) or the older beta `output_format`.
  const config = isObject(body.output_config) ? body.output_config : {};
  const format = isObject(config.format) ? config.format : body.output_format;
  if (isObject(format) && format.type === 'json_schema') {
    return { ...PROMPT, mode: 'json_schema', schema: asSchema(format.schema) };
  }
  return PROMPT;
}

/** What the server needs to know about a request to answer it. */
export interface ParsedRequest {
  readonly recorded: RecordedRequest;
  readonly toolName: string | undefined;
  readonly namedToolChoice: boolean;
  /** OpenAI `stream_options.include_usage`. */
  readonly includeUsage: boolean;
  /** Marks the request's client as gone. */
  markDisconnected(): void;
}

export function parseRequest(options: {
  readonly index: number;
  readonly dialect: WireDialect;
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly rawBody: string;
}): ParsedRequest {
  const headers = flattenHeaders(options.headers);
  const redactedHeaders = redact(headers);
  const body = parseJson(options.rawBody);
  const object = isObject(body) ? body : {};
  const info = options.dialect === 'anthropic' ? anthropicMode(object) : openAIMode(object);
  const retryHeader = headers['x-stainless-retry-count'];
  const retryCount = retryHeader === undefined ? undefined : Number(retryHeader);
  const streamOptions = isObject(object.stream_options) ? object.stream_options : {};
  let clientDisconnected = false;

  const recorded: RecordedRequest = {
    index: options.index,
    method: options.method,
    path: options.path,
    headers,
    redactedHeaders,
    apiKey: apiKeyOf(headers),
    rawBody: options.rawBody,
    body,
    model: stringOr(object.model),
    stream: object.stream === true,
    mode: info.mode,
    schema: info.schema,
    schemaName: info.schemaName,
    retryCount: Number.isFinite(retryCount) ? retryCount : undefined,
    get clientDisconnected() {
      return clientDisconnected;
    },
    toJSON() {
      return {
        index: recorded.index,
        method: recorded.method,
        path: recorded.path,
        headers: redactedHeaders,
        body,
        mode: info.mode,
        stream: recorded.stream,
      };
    },
  };
  return {
    recorded,
    toolName: info.toolName,
    namedToolChoice: info.namedToolChoice,
    includeUsage: streamOptions.include_usage === true,
    markDisconnected() {
      clientDisconnected = true;
    },
  };
}
