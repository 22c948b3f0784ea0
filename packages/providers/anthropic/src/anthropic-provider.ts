import Anthropic, { type ClientOptions } from '@anthropic-ai/sdk';
import {
  type FinishReason,
  type OutputMode,
  StructuredLLMError,
  type StructuredProvider,
  type Usage,
} from '@structllm/core';
import {
  abortedError,
  type ConnectionSettings,
  environmentSetting,
  type ProviderCall,
  type ProviderCapabilities,
  type ProviderPart,
  type ProviderResult,
  redactingLogger,
  resolveConnection,
  serverOf,
  unexpectedAnswerError,
} from '@structllm/core/provider';
import { toStructuredError } from './errors.ts';

type StreamEvent = Anthropic.Messages.RawMessageStreamEvent;
type MessageParam = Anthropic.Messages.MessageParam;

/** `max_tokens` is required by the Messages API; this is sent when a request sets no limit. */
export const DEFAULT_MAX_TOKENS = 4096;

const WITH_SCHEMA: readonly OutputMode[] = Object.freeze(['json_schema', 'tool', 'prompt']);
const WITHOUT_SCHEMA: readonly OutputMode[] = Object.freeze(['tool', 'prompt']);

/** Lowest version per family with structured outputs (`output_config.format`). */
const STRUCTURED_OUTPUT_SINCE: Readonly<Record<string, number>> = Object.freeze({
  opus: 4.1,
  sonnet: 4.5,
  haiku: 4.5,
});

/**
 * Whether a Claude model takes `output_config.format` json_schema: Sonnet 4.5,
 * Opus 4.1, Haiku 4.5 and later versions of each family. Reads names like
 * `claude-sonnet-4-5`, `claude-opus-4-1-20250805`, `claude-haiku-4-5@20251001`;
 * older names (`claude-3-7-sonnet-…`) and unknown ones are false.
 */
export function supportsStructuredOutputs(model: string): boolean {
  const match = /(?:^|[/.])claude-(opus|sonnet|haiku)-(\d+)(?:-(\d{1,2}))?(?![\d])/.exec(model);
  if (match === null) return false;
  const since = STRUCTURED_OUTPUT_SINCE[match[1] as string];
  if (since === undefined) return false;
  const version = Number(match[2]) + Number(match[3] ?? 0) / 10;
  return version >= since - 1e-9;
}

interface CommonOptions {
  /** Routing prefix. Default `'anthropic'` (serves `'anthropic/claude-sonnet-4-5'`). */
  readonly id?: string;
  /** Capabilities per model; return undefined for the built-in rule. Wins over everything else. */
  readonly supports?: (model: string) => ProviderCapabilities | undefined;
  /** The output modes of every model. */
  readonly modes?: readonly OutputMode[];
  /**
   * Which models get `json_schema` (structured outputs): `true` for all, `false`
   * for none, or a predicate. Default {@link supportsStructuredOutputs}.
   */
  readonly structuredOutputs?: boolean | ((model: string) => boolean);
  /** `max_tokens` when a request sets no `maxOutputTokens`. Default 4096. */
  readonly defaultMaxTokens?: number;
  /** Extra fields merged into every request body. */
  readonly requestBody?: (call: ProviderCall) => Readonly<Record<string, unknown>> | undefined;
}

/** Use a client you built; it is not modified (SDK retries are switched off per request). */
export interface AnthropicProviderClientOptions extends CommonOptions {
  readonly client: Anthropic;
}

/**
 * Let the provider build the client. `apiKey` defaults to `process.env.ANTHROPIC_API_KEY`
 * (else `ANTHROPIC_AUTH_TOKEN` is sent as a bearer token), `baseURL` to
 * `process.env.ANTHROPIC_BASE_URL`, else `https://api.anthropic.com`; `headers` go with
 * every request (e.g. `anthropic-beta`).
 */
export interface AnthropicProviderSettings extends CommonOptions, ConnectionSettings {
  readonly client?: undefined;
  /** Any other `@anthropic-ai/sdk` client option. `maxRetries` is always 0: the engine retries. */
  readonly clientOptions?: Omit<ClientOptions, 'maxRetries'>;
}

export type AnthropicProviderOptions = AnthropicProviderClientOptions | AnthropicProviderSettings;

/** Tool names: letters, digits, `_` and `-`, at most 64 characters. */
function toolName(name: string): string {
  const cleaned = name.replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, 64);
  return cleaned === '' ? 'response' : cleaned;
}

export function finishReasonOf(reason: string | null | undefined): FinishReason {
  switch (reason) {
    case 'end_turn':
    case 'tool_use':
    case 'stop_sequence':
      return 'stop';
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'refusal':
      return 'content_filter';
    default:
      return 'other';
  }
}

/** True once `text` holds the start of a JSON value (or a code fence around one). */
function jsonHasBegun(text: string): boolean {
  return /^\s*[{["\d-]|^\s*(true|false|null)\b|[{[`]/.test(text);
}

function excerpt(text: string): string {
  const trimmed = text.trim();
  return trimmed.length > 500 ? `${trimmed.slice(0, 500)}…` : trimmed;
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

/** Input tokens including prompt-cache reads and writes (Anthropic counts them apart). */
function inputTokensOf(usage: unknown): number | undefined {
  if (!isRecord(usage) || typeof usage.input_tokens !== 'number') return undefined;
  return (
    usage.input_tokens +
    count(usage.cache_creation_input_tokens) +
    count(usage.cache_read_input_tokens)
  );
}

/**
 * A StructuredProvider for the Anthropic Messages API on the official
 * `@anthropic-ai/sdk`. Modes: `json_schema` (structured outputs,
 * `output_config.format`) where the model has it, `tool` (a forced tool whose
 * `input_json_delta`s are the JSON text) and `prompt`.
 */
export function createAnthropicProvider(
  options: AnthropicProviderOptions = {},
): StructuredProvider {
  const id = options.id ?? 'anthropic';
  const structured = options.structuredOutputs ?? supportsStructuredOutputs;
  const hasStructuredOutputs = (model: string) =>
    typeof structured === 'function' ? structured(model) : structured;

  let client: Anthropic | undefined;
  let secrets: readonly string[] = [];
  let missingKey: StructuredLLMError | undefined;
  if (options.client !== undefined) {
    client = options.client;
    if (typeof client.apiKey === 'string' && client.apiKey !== '') secrets = [client.apiKey];
    if (typeof client.authToken === 'string' && client.authToken !== '') {
      secrets = [...secrets, client.authToken];
    }
  } else {
    const connection = resolveConnection(options, {
      label: 'Anthropic',
      environmentPrefix: 'ANTHROPIC',
      factory: 'createAnthropicProvider',
    });
    const { apiKey } = connection;
    const authToken =
      options.apiKey === undefined ? environmentSetting('ANTHROPIC_AUTH_TOKEN') : undefined;
    if (apiKey === undefined && authToken === undefined) {
      missingKey = connection.missingKeyError();
    } else {
      client = new Anthropic({
        ...options.clientOptions,
        // At debug level (ANTHROPIC_LOG=debug) the SDK logs error bodies: keep the key out.
        logger: redactingLogger(options.clientOptions?.logger ?? console, [apiKey, authToken]),
        ...(apiKey === undefined ? { apiKey: null, authToken } : { apiKey, authToken: null }),
        ...connection.clientOptions,
      });
      secrets = [apiKey ?? authToken ?? ''];
    }
  }

  const mapError = (error: unknown, call: ProviderCall) =>
    toStructuredError(error, { signal: call.signal, secrets });

  function clientFor(call: ProviderCall): Anthropic {
    if (call.signal.aborted) throw abortedError(call.signal);
    if (client === undefined) throw missingKey ?? new Error('no client');
    return client;
  }

  function requestBody(call: ProviderCall): Record<string, unknown> {
    const system = call.messages
      .filter((message) => message.role === 'system')
      .map((message) => message.content)
      .join('\n\n');
    const messages: MessageParam[] = call.messages
      .filter((message) => message.role !== 'system')
      .map((message) => ({
        role: message.role === 'assistant' ? 'assistant' : 'user',
        content: message.content,
      }));
    const name = toolName(call.schemaName);
    const fromOptions = call.providerOptions?.[id];
    return {
      model: call.model,
      max_tokens: call.maxOutputTokens ?? options.defaultMaxTokens ?? DEFAULT_MAX_TOKENS,
      messages,
      ...(system === '' ? {} : { system }),
      ...(call.temperature === undefined ? {} : { temperature: call.temperature }),
      ...(call.mode === 'json_schema'
        ? { output_config: { format: { type: 'json_schema', schema: call.schema } } }
        : {}),
      ...(call.mode === 'tool'
        ? {
            tools: [
              {
                name,
                ...(call.schemaDescription === undefined
                  ? {}
                  : { description: call.schemaDescription }),
                input_schema: call.schema,
              },
            ],
            tool_choice: { type: 'tool', name },
          }
        : {}),
      ...options.requestBody?.(call),
      ...(isRecord(fromOptions) ? fromOptions : {}),
    };
  }

  const requestOptions = (call: ProviderCall) => ({ signal: call.signal, maxRetries: 0 });

  async function* parts(
    call: ProviderCall,
    stream: AsyncIterable<StreamEvent>,
  ): AsyncGenerator<ProviderPart> {
    let toolBlock: number | undefined;
    let toolText = '';
    let inputTokens: number | undefined;
    let outputTokens: number | undefined;
    let finish: FinishReason | undefined;
    let stopped = false;
    // Leading prose is held back until JSON begins: if the model ends up refusing, the
    // refusal is reported as such instead of reaching the parser as broken JSON.
    let held: string | undefined = call.mode === 'tool' ? undefined : '';
    try {
      for await (const event of stream) {
        switch (event.type) {
          case 'message_start': {
            inputTokens = inputTokensOf(event.message.usage);
            outputTokens = count(event.message.usage?.output_tokens);
            yield { type: 'metadata', id: event.message.id, model: event.message.model };
            break;
          }
          case 'content_block_start':
            // The first tool call is the answer.
            if (event.content_block.type === 'tool_use') toolBlock ??= event.index;
            break;
          case 'content_block_delta': {
            const delta = event.delta;
            if (call.mode === 'tool') {
              if (delta.type === 'input_json_delta' && event.index === toolBlock) {
                if (delta.partial_json !== '') {
                  toolText += delta.partial_json;
                  yield { type: 'text-delta', delta: delta.partial_json };
                }
              }
            } else if (delta.type === 'text_delta' && delta.text !== '') {
              if (held === undefined) yield { type: 'text-delta', delta: delta.text };
              else {
                held += delta.text;
                if (jsonHasBegun(held)) {
                  yield { type: 'text-delta', delta: held };
                  held = undefined;
                }
              }
            }
            break;
          }
          case 'message_delta': {
            if (event.delta.stop_reason) finish = finishReasonOf(event.delta.stop_reason);
            const usage: unknown = event.usage;
            if (isRecord(usage)) {
              if (typeof usage.output_tokens === 'number') outputTokens = usage.output_tokens;
              inputTokens = inputTokensOf(usage) ?? inputTokens;
            }
            break;
          }
          case 'message_stop':
            stopped = true;
            break;
          default:
            break;
        }
      }
    } catch (error) {
      throw mapError(error, call);
    }
    // The SDK's iterator ends quietly when aborted.
    if (call.signal.aborted) throw abortedError(call.signal);
    if (!stopped || finish === undefined) {
      throw new StructuredLLMError({
        category: 'network',
        code: 'stream_truncated',
        message: 'The Anthropic stream ended before the model finished (no message_stop)',
      });
    }
    if (finish === 'content_filter' && held !== undefined && held.trim() !== '') {
      throw new StructuredLLMError({
        category: 'content_filter',
        code: 'refusal',
        message: `The model refused: ${excerpt(held)}`,
      });
    }
    if (held !== undefined && held !== '') yield { type: 'text-delta', delta: held };
    // A tool called with no input at all was called with `{}`.
    if (call.mode === 'tool' && toolBlock !== undefined && toolText === '') {
      yield { type: 'text-delta', delta: '{}' };
    }
    const usage: Usage | undefined =
      inputTokens === undefined && outputTokens === undefined
        ? undefined
        : {
            ...(inputTokens === undefined ? {} : { inputTokens }),
            ...(outputTokens === undefined ? {} : { outputTokens }),
          };
    yield { type: 'finish', finishReason: finish, ...(usage === undefined ? {} : { usage }) };
  }

  return {
    specificationVersion: 'v1',
    id,
    // Where requests go, for telemetry (server.address/port): the client's base URL.
    server: client === undefined ? undefined : serverOf(client.baseURL),
    // The SDK's stream ends once the signal aborts (the fetch is aborted).
    abortEndsReads: true,
    supports(model) {
      const custom = options.supports?.(model);
      if (custom !== undefined) return custom;
      if (options.modes !== undefined) return { streaming: true, modes: options.modes };
      return { streaming: true, modes: hasStructuredOutputs(model) ? WITH_SCHEMA : WITHOUT_SCHEMA };
    },

    async doStream(call) {
      let stream: AsyncIterable<StreamEvent>;
      try {
        const body = {
          ...requestBody(call),
          stream: true,
        } as unknown as Anthropic.Messages.MessageCreateParamsStreaming;
        stream = await clientFor(call).messages.create(body, requestOptions(call));
      } catch (error) {
        throw mapError(error, call);
      }
      return parts(call, stream);
    },

    async doGenerate(call): Promise<ProviderResult> {
      let message: Anthropic.Messages.Message;
      try {
        const body = {
          ...requestBody(call),
          stream: false,
        } as unknown as Anthropic.Messages.MessageCreateParamsNonStreaming;
        message = await clientFor(call).messages.create(body, requestOptions(call));
      } catch (error) {
        throw mapError(error, call);
      }
      // A proxy's HTML page or `{}` is no answer of the model's.
      const content: unknown = isRecord(message) ? message.content : undefined;
      if (!Array.isArray(content) || !content.every(isRecord)) {
        throw unexpectedAnswerError('Anthropic', message, 'a message');
      }
      let text = '';
      if (call.mode === 'tool') {
        const block = message.content.find((candidate) => candidate.type === 'tool_use');
        text = block === undefined ? '' : JSON.stringify(block.input ?? {});
      } else {
        for (const block of message.content) if (block.type === 'text') text += block.text;
      }
      if (message.stop_reason === 'refusal') {
        throw new StructuredLLMError({
          category: 'content_filter',
          code: 'refusal',
          message: `The model refused${text.trim() === '' ? '' : `: ${excerpt(text)}`}`,
        });
      }
      const inputTokens = inputTokensOf(message.usage);
      return {
        text,
        finishReason: finishReasonOf(message.stop_reason),
        id: message.id,
        model: message.model,
        usage: {
          ...(inputTokens === undefined ? {} : { inputTokens }),
          outputTokens: count(message.usage?.output_tokens),
        },
      };
    },
  };
}
