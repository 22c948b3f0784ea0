import type { ErrorCategory, FinishReason, JsonSchema, OutputMode, Usage } from '@structllm/core';

/**
 * The HTTP API a fake server speaks: OpenAI chat completions, Anthropic
 * messages, or OpenRouter (OpenAI framing plus `: OPENROUTER PROCESSING`
 * keep-alive comments, its own error bodies and mid-stream error chunks).
 */
export type WireDialect = 'openai' | 'anthropic' | 'openrouter';

/**
 * How a response body is cut into socket writes (each write is flushed
 * before the next), to exercise the client's buffering:
 *
 * - `'events'` (default): one write per SSE event;
 * - `'whole'`: the whole body in one write;
 * - `'bytes'`: one byte per write;
 * - `{ seed, maxBytes }`: random byte boundaries from a seeded PRNG — inside
 *   JSON strings, inside `data: `, between the two `\n` of a terminator and
 *   inside UTF-8 multibyte sequences. `maxBytes` bounds a piece (default 16).
 */
export type WriteChunking =
  | 'events'
  | 'whole'
  | 'bytes'
  | { readonly seed: number; readonly maxBytes?: number };

/** Replay a recorded fixture byte-for-byte (status 200, `text/event-stream`). */
export interface ReplayScript {
  readonly kind: 'replay';
  /** A fixture name from {@link wireFixtures}, or a catalogue entry. */
  readonly fixture: WireFixtureName | WireFixture;
  readonly chunking?: WriteChunking;
  /** Real milliseconds between writes (slow drip). Default 0. */
  readonly delayMs?: number;
}

/**
 * Something that goes wrong while a generated response is being written.
 * "Chunks" are the output deltas (content, refusal or tool-argument deltas),
 * not counting the opening events (role chunk, `message_start`, …).
 */
export type StreamFault =
  /** Read the request, then never answer (no status line) until the client gives up. */
  | { readonly type: 'stall-before-headers' }
  /** Send status and headers and `afterChunks` chunks, then go silent (connection stays open). */
  | { readonly type: 'stall'; readonly afterChunks: number }
  /**
   * After `afterChunks` chunks, send the dialect's mid-stream error and end:
   * OpenAI `data: {"error": …}`; Anthropic `event: error`; OpenRouter a chunk
   * with a top-level `error` and `finish_reason: "error"`, then `[DONE]`.
   * `status` picks the error type (default 500; Anthropic 529 `overloaded_error`;
   * OpenRouter 502). Non-streaming requests get the error as an HTTP status instead.
   */
  | {
      readonly type: 'error-event';
      readonly afterChunks: number;
      readonly status?: number;
      readonly message?: string;
      /**
       * Extra fields of the event's error object (OpenAI `param`, Anthropic
       * `request_id`…), e.g. to echo a key outside the message. Non-streaming
       * requests get them in the HTTP error body.
       */
      readonly fields?: Readonly<Record<string, unknown>>;
    }
  /** After `afterChunks` chunks, end the response cleanly without a finish, usage or `[DONE]`. */
  | { readonly type: 'truncate'; readonly afterChunks: number }
  /** After `afterChunks` chunks, destroy the socket (the client sees a connection reset). */
  | { readonly type: 'reset'; readonly afterChunks: number }
  /** After `afterChunks` chunks, send an event whose `data:` is not valid JSON, then end. */
  | { readonly type: 'malformed-event'; readonly afterChunks: number };

/** Finish as the scripted model sees it; each dialect writes its own reason. */
export type ScriptedFinish = 'stop' | 'length' | 'content_filter';

/**
 * Generate a response for a JSON value (or raw text) in the request's mode:
 * `json_schema` / `json_object` / `prompt` → content (text) deltas; `tool` →
 * OpenAI `tool_calls` argument deltas or Anthropic `tool_use` + `input_json_delta`.
 * Streaming requests get SSE; `stream: false` requests get the JSON body
 * (`chat.completion` / `message`) built from the same script.
 */
export interface GenerateScript {
  readonly kind: 'generate';
  /** The value the model writes as compact JSON. Default `{}` when `text` is absent too. */
  readonly json?: unknown;
  /** Or the exact text (malformed JSON, prose, a truncated value). Wins over `json`. */
  readonly text?: string;
  /** Output mode. Default: the mode the request asks for (see {@link RecordedRequest.mode}). */
  readonly mode?: OutputMode;
  /** Characters (code points) per delta. Default 8. */
  readonly chunkSize?: number;
  /** Response id. Default `chatcmpl-fake-N` / `msg_fake_N` / `gen-fake-N`. */
  readonly id?: string;
  /** Response model. Default: the request's `model`. */
  readonly model?: string;
  /**
   * Token counts reported. Default: input = ceil(request body characters / 4),
   * output = number of chunks. OpenAI sends usage on streams only when the request
   * sets `stream_options.include_usage` (a chunk with `choices: []`); OpenRouter
   * and Anthropic always send it.
   */
  readonly usage?: { readonly inputTokens: number; readonly outputTokens: number };
  /**
   * Default `'stop'` (OpenAI `stop`, Anthropic `end_turn` or `tool_use`).
   * `'length'`: OpenAI `length`, Anthropic `max_tokens`. `'content_filter'`:
   * OpenAI `content_filter`, Anthropic `refusal`.
   */
  readonly finish?: ScriptedFinish;
  /**
   * Refuse instead of answering: OpenAI streams `delta.refusal` text with
   * `finish_reason: "stop"`; Anthropic streams it as text and stops with
   * `stop_reason: "refusal"`.
   */
  readonly refusal?: string;
  /** Tool name in `tool` mode. Default: the tool the request forces, else `'json'`. */
  readonly toolName?: string;
  /**
   * Send a keep-alive after every N chunks: OpenRouter `: OPENROUTER PROCESSING`,
   * Anthropic `event: ping`, OpenAI an SSE comment. (OpenRouter streams always start
   * with one comment and Anthropic streams with one ping, as recorded.)
   */
  readonly keepAliveEvery?: number;
  readonly fault?: StreamFault;
  readonly chunking?: WriteChunking;
  /** Real milliseconds between writes (slow drip). Default 0. */
  readonly delayMs?: number;
  /** Real milliseconds before the status line is sent. Default 0. */
  readonly headersDelayMs?: number;
  /** Extra response headers sent with the 200 (a stream's, or the JSON body's). */
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * Answer with an HTTP error in the dialect's JSON body shape: OpenAI
 * `{error:{message,type,param,code}}`, Anthropic `{type:'error',error:{type,message}}`,
 * OpenRouter `{error:{code,message}}`.
 */
export interface ErrorScript {
  readonly kind: 'error';
  readonly status: number;
  readonly message?: string;
  /** Error `type` in the body. Default: the dialect's type for the status (e.g. 529 `overloaded_error`). */
  readonly type?: string;
  /** OpenAI `code`. Default: the dialect's code for the status (e.g. 429 `rate_limit_exceeded`). */
  readonly code?: string | null;
  /** Sent as `retry-after` (seconds, or an HTTP date as a string). */
  readonly retryAfter?: number | string;
  /** Sent as `retry-after-ms`. */
  readonly retryAfterMs?: number;
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * Extra fields of the body's error object (OpenAI `param`, Anthropic
   * `request_id`…), e.g. to echo a key outside the message.
   */
  readonly fields?: Readonly<Record<string, unknown>>;
  /** Real milliseconds before the status line is sent. Default 0. */
  readonly headersDelayMs?: number;
}

/**
 * Answer with a status (default 200) and a body that is not a completion, as a
 * proxy or captive portal does: by default an HTML sign-in page as
 * `text/html`. `body` and `contentType` give any other, e.g. `'{}'` or
 * `'{"choices":"x"}'` as `application/json`. The same for streaming and
 * non-streaming requests.
 */
export interface NotCompletionScript {
  readonly kind: 'not-completion';
  /** Default 200. */
  readonly status?: number;
  /** Default: `CAPTIVE_PORTAL_PAGE`, a network sign-in page. */
  readonly body?: string;
  /** Default `text/html; charset=utf-8`. */
  readonly contentType?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** Destroy the connection without answering (the client sees a reset / "socket hang up"). */
export interface ResetScript {
  readonly kind: 'reset';
}

/** What the server does for one request. */
export type WireScript =
  | ReplayScript
  | GenerateScript
  | ErrorScript
  | ResetScript
  | NotCompletionScript;

/** Chooses a script from the recorded request. */
export type WireScriptFactory = (request: RecordedRequest) => WireScript;

/** One request the server received. */
export interface RecordedRequest {
  /** 0 for the first request this server received. */
  readonly index: number;
  readonly method: string;
  /** Path with query, e.g. `/v1/chat/completions`. */
  readonly path: string;
  /** Header names lower-case; secrets included (assert the key was sent). Use {@link redactedHeaders} for snapshots. */
  readonly headers: Readonly<Record<string, string>>;
  /** The same headers with `authorization`, `x-api-key`, `api-key`, `cookie`, … replaced by `'[redacted]'`. */
  readonly redactedHeaders: Readonly<Record<string, string>>;
  /** The API key sent (`Authorization: Bearer …` or `x-api-key`), if any. */
  readonly apiKey: string | undefined;
  /** The raw request body. */
  readonly rawBody: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  readonly body: unknown;
  /** `model` from the body. */
  readonly model: string | undefined;
  /** `stream: true` in the body. */
  readonly stream: boolean;
  /**
   * The output mode the body asks for. OpenAI/OpenRouter: `response_format`
   * json_schema → `json_schema`; forced `tool_choice` function → `tool`;
   * `response_format` json_object → `json_object`; else `prompt`. Anthropic:
   * `output_config.format` (or `output_format`) json_schema → `json_schema`;
   * `tool_choice: {type: 'tool'}` → `tool`; else `prompt`.
   */
  readonly mode: OutputMode;
  /** The schema sent for `json_schema` / `tool` modes. */
  readonly schema: JsonSchema | undefined;
  /** The schema's (or forced tool's) name. */
  readonly schemaName: string | undefined;
  /** The SDK's retry counter header (`x-stainless-retry-count`), if sent. */
  readonly retryCount: number | undefined;
  /** True once the client closed the connection before the response ended. */
  readonly clientDisconnected: boolean;
  /** A secret-free copy for snapshots and logs (also what `JSON.stringify` gives). */
  toJSON(): Record<string, unknown>;
}

export interface WireServerOptions {
  readonly dialect: WireDialect;
  /** Scripts for the first requests, in order (as if passed to `enqueue`). */
  readonly scripts?: readonly WireScript[];
  /** Script used once the queue is empty. Default: a 500 error saying no script was queued. */
  readonly defaultScript?: WireScript | WireScriptFactory;
}

/** A fake provider API on 127.0.0.1 (ephemeral port). */
export interface WireServer {
  readonly dialect: WireDialect;
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /**
   * What to pass as the SDK's `baseURL`: `<url>/v1` (OpenAI), `<url>` (Anthropic,
   * whose SDK adds `/v1/messages`), `<url>/api/v1` (OpenRouter).
   */
  readonly baseURL: string;
  readonly port: number;
  /** Every request received, in order. */
  readonly requests: readonly RecordedRequest[];
  /** Responses still being written (a stalled stream counts until its client disconnects). */
  readonly openResponses: number;
  /** Scripts for the next requests, one per request, in order. */
  enqueue(...scripts: WireScript[]): void;
  /** The script for requests that find the queue empty. */
  setDefault(script: WireScript | WireScriptFactory): void;
  /** Forgets recorded requests and queued scripts (the default script stays). */
  reset(): void;
  /** Ends open responses and connections at once and stops listening. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Names of the recorded fixtures in `fixtures/wire/`. */
export type WireFixtureName =
  | 'anthropic-incomplete-partial-json'
  | 'anthropic-json-output-format'
  | 'anthropic-json-tool'
  | 'anthropic-text'
  | 'anthropic-tool-use-no-args'
  | 'anthropic-tool-use'
  | 'openai-chat-json-schema-1'
  | 'openai-chat-json-schema-leading-newlines-variant'
  | 'openai-chat-json-schema-length-truncated'
  | 'openai-chat-json-schema-logprobs'
  | 'openai-chat-json-schema-n3-choices'
  | 'openai-chat-refusal-logprobs'
  | 'openai-chat-tool-call-strict'
  | 'openai-chat-tool-calls-parallel'
  | 'openai-compatible-alibaba-tool-call'
  | 'openai-compatible-groq-error-midstream'
  | 'openai-compatible-tool-call-index-1'
  | 'openrouter-error-midstream'
  | 'openrouter-reasoning-text';

/**
 * What a provider and the engine should make of a fixture when it is replayed
 * for a call in the fixture's `mode`.
 */
export interface WireFixtureExpectation {
  /**
   * The JSON text of the structured output: the concatenated `text-delta`
   * parts a provider emits (content for json_schema/prompt, the arguments of
   * the first tool call for tool mode). Empty when the stream carries none.
   */
  readonly text: string;
  /** The provider's finish part; undefined when the stream ends in an error. */
  readonly finishReason: FinishReason | undefined;
  /** The finish reason as written on the wire (`stop`, `tool_calls`, `end_turn`, `max_tokens` …). */
  readonly wireFinishReason: string | undefined;
  readonly usage: Usage | undefined;
  readonly id: string;
  readonly model: string;
  /** Set when the provider must fail mid-stream with a StructuredLLMError. */
  readonly providerError?: {
    readonly category: ErrorCategory;
    readonly status?: number;
    /** A fragment of the server's message the error should carry. */
    readonly messageIncludes: string;
  };
  /**
   * What the engine's request ends with: the validated value (`value`), or a
   * failure of this category (content_filter for a refusal, length for a
   * truncated value, parse for prose, the provider error's category).
   */
  readonly engine:
    | { readonly outcome: 'value'; readonly value: unknown }
    | { readonly outcome: 'error'; readonly category: ErrorCategory };
}

/** One recorded stream in `fixtures/wire/`, with what it should produce. */
export interface WireFixture {
  readonly name: WireFixtureName;
  /** File name, e.g. `openai-chat-json-schema-1.sse`. */
  readonly file: string;
  /** Absolute path of the file. */
  readonly path: string;
  /** The server dialect that replays it. */
  readonly dialect: WireDialect;
  /** The output mode of the call that produced it. */
  readonly mode: OutputMode;
  /** False for the one hand-edited variant (see fixtures/wire/SOURCES.md). */
  readonly recorded: boolean;
  readonly description: string;
  readonly expected: WireFixtureExpectation;
}
