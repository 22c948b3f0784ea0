/**
 * The part of the AI SDK language model specification (`@ai-sdk/provider`)
 * this adapter uses, written structurally so that models of both spec versions
 * that `ai` 6 and `ai` 7 providers implement — `LanguageModelV3` and
 * `LanguageModelV4` — fit it, whichever `@ai-sdk/provider` major is installed.
 * Stream parts and results are read defensively: they are checked at run time.
 */

/** A JSON Schema object, as the spec's `JSONSchema7` takes it. */
type SchemaObject = object;

/** A JSON value, as the spec's provider options hold them. */
export type AISDKJsonValue =
  | null
  | string
  | number
  | boolean
  | AISDKJsonValue[]
  | { [key: string]: AISDKJsonValue | undefined };

/** Options per AI SDK provider name (`{ openai: { reasoningEffort: 'low' } }`). */
export type AISDKProviderOptions = Record<string, { [key: string]: AISDKJsonValue | undefined }>;

interface TextPart {
  type: 'text';
  text: string;
}

export type AISDKMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: TextPart[] }
  | { role: 'assistant'; content: TextPart[] };

/** What `fromAISDK` passes to `doStream` / `doGenerate` (a subset of the spec's call options). */
export interface AISDKCallOptions {
  readonly prompt: AISDKMessage[];
  readonly maxOutputTokens?: number;
  readonly temperature?: number;
  readonly responseFormat?:
    | { readonly type: 'text' }
    | {
        readonly type: 'json';
        readonly schema?: SchemaObject;
        readonly name?: string;
        readonly description?: string;
      };
  readonly tools?: Array<{
    readonly type: 'function';
    readonly name: string;
    readonly description?: string;
    readonly inputSchema: SchemaObject;
  }>;
  readonly toolChoice?: { readonly type: 'tool'; readonly toolName: string };
  readonly abortSignal?: AbortSignal;
  readonly providerOptions?: AISDKProviderOptions;
}

/** One part of a model's stream; its other fields are read by `type` at run time. */
export type AISDKStreamPart = { readonly type: string };

export interface AISDKStreamResult {
  readonly stream: ReadableStream<AISDKStreamPart>;
}

export interface AISDKGenerateResult {
  readonly content: ReadonlyArray<{ readonly type: string }>;
  readonly finishReason: unknown;
  readonly usage?: unknown;
  readonly warnings?: readonly unknown[];
  /** V4: the structured output as text, when the provider reports it apart from the content. */
  readonly structuredOutputText?: string;
  readonly response?: { readonly id?: string; readonly modelId?: string };
}

/**
 * An AI SDK language model: what `openai.chat('gpt-4o')`, `anthropic('claude-…')`,
 * `google('gemini-…')`, `mistral(…)` and the other providers return.
 */
export interface AISDKLanguageModel {
  readonly specificationVersion: 'v3' | 'v4';
  /** The provider's name, e.g. `'openai.chat'`. */
  readonly provider: string;
  /** The provider's model id, e.g. `'gpt-4o'`. */
  readonly modelId: string;
  doStream(options: AISDKCallOptions): PromiseLike<AISDKStreamResult>;
  doGenerate(options: AISDKCallOptions): PromiseLike<AISDKGenerateResult>;
}
