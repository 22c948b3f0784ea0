import {
  type OutputMode,
  type ProviderCall,
  type ProviderCapabilities,
  StructuredLLMError,
  type StructuredProvider,
} from '@structllm/core';
import { environmentSetting, redactingLogger } from '@structllm/core/provider';
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

export interface OpenRouterProviderSettings extends CommonOptions {
  readonly client?: undefined;
  /** Default `process.env.OPENROUTER_API_KEY`. */
  readonly apiKey?: string;
  /** Default `process.env.OPENROUTER_BASE_URL`, else `https://openrouter.ai/api/v1`. */
  readonly baseURL?: string;
  /** Headers sent with every request. */
  readonly headers?: Readonly<Record<string, string>>;
  readonly fetch?: typeof globalThis.fetch;
  /** Request timeout in milliseconds (the SDK's). Maps to category `timeout`. */
  readonly timeout?: number;
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

  const apiKey = options.apiKey ?? environmentSetting('OPENROUTER_API_KEY');
  if (apiKey === undefined) {
    return createOpenAICompatibleProvider({
      ...common,
      client: () => {
        throw new StructuredLLMError({
          category: 'auth',
          code: 'missing_api_key',
          message:
            'No OpenRouter API key: set the OPENROUTER_API_KEY environment variable or pass apiKey to createOpenRouterProvider',
        });
      },
    });
  }
  const client = new OpenAI({
    ...options.clientOptions,
    // At debug level (OPENAI_LOG=debug) the SDK logs headers and error bodies: keep the key out.
    logger: redactingLogger(options.clientOptions?.logger ?? console, [apiKey]),
    apiKey,
    baseURL: options.baseURL ?? environmentSetting('OPENROUTER_BASE_URL') ?? OPENROUTER_BASE_URL,
    // The SDK would read OPENAI_ORG_ID / OPENAI_PROJECT_ID: OpenRouter takes neither.
    organization: null,
    project: null,
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    ...(options.timeout === undefined ? {} : { timeout: options.timeout }),
    maxRetries: 0,
  });
  return createOpenAICompatibleProvider({ ...common, client, secrets: [apiKey] });
}
