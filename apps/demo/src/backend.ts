import { formatWithOptions } from 'node:util';
import { createAnthropicProvider } from '@structllm/anthropic';
import {
  type Observer,
  type ProgressEstimator,
  type RequestTimeouts,
  type RetryOptions,
  StructuredLLMError,
  StructuredLLMService,
  type StructuredProvider,
} from '@structllm/core';
import { createOpenAIProvider } from '@structllm/openai';
import { createOpenRouterProvider } from '@structllm/openrouter';
import {
  type FaultName,
  type SimulatedModel,
  startSimulatedModel,
} from './simulated/simulated-model.ts';

export type Env = Readonly<Record<string, string | undefined>>;

export interface BackendOptions {
  /** Use the embedded simulated model even when API keys are set. */
  readonly simulated?: boolean;
  /** An OpenAI-compatible server (Ollama, vLLM, LM Studio): `http://localhost:11434/v1`. */
  readonly baseURL?: string;
  /** Key for `baseURL`, if the server wants one. */
  readonly apiKey?: string;
  /** Faults the simulated model injects: every request meets them, in order, on its first calls. */
  readonly faults?: readonly FaultName[];
  /** Simulated model: real milliseconds between chunks. */
  readonly paceMs?: number;
  /** Where API keys are read from. Default `process.env`. */
  readonly env?: Env;
}

export interface Backend {
  readonly kind: 'simulated' | 'custom' | 'real';
  /** One line saying what the demo talks to (never a key). */
  readonly description: string;
  readonly providers: readonly StructuredProvider[];
  readonly defaultModel: string;
  /** Model names offered in the web form. */
  readonly suggestedModels: readonly string[];
  readonly retry: RetryOptions;
  readonly timeouts: RequestTimeouts;
  /** Set in simulated mode. */
  readonly simulated: SimulatedModel | undefined;
  close(): Promise<void>;
}

function keyOf(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

/** True when no key and no base URL is configured: the demo runs on its embedded model. */
function usesSimulatedModel(options: BackendOptions): boolean {
  const env = options.env ?? process.env;
  if (options.simulated === true) return true;
  if (options.baseURL !== undefined) return false;
  return (
    keyOf(env, 'OPENAI_API_KEY') === undefined &&
    keyOf(env, 'ANTHROPIC_API_KEY') === undefined &&
    keyOf(env, 'OPENROUTER_API_KEY') === undefined
  );
}

/**
 * Chooses what the demo talks to: the embedded simulated model (no key), an
 * OpenAI-compatible server (`baseURL`), or the real providers whose keys are set.
 */
export async function connectBackend(options: BackendOptions = {}): Promise<Backend> {
  const env = options.env ?? process.env;
  if (usesSimulatedModel(options)) {
    const simulated = await startSimulatedModel({
      ...(options.faults === undefined ? {} : { faultsPerRequest: options.faults }),
      ...(options.paceMs === undefined ? {} : { paceMs: options.paceMs }),
    });
    return {
      kind: 'simulated',
      description: `embedded simulated model (no API key): a fake OpenAI-compatible server at ${simulated.baseURL}, reached through @structllm/openai`,
      providers: simulated.providers,
      defaultModel: 'openai/gpt-4o-mini',
      suggestedModels: [
        'openai/gpt-4o-mini',
        'openai/gpt-4.1-mini',
        'anthropic/claude-haiku-4-5',
        'openrouter/meta-llama/llama-3.1-70b-instruct',
      ],
      // Short waits so recovery is visible without waiting seconds.
      retry: { baseDelayMs: 150, maxDelayMs: 1000 },
      // A stalled stream is noticed after 1 s of silence; a stalled non-streaming call after 5 s.
      timeouts: { idleMs: 1000, firstChunkMs: 5000 },
      simulated,
      close: () => simulated.close(),
    };
  }
  if (options.faults !== undefined && options.faults.length > 0) {
    throw usageError(
      '--fault needs the embedded simulated model (unset the API keys, or pass --simulated)',
    );
  }
  const common = {
    retry: {},
    timeouts: { idleMs: 60_000 },
    simulated: undefined,
    close: async () => {},
  } as const;
  if (options.baseURL !== undefined) {
    let url: URL;
    try {
      url = new URL(options.baseURL);
    } catch {
      throw usageError(
        `--base-url: "${options.baseURL}" is not a URL (e.g. http://localhost:11434/v1)`,
      );
    }
    const logger = sdkLogger([options.apiKey]);
    return {
      ...common,
      kind: 'custom',
      description: `OpenAI-compatible server at ${url.origin}${url.pathname} (through @structllm/openai)${options.apiKey === undefined ? '' : ', with the API key from --api-key'}`,
      providers: [
        createOpenAIProvider({
          id: 'local',
          baseURL: options.baseURL,
          ...(options.apiKey === undefined ? {} : { apiKey: options.apiKey }),
          clientOptions: { logger },
        }),
      ],
      defaultModel: 'local/llama3.1',
      suggestedModels: ['local/llama3.1', 'local/qwen2.5'],
    };
  }
  const openai = keyOf(env, 'OPENAI_API_KEY');
  const anthropic = keyOf(env, 'ANTHROPIC_API_KEY');
  const openrouter = keyOf(env, 'OPENROUTER_API_KEY');
  // A proxy or gateway in front of a provider: the variables the official SDKs read, taken from `env`.
  const openaiURL = keyOf(env, 'OPENAI_BASE_URL');
  const anthropicURL = keyOf(env, 'ANTHROPIC_BASE_URL');
  const openrouterURL = keyOf(env, 'OPENROUTER_BASE_URL');
  const logger = sdkLogger([openai, anthropic, openrouter]);
  const at = (variable: string, url: string | undefined) =>
    url === undefined ? '' : `, ${variable}=${originOf(url)}`;
  const using = [
    openai === undefined ? undefined : `OpenAI (OPENAI_API_KEY${at('OPENAI_BASE_URL', openaiURL)})`,
    anthropic === undefined
      ? undefined
      : `Anthropic (ANTHROPIC_API_KEY${at('ANTHROPIC_BASE_URL', anthropicURL)})`,
    openrouter === undefined
      ? undefined
      : `OpenRouter (OPENROUTER_API_KEY${at('OPENROUTER_BASE_URL', openrouterURL)})`,
  ].filter((item) => item !== undefined);
  const defaultModel =
    openai !== undefined
      ? 'openai/gpt-4o-mini'
      : anthropic !== undefined
        ? 'anthropic/claude-haiku-4-5'
        : 'openrouter/openai/gpt-4o-mini';
  return {
    ...common,
    kind: 'real',
    description: `real models: ${using.join(', ')}`,
    // Every provider is registered: one whose key is missing fails with category auth naming the variable.
    providers: [
      createOpenAIProvider({
        ...(openai === undefined ? {} : { apiKey: openai }),
        ...(openaiURL === undefined ? {} : { baseURL: openaiURL }),
        clientOptions: { logger },
      }),
      createAnthropicProvider({
        ...(anthropic === undefined ? {} : { apiKey: anthropic }),
        ...(anthropicURL === undefined ? {} : { baseURL: anthropicURL }),
        clientOptions: { logger },
      }),
      createOpenRouterProvider({
        ...(openrouter === undefined ? {} : { apiKey: openrouter }),
        ...(openrouterURL === undefined ? {} : { baseURL: openrouterURL }),
        clientOptions: { logger },
      }),
    ],
    defaultModel,
    suggestedModels: [
      ...(openai === undefined ? [] : ['openai/gpt-4o-mini', 'openai/gpt-4.1-mini']),
      ...(anthropic === undefined
        ? []
        : ['anthropic/claude-haiku-4-5', 'anthropic/claude-sonnet-4-5']),
      ...(openrouter === undefined ? [] : ['openrouter/openai/gpt-4o-mini']),
    ],
  };
}

type SdkLogFn = (message: string, ...rest: unknown[]) => void;

/**
 * The SDKs' own log lines (`OPENAI_LOG=debug`, `ANTHROPIC_LOG=debug`) with the
 * keys replaced: at debug level the SDKs print response headers and error
 * bodies, which hold the key when a server echoes it back. All go to stderr,
 * so `--json` output on stdout stays parseable.
 */
function sdkLogger(secrets: readonly (string | undefined)[]): {
  readonly error: SdkLogFn;
  readonly warn: SdkLogFn;
  readonly info: SdkLogFn;
  readonly debug: SdkLogFn;
} {
  const keys = secrets.filter((key): key is string => key !== undefined && key.length >= 4);
  const write: SdkLogFn = (message, ...rest) => {
    let text = formatWithOptions({ depth: 6, colors: false }, message, ...rest);
    for (const key of keys) text = text.split(key).join('[redacted]');
    process.stderr.write(`${text}\n`);
  };
  return { error: write, warn: write, info: write, debug: write };
}

/** A URL without its user, password, query or fragment (which may hold a token): safe to print. */
function originOf(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return '(not a URL)';
  }
}

/** A service on the backend's providers with the backend's retry settings. */
export function createService(
  backend: Backend,
  extra: {
    readonly observers?: readonly Observer[];
    /** Shared by every service of one server, so what one run learned warms the next. */
    readonly progressEstimator?: ProgressEstimator;
  } = {},
): StructuredLLMService {
  return new StructuredLLMService({
    providers: backend.providers,
    defaultModel: backend.defaultModel,
    ...(backend.kind === 'custom' ? { defaultProvider: 'local' } : {}),
    ...(backend.kind === 'simulated' ? { defaultProvider: 'openai' } : {}),
    retry: backend.retry,
    ...(extra.observers === undefined ? {} : { observers: extra.observers }),
    ...(extra.progressEstimator === undefined
      ? {}
      : { progressEstimator: extra.progressEstimator }),
  });
}

/** A mistake in how the demo was called (a bad flag or value): the CLI exits with code 2. */
export function usageError(message: string): StructuredLLMError {
  return new StructuredLLMError({ category: 'bad_request', code: 'usage', message });
}

export function isUsageError(error: unknown): error is StructuredLLMError {
  return StructuredLLMError.is(error) && error.code === 'usage';
}
