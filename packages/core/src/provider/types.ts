import type { JsonSchema } from '../schema/index.ts';

/** How the model is asked for structured output, from most to least native. */
export type OutputMode = 'json_schema' | 'tool' | 'json_object' | 'prompt';

/** The order in which output modes degrade when a model lacks one. */
export const OUTPUT_MODE_DEGRADATION: readonly OutputMode[] = [
  'json_schema',
  'tool',
  'json_object',
  'prompt',
];

export interface Message {
  readonly role: 'system' | 'user' | 'assistant';
  readonly content: string;
}

/** Everything a provider needs for one call. The engine builds it; providers never retry. */
export interface ProviderCall {
  /** The provider's own model id, prefix removed ('gpt-4o', not 'openai/gpt-4o'). */
  readonly model: string;
  readonly messages: readonly Message[];
  readonly schema: JsonSchema;
  readonly schemaName: string;
  readonly schemaDescription?: string;
  readonly mode: OutputMode;
  /** Aborts the call: the provider must stop reading and release the connection. */
  readonly signal: AbortSignal;
  readonly maxOutputTokens?: number;
  readonly temperature?: number;
  readonly providerOptions?: Readonly<Record<string, unknown>>;
}

export type FinishReason = 'stop' | 'length' | 'content_filter' | 'error' | 'other';

export interface Usage {
  readonly inputTokens?: number;
  readonly outputTokens?: number;
  /** Input tokens read from the provider's prompt cache (part of `inputTokens`). */
  readonly cachedInputTokens?: number;
  /** Output tokens spent on reasoning (part of `outputTokens`). */
  readonly reasoningTokens?: number;
}

/** One piece of a streamed answer. `text-delta` is JSON text of the structured output, whatever the mode. */
export type ProviderPart =
  | { readonly type: 'metadata'; readonly id?: string; readonly model?: string }
  | { readonly type: 'text-delta'; readonly delta: string }
  | { readonly type: 'finish'; readonly finishReason: FinishReason; readonly usage?: Usage };

export interface ProviderResult {
  /** JSON text of the structured output. */
  readonly text: string;
  readonly finishReason: FinishReason;
  readonly usage?: Usage;
  readonly id?: string;
  readonly model?: string;
}

export interface ProviderCapabilities {
  readonly streaming: boolean;
  readonly modes: readonly OutputMode[];
}

/**
 * What a provider plugin implements. Map every SDK failure to a
 * `StructuredLLMError` with the right category (and `retryAfterMs` where the
 * server says so); the engine does retries, fallbacks and validation.
 */
/** Where a provider sends its requests (OpenTelemetry's `server.address` and `server.port`). */
export interface ProviderServer {
  /** Host name or IP address, without scheme or port. */
  readonly address: string;
  readonly port?: number | undefined;
}

export interface StructuredProvider {
  readonly specificationVersion: 'v1';
  /** Routing prefix: 'openai' serves 'openai/gpt-4o'. */
  readonly id: string;
  /** The server it calls, for telemetry (optional). */
  readonly server?: ProviderServer | undefined;
  supports(model: string): ProviderCapabilities;
  /**
   * True when a read of this provider's stream that is still waiting ends once
   * `call.signal` aborts (it rejects, or the stream finishes), as the built-in
   * providers' reads do. The engine then hands each read straight to the consumer.
   * Without it, the engine also watches the abort for every read, at the cost of a
   * promise more per chunk, so that a provider that ignores its signal cannot hold
   * the consumer.
   */
  readonly abortEndsReads?: boolean | undefined;
  doStream(call: ProviderCall): Promise<AsyncIterable<ProviderPart>>;
  doGenerate(call: ProviderCall): Promise<ProviderResult>;
}
