import {
  type OutputMode,
  type ProviderCall,
  type ProviderCapabilities,
  StructuredLLMError,
  type StructuredProvider,
} from '@structllm/core';
import { environmentSetting, redactingLogger } from '@structllm/core/provider';
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

/** Let the provider build the client. */
export interface OpenAIProviderSettings extends CommonOptions {
  readonly client?: undefined;
  /** Default `process.env.OPENAI_API_KEY`. */
  readonly apiKey?: string;
  /** Default `process.env.OPENAI_BASE_URL`, else `https://api.openai.com/v1`. */
  readonly baseURL?: string;
  readonly organization?: string;
  readonly project?: string;
  /** Headers sent with every request. */
  readonly headers?: Readonly<Record<string, string>>;
  /** A fetch implementation (proxies, tests). */
  readonly fetch?: typeof globalThis.fetch;
  /** Request timeout in milliseconds (the SDK's; default 10 minutes). Maps to category `timeout`. */
  readonly timeout?: number;
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

  const baseURL = options.baseURL ?? environmentSetting('OPENAI_BASE_URL');
  const custom = !isOpenAIOrigin(baseURL);
  const apiKey = options.apiKey ?? environmentSetting('OPENAI_API_KEY');
  const maxTokensParameter =
    options.maxTokensParameter ?? (custom ? 'max_tokens' : 'max_completion_tokens');

  if (apiKey === undefined && !custom) {
    // Calls fail (category auth) rather than the factory, so a service can still start and fall back.
    const missing = () =>
      new StructuredLLMError({
        category: 'auth',
        code: 'missing_api_key',
        message:
          'No OpenAI API key: set the OPENAI_API_KEY environment variable or pass apiKey to createOpenAIProvider',
      });
    return createOpenAICompatibleProvider({
      ...common,
      maxTokensParameter,
      client: () => {
        throw missing();
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
    ...(baseURL === undefined ? {} : { baseURL }),
    ...(options.organization === undefined ? {} : { organization: options.organization }),
    ...(options.project === undefined ? {} : { project: options.project }),
    ...(options.headers === undefined ? {} : { defaultHeaders: { ...options.headers } }),
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    ...(options.timeout === undefined ? {} : { timeout: options.timeout }),
    maxRetries: 0,
  });
  return createOpenAICompatibleProvider({
    ...common,
    client,
    maxTokensParameter,
    ...(apiKey === undefined ? {} : { secrets: [apiKey] }),
  });
}
