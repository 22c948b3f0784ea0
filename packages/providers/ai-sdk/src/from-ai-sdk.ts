import { type OutputMode, StructuredLLMError, type StructuredProvider } from '@structllm/core';
import {
  abortedError,
  type ProviderCall,
  type ProviderCapabilities,
  type ProviderPart,
  type ProviderResult,
} from '@structllm/core/provider';
import { toCallOptions, toolName } from './call-options.ts';
import { toStructuredError, unsupportedModeError } from './errors.ts';
import type { AISDKLanguageModel, AISDKStreamPart, AISDKStreamResult } from './language-model.ts';
import {
  featureDefeatingMode,
  finishReasonOf,
  generatedText,
  isCutOff,
  type ModelFinish,
  readFinish,
  usageOf,
} from './results.ts';

const ALL_MODES: readonly OutputMode[] = Object.freeze([
  'json_schema',
  'tool',
  'json_object',
  'prompt',
]);

export interface FromAISDKOptions {
  /**
   * Routing prefix. Default: the model's provider name up to the first dot
   * (`openai.chat` → `'openai'`, so `'openai/gpt-4o'` routes here).
   */
  readonly id?: string;
  /** The output modes the model takes, best first. Default all four. */
  readonly modes?: readonly OutputMode[];
  /**
   * Secrets (the API key you gave the AI SDK provider) to keep out of error
   * messages. Errors never keep the AI SDK's error object, so this only
   * matters for an API whose error message repeats the key.
   */
  readonly secrets?: readonly string[];
}

type Fields = Readonly<Record<string, unknown>>;

const field = (part: AISDKStreamPart, name: string): unknown => (part as Fields)[name];
const text = (part: AISDKStreamPart, name: string): string | undefined => {
  const value = field(part, name);
  return typeof value === 'string' ? value : undefined;
};

/**
 * A content filter or a refusal. OpenAI-style refusals reach the AI SDK's
 * stream as text followed by a `content-filter` finish: the words are shown.
 */
function contentFilterError(finish: ModelFinish, answer: string): StructuredLLMError {
  const words = answer.trim();
  const refusal = words !== '' && !/^[[{]/.test(words);
  return new StructuredLLMError({
    category: 'content_filter',
    code: refusal ? 'refusal' : 'content_filter',
    message: refusal
      ? `The model refused: ${words.length > 500 ? `${words.slice(0, 500)}…` : words}`
      : `The answer was stopped by a content filter${finish.raw === undefined ? '' : ` (finish reason "${finish.raw}")`}`,
  });
}

/** Whether text starts like a JSON value: undefined while it is only whitespace. */
function startsLikeJson(text: string): boolean | undefined {
  const first = text.trimStart()[0];
  return first === undefined ? undefined : first === '{' || first === '[';
}

function unknownModel(id: string, served: string, asked: string): StructuredLLMError {
  return new StructuredLLMError({
    category: 'bad_request',
    code: 'unknown_model',
    message: `Provider "${id}" serves the AI SDK model "${served}" only, not "${asked}"; register one fromAISDK provider per model`,
  });
}

/**
 * A StructuredProvider over any AI SDK language model (`LanguageModelV3` of
 * `ai` 6 providers, `LanguageModelV4` of `ai` 7 providers): Gemini, Vertex,
 * Mistral, Bedrock, Azure, Groq, xAI, DeepSeek, Cohere, Ollama…
 *
 * ```ts
 * import { openai } from '@ai-sdk/openai';
 * const provider = fromAISDK(openai.chat('gpt-4o')); // serves 'openai/gpt-4o'
 * ```
 *
 * The model's `doStream` / `doGenerate` make one request each (retries live
 * in `ai`'s `generateText`, not in the provider spec): the engine is the only
 * retry layer.
 */
export function fromAISDK(
  model: AISDKLanguageModel,
  options: FromAISDKOptions = {},
): StructuredProvider {
  const id = options.id ?? (model.provider.split('.')[0] || 'ai-sdk');
  const modes = options.modes ?? ALL_MODES;
  const secrets = options.secrets ?? [];
  const label = model.provider;
  const mapError = (error: unknown, call: ProviderCall) =>
    toStructuredError(error, { signal: call.signal, secrets, label });

  function check(call: ProviderCall): void {
    if (call.signal.aborted) throw abortedError(call.signal);
    if (call.model !== model.modelId) throw unknownModel(id, model.modelId, call.model);
  }

  function checkWarnings(call: ProviderCall, warnings: unknown): void {
    const feature = featureDefeatingMode(call.mode, warnings);
    if (feature !== undefined) {
      throw unsupportedModeError(
        `${label} (${model.modelId}) does not support ${feature}, which the "${call.mode}" output mode needs`,
        secrets,
      );
    }
  }

  async function* parts(
    call: ProviderCall,
    result: AISDKStreamResult,
  ): AsyncGenerator<ProviderPart> {
    const reader = result.stream.getReader();
    // A model whose stream ignores the signal still stops: the read in progress ends.
    const onAbort = () => {
      reader.cancel(call.signal.reason).catch(() => {});
    };
    call.signal.addEventListener('abort', onAbort, { once: true });
    let metadataSent = false;
    // In `tool` mode the answer is the first tool call (the only tool offered, and forced).
    let toolCallId: string | undefined;
    let toolText = '';
    // OpenAI-style refusals reach the AI SDK's stream as plain text: in the JSON modes, text
    // is held until it starts like JSON; prose is held until the finish says what it was.
    let held = '';
    let holdingProse = call.mode === 'json_schema' || call.mode === 'json_object';
    let finish: { readonly reason: ModelFinish; readonly usage: unknown } | undefined;
    let ended = false;
    try {
      while (true) {
        let next: ReadableStreamReadResult<AISDKStreamPart>;
        try {
          next = await reader.read();
        } catch (error) {
          throw mapError(error, call);
        }
        if (next.done) break;
        const part = next.value;
        switch (part.type) {
          case 'stream-start':
            checkWarnings(call, field(part, 'warnings'));
            break;
          case 'response-metadata': {
            const responseId = text(part, 'id');
            const modelId = text(part, 'modelId');
            if (!metadataSent && (responseId || modelId)) {
              metadataSent = true;
              yield {
                type: 'metadata',
                ...(responseId ? { id: responseId } : {}),
                ...(modelId ? { model: modelId } : {}),
              };
            }
            break;
          }
          case 'text-delta': {
            const delta = text(part, 'delta');
            if (call.mode === 'tool' || !delta) break;
            if (!holdingProse) {
              yield { type: 'text-delta', delta };
              break;
            }
            held += delta;
            if (startsLikeJson(held) === true) {
              holdingProse = false;
              yield { type: 'text-delta', delta: held };
              held = '';
            }
            break;
          }
          case 'tool-input-start':
            if (call.mode === 'tool') toolCallId ??= text(part, 'id');
            break;
          case 'tool-input-delta': {
            const delta = text(part, 'delta');
            if (call.mode === 'tool' && text(part, 'id') === toolCallId && delta) {
              toolText += delta;
              yield { type: 'text-delta', delta };
            }
            break;
          }
          case 'tool-call': {
            // Providers that do not stream tool input send the whole call at once.
            if (call.mode !== 'tool') break;
            toolCallId ??= text(part, 'toolCallId');
            if (text(part, 'toolCallId') !== toolCallId || toolText !== '') break;
            const input = field(part, 'input');
            const whole =
              typeof input === 'string' ? input : input === undefined ? '' : JSON.stringify(input);
            if (whole !== '') {
              toolText = whole;
              yield { type: 'text-delta', delta: whole };
            }
            break;
          }
          case 'error':
            throw mapError(field(part, 'error'), call);
          case 'finish':
            finish = {
              reason: readFinish(field(part, 'finishReason')),
              usage: field(part, 'usage'),
            };
            break;
          default:
            break;
        }
      }
      ended = true;
    } finally {
      call.signal.removeEventListener('abort', onAbort);
      // Stopped early (an error, an abort, the consumer gone): release the connection.
      if (!ended) reader.cancel().catch(() => {});
    }
    if (call.signal.aborted) throw abortedError(call.signal);
    if (finish === undefined || isCutOff(finish.reason)) {
      throw new StructuredLLMError({
        category: 'network',
        code: 'stream_truncated',
        message: `The ${label} stream ended before the model finished (no finish reason)`,
      });
    }
    if (finish.reason.unified === 'content-filter') throw contentFilterError(finish.reason, held);
    // Prose that was no refusal: the engine judges it (it fails to parse, and the model is re-asked).
    if (held !== '') yield { type: 'text-delta', delta: held };
    // A tool called with no arguments at all was called with `{}`.
    if (call.mode === 'tool' && toolCallId !== undefined && toolText === '') {
      yield { type: 'text-delta', delta: '{}' };
    }
    const usage = usageOf(finish.usage);
    yield {
      type: 'finish',
      finishReason: finishReasonOf(finish.reason),
      ...(usage === undefined ? {} : { usage }),
    };
  }

  return {
    specificationVersion: 'v1',
    id,
    // The model's stream is cancelled when the signal aborts, whether it heeds it or not.
    abortEndsReads: true,
    supports(name: string): ProviderCapabilities {
      if (name !== model.modelId) throw unknownModel(id, model.modelId, name);
      return { streaming: true, modes };
    },

    async doStream(call) {
      check(call);
      let result: AISDKStreamResult;
      try {
        result = await model.doStream(toCallOptions(call, id));
      } catch (error) {
        throw mapError(error, call);
      }
      return parts(call, result);
    },

    async doGenerate(call): Promise<ProviderResult> {
      check(call);
      let result: Awaited<ReturnType<AISDKLanguageModel['doGenerate']>>;
      try {
        result = await model.doGenerate(toCallOptions(call, id));
      } catch (error) {
        throw mapError(error, call);
      }
      checkWarnings(call, result.warnings);
      const finish = readFinish(result.finishReason);
      const usage = usageOf(result.usage);
      const response = result.response;
      const answer = generatedText(
        Array.isArray(result.content) ? result.content : [],
        call.mode,
        toolName(call.schemaName),
        result.structuredOutputText,
      );
      if (finish.unified === 'content-filter') throw contentFilterError(finish, answer);
      return {
        text: answer,
        finishReason: finishReasonOf(finish),
        ...(response?.id ? { id: response.id } : {}),
        ...(response?.modelId ? { model: response.modelId } : {}),
        ...(usage === undefined ? {} : { usage }),
      };
    },
  };
}
