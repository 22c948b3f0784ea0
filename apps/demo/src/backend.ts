import { createAnthropicProvider } from '@structllm/anthropic';
import {
  type Observer,
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
  /** Faults the simulated model injects into the first requests. */
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
export function usesSimulatedModel(options: BackendOptions): boolean {
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
      ...(options.faults === undefined ? {} : { faults: options.faults }),
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
    return {
      ...common,
      kind: 'custom',
      description: `OpenAI-compatible server at ${url.origin}${url.pathname} (through @structllm/openai)${options.apiKey === undefined ? '' : ', with the API key from --api-key'}`,
      providers: [
        createOpenAIProvider({
          id: 'local',
          baseURL: options.baseURL,
          ...(options.apiKey === undefined ? {} : { apiKey: options.apiKey }),
        }),
      ],
      defaultModel: 'local/llama3.1',
      suggestedModels: ['local/llama3.1', 'local/qwen2.5'],
    };
  }
  const openai = keyOf(env, 'OPENAI_API_KEY');
  const anthropic = keyOf(env, 'ANTHROPIC_API_KEY');
  const openrouter = keyOf(env, 'OPENROUTER_API_KEY');
  const using = [
    openai === undefined ? undefined : 'OpenAI (OPENAI_API_KEY)',
    anthropic === undefined ? undefined : 'Anthropic (ANTHROPIC_API_KEY)',
    openrouter === undefined ? undefined : 'OpenRouter (OPENROUTER_API_KEY)',
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
      createOpenAIProvider(openai === undefined ? {} : { apiKey: openai }),
      createAnthropicProvider(anthropic === undefined ? {} : { apiKey: anthropic }),
      createOpenRouterProvider(openrouter === undefined ? {} : { apiKey: openrouter }),
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

/** A service on the backend's providers with the backend's retry settings. */
export function createService(
  backend: Backend,
  extra: { readonly observers?: readonly Observer[] } = {},
): StructuredLLMService {
  return new StructuredLLMService({
    providers: backend.providers,
    defaultModel: backend.defaultModel,
    ...(backend.kind === 'custom' ? { defaultProvider: 'local' } : {}),
    ...(backend.kind === 'simulated' ? { defaultProvider: 'openai' } : {}),
    retry: backend.retry,
    ...(extra.observers === undefined ? {} : { observers: extra.observers }),
  });
}

/** A mistake in how the demo was called (a bad flag or value): the CLI exits with code 2. */
export function usageError(message: string): StructuredLLMError {
  return new StructuredLLMError({ category: 'bad_request', code: 'usage', message });
}

export function isUsageError(error: unknown): error is StructuredLLMError {
  return StructuredLLMError.is(error) && error.code === 'usage';
}
