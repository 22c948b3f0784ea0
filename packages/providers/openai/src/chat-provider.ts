import {
  type FinishReason,
  type Message,
  StructuredLLMError,
  type StructuredProvider,
  type Usage,
} from '@structllm/core';
import {
  abortedError,
  type ProviderCall,
  type ProviderCapabilities,
  type ProviderPart,
  type ProviderResult,
  serverOf,
  unexpectedAnswerError,
} from '@structllm/core/provider';
import { isStrictCompatible } from '@structllm/core/strict';
import OpenAI from 'openai';
import { toStructuredError } from './errors.ts';

type ChatCompletionChunk = OpenAI.Chat.Completions.ChatCompletionChunk;
type ChatCompletion = OpenAI.Chat.Completions.ChatCompletion;
type ChatMessage = OpenAI.Chat.Completions.ChatCompletionMessageParam;

/** Which request field carries the output token limit. */
export type MaxTokensParameter = 'max_completion_tokens' | 'max_tokens';

/**
 * The building block of `createOpenAIProvider` and `@structllm/openrouter`: a
 * StructuredProvider over any chat-completions API reached through the
 * `openai` SDK.
 */
export interface OpenAICompatibleProviderConfig {
  /** Routing prefix ('openai' serves 'openai/gpt-4o'). */
  readonly id: string;
  /** Name used in error messages ('OpenAI', 'OpenRouter', …). */
  readonly label: string;
  /**
   * The SDK client. A function is called on every request and may throw a
   * StructuredLLMError (e.g. `auth` when no API key is configured).
   */
  readonly client: OpenAI | (() => OpenAI);
  readonly supports: (model: string) => ProviderCapabilities;
  /** Default `max_completion_tokens`. Many OpenAI-compatible servers only read `max_tokens`. */
  readonly maxTokensParameter?: MaxTokensParameter;
  /** Ask for a usage chunk on streams (`stream_options.include_usage`). Default true. */
  readonly streamUsage?: boolean;
  /** Extra fields merged into every request body (e.g. OpenRouter routing options). */
  readonly requestBody?: (call: ProviderCall) => Readonly<Record<string, unknown>> | undefined;
  /** Extra headers sent with every request. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Secrets that must never appear in an error message (the API key). */
  readonly secrets?: readonly string[];
  /** Adjusts a mapped error (e.g. a gateway's own wording for an unsupported mode). */
  readonly refineError?: (error: StructuredLLMError, call: ProviderCall) => StructuredLLMError;
}

/** OpenAI names: letters, digits, `_` and `-`, at most 64 characters. */
export function wireName(name: string): string {
  const cleaned = name.replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, 64);
  return cleaned === '' ? 'response' : cleaned;
}

export function finishReasonOf(reason: string | null | undefined): FinishReason {
  switch (reason) {
    case 'stop':
    case 'tool_calls':
    case 'function_call':
      return 'stop';
    case 'length':
    case 'content_filter':
    case 'error':
      return reason;
    default:
      return 'other';
  }
}

function toMessage(message: Message): ChatMessage {
  switch (message.role) {
    case 'system':
      return { role: 'system', content: message.content };
    case 'assistant':
      return { role: 'assistant', content: message.content };
    default:
      return { role: 'user', content: message.content };
  }
}

function usageOf(usage: OpenAI.CompletionUsage | null | undefined): Usage | undefined {
  if (usage === null || usage === undefined) return undefined;
  return { inputTokens: usage.prompt_tokens, outputTokens: usage.completion_tokens };
}

/** The model declined (OpenAI `refusal`): content_filter, with its words. */
function refusalError(text: string): StructuredLLMError {
  const trimmed = text.trim();
  return new StructuredLLMError({
    category: 'content_filter',
    code: 'refusal',
    message: `The model refused: ${trimmed.length > 500 ? `${trimmed.slice(0, 500)}…` : trimmed}`,
  });
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Builds a StructuredProvider on the chat-completions API of the `openai` SDK. */
export function createOpenAICompatibleProvider(
  config: OpenAICompatibleProviderConfig,
): StructuredProvider {
  const secrets = config.secrets ?? [];
  const mapError = (error: unknown, call: ProviderCall): StructuredLLMError => {
    const mapped = toStructuredError(error, { signal: call.signal, secrets, label: config.label });
    return config.refineError === undefined ? mapped : config.refineError(mapped, call);
  };
  const clientOf = () => (typeof config.client === 'function' ? config.client() : config.client);

  function requestBody(call: ProviderCall): Record<string, unknown> {
    const name = wireName(call.schemaName);
    const strict = isStrictCompatible(call.schema);
    const schema = call.schema as Record<string, unknown>;
    const description =
      call.schemaDescription === undefined ? {} : { description: call.schemaDescription };
    const fromOptions = call.providerOptions?.[config.id];
    return {
      model: call.model,
      messages: call.messages.map(toMessage),
      ...(call.maxOutputTokens === undefined
        ? {}
        : { [config.maxTokensParameter ?? 'max_completion_tokens']: call.maxOutputTokens }),
      ...(call.temperature === undefined ? {} : { temperature: call.temperature }),
      ...(call.mode === 'json_schema'
        ? {
            response_format: {
              type: 'json_schema',
              json_schema: { name, ...description, schema, strict },
            },
          }
        : {}),
      ...(call.mode === 'tool'
        ? {
            tools: [
              {
                type: 'function',
                function: { name, ...description, parameters: schema, strict },
              },
            ],
            tool_choice: { type: 'function', function: { name } },
          }
        : {}),
      ...(call.mode === 'json_object' ? { response_format: { type: 'json_object' } } : {}),
      ...config.requestBody?.(call),
      ...(isRecord(fromOptions) ? fromOptions : {}),
    };
  }

  const requestOptions = (call: ProviderCall) => ({
    signal: call.signal,
    maxRetries: 0,
    ...(config.headers === undefined ? {} : { headers: { ...config.headers } }),
  });

  async function* parts(
    call: ProviderCall,
    stream: AsyncIterable<ChatCompletionChunk>,
  ): AsyncGenerator<ProviderPart> {
    let metadataSent = false;
    let toolIndex: number | undefined;
    let toolText = '';
    let finish: FinishReason | undefined;
    let refusal = '';
    let usage: Usage | undefined;
    try {
      for await (const chunk of stream) {
        if (!metadataSent && (chunk.id || chunk.model)) {
          metadataSent = true;
          yield {
            type: 'metadata',
            ...(chunk.id ? { id: chunk.id } : {}),
            ...(chunk.model ? { model: chunk.model } : {}),
          };
        }
        usage = usageOf(chunk.usage) ?? usage;
        const choice = chunk.choices?.find((candidate) => (candidate.index ?? 0) === 0);
        if (choice === undefined) continue;
        const delta = choice.delta;
        if (delta?.refusal) refusal += delta.refusal;
        if (call.mode === 'tool') {
          for (const toolCall of delta?.tool_calls ?? []) {
            // The first tool call is the answer, whatever its index (some servers start at 1).
            toolIndex ??= toolCall.index;
            const args = toolCall.function?.arguments;
            if (toolCall.index === toolIndex && args) {
              toolText += args;
              yield { type: 'text-delta', delta: args };
            }
          }
        } else if (delta?.content) {
          yield { type: 'text-delta', delta: delta.content };
        }
        if (choice.finish_reason) finish = finishReasonOf(choice.finish_reason);
      }
    } catch (error) {
      throw mapError(error, call);
    }
    // The SDK's iterator ends quietly when aborted and when the connection closes without [DONE].
    if (call.signal.aborted) throw abortedError(call.signal);
    if (finish === undefined) {
      throw new StructuredLLMError({
        category: 'network',
        code: 'stream_truncated',
        message: `The ${config.label} stream ended before the model finished (no finish reason)`,
      });
    }
    if (refusal !== '') throw refusalError(refusal);
    // A tool called with no arguments at all was called with `{}`.
    if (call.mode === 'tool' && toolIndex !== undefined && toolText === '') {
      yield { type: 'text-delta', delta: '{}' };
    }
    yield {
      type: 'finish',
      finishReason: finish,
      ...(usage === undefined ? {} : { usage }),
    };
  }

  return {
    specificationVersion: 'v1',
    id: config.id,
    // Where requests go, for telemetry (server.address/port): the client's base URL.
    server: typeof config.client === 'function' ? undefined : serverOf(config.client.baseURL),
    supports: (model) => config.supports(model),
    // The SDK's stream ends once the signal aborts (the fetch is aborted).
    abortEndsReads: true,

    async doStream(call) {
      if (call.signal.aborted) throw abortedError(call.signal);
      let stream: AsyncIterable<ChatCompletionChunk>;
      try {
        const body = {
          ...requestBody(call),
          stream: true,
          ...((config.streamUsage ?? true) ? { stream_options: { include_usage: true } } : {}),
        } as unknown as OpenAI.Chat.Completions.ChatCompletionCreateParamsStreaming;
        stream = await clientOf().chat.completions.create(body, requestOptions(call));
      } catch (error) {
        throw mapError(error, call);
      }
      return parts(call, stream);
    },

    async doGenerate(call): Promise<ProviderResult> {
      if (call.signal.aborted) throw abortedError(call.signal);
      let completion: ChatCompletion;
      try {
        const body = {
          ...requestBody(call),
          stream: false,
        } as unknown as OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming;
        completion = await clientOf().chat.completions.create(body, requestOptions(call));
      } catch (error) {
        throw mapError(error, call);
      }
      // OpenRouter can answer 200 with an error object in the body.
      const bodyError = (completion as { error?: unknown }).error;
      if (isRecord(bodyError)) {
        throw mapError(new OpenAI.APIError(undefined, bodyError, undefined, undefined), call);
      }
      // A proxy's HTML page, `{}` or a `choices` that is not a list is no answer of the model's.
      const choices: unknown = isRecord(completion) ? completion.choices : undefined;
      const choice = Array.isArray(choices)
        ? (completion.choices.find((candidate) => isRecord(candidate) && candidate.index === 0) ??
          completion.choices[0])
        : undefined;
      if (!isRecord(choice) || !isRecord(choice.message)) {
        throw unexpectedAnswerError(config.label, completion, 'a chat completion');
      }
      const message = choice.message;
      let text: string;
      if (call.mode === 'tool') {
        const toolCall = message.tool_calls?.[0];
        const args =
          toolCall !== undefined && 'function' in toolCall
            ? toolCall.function.arguments
            : undefined;
        text = toolCall === undefined ? '' : args === undefined || args === '' ? '{}' : args;
      } else text = message.content ?? '';
      if (message.refusal) throw refusalError(message.refusal);
      const usage = usageOf(completion.usage);
      return {
        text,
        finishReason: finishReasonOf(choice.finish_reason),
        ...(completion.id ? { id: completion.id } : {}),
        ...(completion.model ? { model: completion.model } : {}),
        ...(usage === undefined ? {} : { usage }),
      };
    },
  };
}
