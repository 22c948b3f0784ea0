import type { OutputMode, StructuredProvider } from '@structllm/core';
import {
  type ConnectionSettings,
  type ProviderCall,
  type ProviderCapabilities,
  redactingLogger,
  resolveConnection,
} from '@structllm/core/provider';
import OpenAI, { type ClientOptions } from 'openai';
import { ALL_MODES, openAIModelModes, resolveCapabilities } from './capabilities.ts';
import { createOpenAICompatibleProvider, type MaxTokensParameter } from './chat-provider.ts';

const OPENAI_API_ORIGIN = 'https://api.openai.com';

interface CommonOptions {
  /** Routing prefix. Default `'openai'` (serves `'openai/gpt-4o'`). */
  readonly id?: string;
  /**
   * Capabilities per model; return undefined to use the built-in table. Wins
   * over `modes`.
   */
  readonly supports?: (model: string) => ProviderCapabilities | undefined;
  /** The output modes of every model (skips the built-in table), e.g. `['json_object', 'prompt']` for an old server. */
  readonly modes?: readonly OutputMode[];
  /**
   * Which field carries `maxOutputTokens`. Default `max_completion_tokens` on
   * api.openai.com (required by reasoning models), `max_tokens` elsewhere.
   */
  readonly maxTokensParameter?: MaxTokensParameter;
  /** Ask for token usage on streams (`stream_options.include_usage`). Default true. */
  readonly streamUsage?: boolean;
  /** Extra fields merged into every request body. */
  readonly requestBody?: (call: ProviderCall) => Readonly<Record<string, unknown>> | undefined;
}

/** Use a client you built; it is not modified (SDK retries are switched off per request). */
export interface OpenAIProviderClientOptions extends CommonOptions {
  readonly client: OpenAI;
}

/**
 * Let the provider build the client. `apiKey` defaults to `process.env.OPENAI_API_KEY`,
 * `baseURL` to `process.env.OPENAI_BASE_URL`, else `https://api.openai.com/v1`; `timeout`
 * is the SDK's (default 10 minutes).
 */
export interface OpenAIProviderSettings extends CommonOptions, ConnectionSettings {
  readonly client?: undefined;
  readonly organization?: string;
  readonly project?: string;
  /** Any other `openai` client option. `maxRetries` is always 0: the engine retries. */
  readonly clientOptions?: Omit<ClientOptions, 'maxRetries'>;
}

export type OpenAIProviderOptions = OpenAIProviderClientOptions | OpenAIProviderSettings;

function isOpenAIOrigin(baseURL: string | undefined): boolean {
  return baseURL === undefined || baseURL.startsWith(OPENAI_API_ORIGIN);
}

/**
 * A StructuredProvider for OpenAI chat completions (and OpenAI-compatible
 * servers such as Ollama and vLLM via `baseURL`) on the official `openai` SDK.
 *
 * Modes: `json_schema` (`response_format` with `strict` when the schema allows
 * it), `tool` (a forced function call), `json_object` and `prompt`.
 */
export function createOpenAIProvider(options: OpenAIProviderOptions = {}): StructuredProvider {
  const id = options.id ?? 'openai';
  const supports = (model: string) =>
    resolveCapabilities(model, {
      ...(options.supports === undefined ? {} : { supports: options.supports }),
      ...(options.modes === undefined ? {} : { modes: options.modes }),
      known: openAIModelModes,
      fallback: ALL_MODES,
    });
  const common = {
    id,
    label: 'OpenAI',
    supports,
    ...(options.streamUsage === undefined ? {} : { streamUsage: options.streamUsage }),
    ...(options.requestBody === undefined ? {} : { requestBody: options.requestBody }),
  };

  if (options.client !== undefined) {
    const client = options.client;
    return createOpenAICompatibleProvider({
      ...common,
      client,
      maxTokensParameter:
        options.maxTokensParameter ??
        (isOpenAIOrigin(client.baseURL) ? 'max_completion_tokens' : 'max_tokens'),
      ...(typeof client.apiKey === 'string' && client.apiKey !== ''
        ? { secrets: [client.apiKey] }
        : {}),
    });
  }

  const connection = resolveConnection(options, {
    label: 'OpenAI',
    environmentPrefix: 'OPENAI',
    factory: 'createOpenAIProvider',
  });
  const { apiKey } = connection;
  const custom = !isOpenAIOrigin(connection.baseURL);
  const maxTokensParameter =
    options.maxTokensParameter ?? (custom ? 'max_tokens' : 'max_completion_tokens');

  if (apiKey === undefined && !custom) {
    // Calls fail (category auth) rather than the factory, so a service can still start and fall back.
    return createOpenAICompatibleProvider({
      ...common,
      maxTokensParameter,
      client: () => {
        throw connection.missingKeyError();
      },
    });
  }

  const client = new OpenAI({
    ...options.clientOptions,
    // At debug level (OPENAI_LOG=debug) the SDK logs headers and error bodies: keep the key out.
    ...(apiKey === undefined
      ? {}
      : { logger: redactingLogger(options.clientOptions?.logger ?? console, [apiKey]) }),
    // Local servers (Ollama, vLLM without --api-key) need no key, but the SDK wants one.
    apiKey: apiKey ?? 'no-key',
    ...(options.organization === undefined ? {} : { organization: options.organization }),
    ...(options.project === undefined ? {} : { project: options.project }),
    ...connection.clientOptions,
  });
  return createOpenAICompatibleProvider({
    ...common,
    client,
    maxTokensParameter,
    ...(apiKey === undefined ? {} : { secrets: [apiKey] }),
  });
}
