import { StructuredLLMError } from '../errors/structured-llm-error.ts';
import { environmentSetting } from './environment.ts';

/**
 * How a provider that builds its own SDK client reaches the API: the settings every
 * built-in provider takes, with the same defaults and the same words.
 */
export interface ConnectionSettings {
  /** Default: the `<PREFIX>_API_KEY` environment variable. */
  readonly apiKey?: string | undefined;
  /** Default: the `<PREFIX>_BASE_URL` environment variable, else the API's own. */
  readonly baseURL?: string | undefined;
  /** Headers sent with every request. */
  readonly headers?: Readonly<Record<string, string>> | undefined;
  /** A fetch implementation (proxies, tests). */
  readonly fetch?: typeof globalThis.fetch | undefined;
  /** Request timeout in milliseconds (the SDK's). Maps to category `timeout`. */
  readonly timeout?: number | undefined;
}

/** Who the settings are for: names for the environment and for messages. */
export interface ConnectionTarget {
  /** The API's name in messages, e.g. `'OpenAI'`. */
  readonly label: string;
  /** The prefix of its environment variables: `'OPENAI'` reads `OPENAI_API_KEY` and `OPENAI_BASE_URL`. */
  readonly environmentPrefix: string;
  /** The provider's factory, named in the missing-key message, e.g. `'createOpenAIProvider'`. */
  readonly factory: string;
}

/** Options every SDK client here takes, from {@link ConnectionSettings}; only those set are present. */
export interface ConnectionClientOptions {
  readonly baseURL?: string;
  readonly defaultHeaders?: Record<string, string>;
  readonly fetch?: typeof globalThis.fetch;
  readonly timeout?: number;
  /** Always 0: the engine retries, not the SDK. */
  readonly maxRetries: 0;
}

/** {@link ConnectionSettings} with their defaults applied. */
export interface Connection {
  /** The setting, else `<PREFIX>_API_KEY`; undefined when neither is set. */
  readonly apiKey: string | undefined;
  /** The setting, else `<PREFIX>_BASE_URL`; undefined means the API's own. */
  readonly baseURL: string | undefined;
  /** What to pass to the SDK client (after your own options, so that these win). */
  readonly clientOptions: ConnectionClientOptions;
  /**
   * The error (category `auth`, code `missing_api_key`) a call fails with when there is
   * no key: calls fail rather than the factory, so a service can still start and fall back.
   */
  missingKeyError(): StructuredLLMError;
}

/**
 * Applies the defaults of {@link ConnectionSettings}: the key and base URL from the
 * environment when not given, and the SDK client options they make.
 *
 * ```ts
 * const connection = resolveConnection(options, {
 *   label: 'Acme', environmentPrefix: 'ACME', factory: 'createAcmeProvider',
 * });
 * const client = new AcmeSDK({ ...options.clientOptions, apiKey: connection.apiKey, ...connection.clientOptions });
 * ```
 */
export function resolveConnection(
  settings: ConnectionSettings,
  target: ConnectionTarget,
): Connection {
  const prefix = target.environmentPrefix;
  const apiKey = settings.apiKey ?? environmentSetting(`${prefix}_API_KEY`);
  const baseURL = settings.baseURL ?? environmentSetting(`${prefix}_BASE_URL`);
  const { headers, fetch, timeout } = settings;
  return {
    apiKey,
    baseURL,
    clientOptions: {
      ...(baseURL === undefined ? {} : { baseURL }),
      ...(headers === undefined ? {} : { defaultHeaders: { ...headers } }),
      ...(fetch === undefined ? {} : { fetch }),
      ...(timeout === undefined ? {} : { timeout }),
      maxRetries: 0,
    },
    missingKeyError: () =>
      new StructuredLLMError({
        category: 'auth',
        code: 'missing_api_key',
        message: `No ${target.label} API key: set the ${prefix}_API_KEY environment variable or pass apiKey to ${target.factory}`,
      }),
  };
}
