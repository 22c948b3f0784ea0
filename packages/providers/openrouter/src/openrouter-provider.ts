import { type OutputMode, StructuredLLMError, type StructuredProvider } from '@structllm/core';
import {
  type ConnectionSettings,
  type ProviderCall,
  type ProviderCapabilities,
  redactingLogger,
  resolveConnection,
} from '@structllm/core/provider';
import {
  ALL_MODES,
  createOpenAICompatibleProvider,
  openAIModelModes,
  resolveCapabilities,
} from '@structllm/openai';
import OpenAI, { type ClientOptions } from 'openai';

export const OPENROUTER_BASE_URL = 'https://openrouter.ai/api/v1';

/**
 * OpenRouter's provider routing preferences (the request's `provider` object).
 * Known fields are typed; any other field OpenRouter adds passes through.
 */
export interface OpenRouterRouting {
  /** Provider slugs to try first, in order (e.g. `['anthropic', 'openai']`). */
  readonly order?: readonly string[];
  /** Whether other providers may serve the request when those in `order` fail. Default true. */
  readonly allow_fallbacks?: boolean;
  /** Only route to providers that support every parameter of the request (e.g. `response_format`). */
  readonly require_parameters?: boolean;
  readonly data_collection?: 'allow' | 'deny';
  /** Only these providers. */
  readonly only?: readonly string[];
  /** Never these providers. */
  readonly ignore?: readonly string[];
  readonly quantizations?: readonly string[];
  readonly sort?: 'price' | 'throughput' | 'latency';
  readonly max_price?: Readonly<Record<string, number>>;
  readonly [field: string]: unknown;
}

interface CommonOptions {
  /** Routing prefix. Default `'openrouter'` (serves `'openrouter/anthropic/claude-sonnet-4.5'`). */
  readonly id?: string;
  /** Your app's URL, sent as `HTTP-Referer` (OpenRouter attribution). */
  readonly appUrl?: string;
  /** Alias of `appUrl`. */
  readonly referer?: string;
  /** Your app's name, sent as `X-Title`. */
  readonly appTitle?: string;
  /** Provider routing preferences sent with every request (`provider`). */
  readonly provider?: OpenRouterRouting;
  /** OpenRouter's own model fallback list (`models`), tried by OpenRouter after the requested model. */
  readonly models?: readonly string[];
  /** Capabilities per model; return undefined for the default. Wins over `modes`. */
  readonly supports?: (model: string) => ProviderCapabilities | undefined;
  /** The output modes of every model. */
  readonly modes?: readonly OutputMode[];
  /** Extra fields merged into every request body (after `provider` and `models`). */
  readonly requestBody?: (call: ProviderCall) => Readonly<Record<string, unknown>> | undefined;
}

export interface OpenRouterProviderClientOptions extends CommonOptions {
  /** An `openai` client pointed at OpenRouter; not modified (SDK retries are switched off per request). */
  readonly client: OpenAI;
}

/**
 * Let the provider build the client. `apiKey` defaults to `process.env.OPENROUTER_API_KEY`,
 * `baseURL` to `process.env.OPENROUTER_BASE_URL`, else `https://openrouter.ai/api/v1`.
 */
export interface OpenRouterProviderSettings extends CommonOptions, ConnectionSettings {
  readonly client?: undefined;
  /** Any other `openai` client option. `maxRetries` is always 0: the engine retries. */
  readonly clientOptions?: Omit<ClientOptions, 'maxRetries'>;
}

export type OpenRouterProviderOptions =
  | OpenRouterProviderClientOptions
  | OpenRouterProviderSettings;

/**
 * Modes per OpenRouter model id ('vendor/model'): OpenAI models by the OpenAI
 * family table; every other model gets all four modes (OpenRouter answers 4xx
 * when no endpoint takes a parameter, and the engine then degrades the mode).
 */
export function openRouterModelModes(model: string): readonly OutputMode[] {
  if (model.startsWith('openai/')) return openAIModelModes(model.slice(7)) ?? ALL_MODES;
  return ALL_MODES;
}

const NO_ENDPOINT = /no endpoints found|no allowed providers/i;

/**
 * A StructuredProvider for OpenRouter's OpenAI-compatible API, on the official
 * `openai` SDK: the OpenAI modes plus provider routing, a model fallback list
 * and attribution headers.
 */
export function createOpenRouterProvider(
  options: OpenRouterProviderOptions = {},
): StructuredProvider {
  const id = options.id ?? 'openrouter';
  const referer = options.appUrl ?? options.referer;
  const headers: Record<string, string> = {
    ...(options.client === undefined ? options.headers : undefined),
    ...(referer === undefined ? {} : { 'HTTP-Referer': referer }),
    ...(options.appTitle === undefined ? {} : { 'X-Title': options.appTitle }),
  };
  const extra: Record<string, unknown> = {
    ...(options.provider === undefined ? {} : { provider: { ...options.provider } }),
    ...(options.models === undefined ? {} : { models: [...options.models] }),
  };
  const common = {
    id,
    label: 'OpenRouter',
    maxTokensParameter: 'max_tokens' as const,
    supports: (model: string) =>
      resolveCapabilities(model, {
        ...(options.supports === undefined ? {} : { supports: options.supports }),
        ...(options.modes === undefined ? {} : { modes: options.modes }),
        known: openRouterModelModes,
        fallback: ALL_MODES,
      }),
    ...(Object.keys(headers).length === 0 ? {} : { headers }),
    requestBody: (call: ProviderCall) => ({ ...extra, ...options.requestBody?.(call) }),
    // "No endpoints found that support …": the parameters of this mode have no taker; degrade.
    refineError: (error: StructuredLLMError, call: ProviderCall) =>
      error.category === 'bad_request' &&
      error.code !== 'unsupported_mode' &&
      call.mode !== 'prompt' &&
      NO_ENDPOINT.test(error.message)
        ? new StructuredLLMError({
            category: 'bad_request',
            code: 'unsupported_mode',
            message: error.message,
            ...(error.status === undefined ? {} : { status: error.status }),
            cause: error,
          })
        : error,
  };

  if (options.client !== undefined) {
    const client = options.client;
    return createOpenAICompatibleProvider({
      ...common,
      client,
      ...(typeof client.apiKey === 'string' && client.apiKey !== ''
        ? { secrets: [client.apiKey] }
        : {}),
    });
  }

  // The headers go with each request (beside the attribution headers), not as client defaults.
  const { apiKey: key, baseURL, fetch, timeout } = options;
  const connection = resolveConnection(
    { apiKey: key, baseURL, fetch, timeout },
    {
      label: 'OpenRouter',
      environmentPrefix: 'OPENROUTER',
      factory: 'createOpenRouterProvider',
    },
  );
  const { apiKey } = connection;
  if (apiKey === undefined) {
    return createOpenAICompatibleProvider({
      ...common,
      client: () => {
        throw connection.missingKeyError();
      },
    });
  }
  const client = new OpenAI({
    ...options.clientOptions,
    // At debug level (OPENAI_LOG=debug) the SDK logs headers and error bodies: keep the key out.
    logger: redactingLogger(options.clientOptions?.logger ?? console, [apiKey]),
    apiKey,
    // The SDK would read OPENAI_ORG_ID / OPENAI_PROJECT_ID: OpenRouter takes neither.
    organization: null,
    project: null,
    ...connection.clientOptions,
    baseURL: connection.baseURL ?? OPENROUTER_BASE_URL,
  });
  return createOpenAICompatibleProvider({ ...common, client, secrets: [apiKey] });
}
