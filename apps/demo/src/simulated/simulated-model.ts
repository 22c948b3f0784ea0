import { createAnthropicProvider } from '@structllm/anthropic';
import type { StructuredProvider } from '@structllm/core';
import { createOpenAIProvider } from '@structllm/openai';
import { createOpenRouterProvider } from '@structllm/openrouter';
import {
  type GenerateScript,
  type RecordedRequest,
  startAnthropicServer,
  startOpenAIServer,
  startOpenRouterServer,
  type WireScript,
  type WireServer,
} from '@structllm/testing';
import { hashSeed, knownContent, seededRandom, valueForSchema } from './content.ts';

/** Failures the simulated model can inject, one per request, to show recovery live. */
export const FAULTS = [
  'rate-limit',
  'server-error',
  'overloaded',
  'stall',
  'midstream-error',
  'malformed',
  'truncate',
  'invalid',
] as const;

export type FaultName = (typeof FAULTS)[number];

export const FAULT_DESCRIPTIONS: Readonly<Record<FaultName, string>> = {
  'rate-limit': 'HTTP 429 with retry-after (category rate_limit)',
  'server-error': 'HTTP 500 (category server)',
  overloaded: 'HTTP 529 overloaded (category server)',
  stall: 'the stream goes silent half-way (category timeout, after the idle timeout)',
  'midstream-error': 'an error event half-way through the stream (category server)',
  malformed: 'an SSE event that is not JSON half-way through (category server)',
  truncate: 'the connection ends half-way without a finish (category network)',
  invalid: 'an answer that breaks the schema (category validation; re-asked)',
};

export function isFault(name: string): name is FaultName {
  return (FAULTS as readonly string[]).includes(name);
}

export interface SimulatedModelOptions {
  /** Faults for the next HTTP calls, in order (each call takes one, whatever request it belongs to). */
  readonly faults?: readonly FaultName[];
  /**
   * Faults every request meets, in order, on its own first calls: the first
   * call of each request fails with the first fault, its retry with the second,
   * and so on. A request is told apart by its prompt (the first user message),
   * so each request of a batch meets them all.
   */
  readonly faultsPerRequest?: readonly FaultName[];
  /**
   * Real milliseconds between chunks. Default: the `STRUCTLLM_DEMO_PACE_MS`
   * environment variable, else 6, less for long answers (about 2.5 s per answer at most).
   */
  readonly paceMs?: number;
  /** Characters per chunk. Default: 3–8, larger for long answers (about 400 chunks at most). */
  readonly chunkChars?: number;
}

/** One of the fake servers, as the demo describes it. */
interface SimulatedServer {
  /** The provider id, the prefix of the models it serves: `openai`. */
  readonly provider: 'openai' | 'anthropic' | 'openrouter';
  /** `fake OpenAI-compatible server` */
  readonly name: string;
  readonly baseURL: string;
  /** The structllm package that reaches it: `@structllm/openai`. */
  readonly packageName: string;
}

export interface SimulatedModel {
  /** The fake OpenAI server's base URL (what `createOpenAIProvider({ baseURL })` gets). */
  readonly baseURL: string;
  /** The fake server that serves `model` (`openai/…`, `anthropic/…`, `openrouter/<vendor>/<model>`), if one does. */
  serverFor(model: string): SimulatedServer | undefined;
  /** `openai` (gpt-4o-mini…), `anthropic` (claude-…) and `openrouter` (vendor/model) providers on the fake servers. */
  readonly providers: readonly StructuredProvider[];
  /** Requests served so far, over every dialect. */
  readonly requests: readonly RecordedRequest[];
  /** Queue faults for the next requests. */
  injectFaults(...faults: FaultName[]): void;
  close(): Promise<void>;
}

/** The API key the providers send to the fake servers (they accept any). */
const DEMO_KEY = 'demo';

function firstUserText(body: unknown): string {
  if (typeof body !== 'object' || body === null) return '';
  const messages = (body as { messages?: unknown }).messages;
  if (!Array.isArray(messages)) return '';
  const user = messages.find(
    (message: unknown) =>
      typeof message === 'object' &&
      message !== null &&
      (message as { role?: unknown }).role === 'user',
  ) as { content?: unknown } | undefined;
  return typeof user?.content === 'string' ? user.content : JSON.stringify(user?.content ?? '');
}

/** The prompt a call carries, the same in every dialect (a string, or text blocks): which request it belongs to. */
function promptOf(body: unknown): string {
  const text = firstUserText(body);
  try {
    const blocks: unknown = JSON.parse(text);
    if (Array.isArray(blocks)) {
      return blocks
        .map((block: unknown) =>
          typeof block === 'object' && block !== null && 'text' in block
            ? String((block as { text: unknown }).text)
            : '',
        )
        .join('');
    }
  } catch {
    // A plain string prompt.
  }
  return text;
}

/** The models the simulated servers serve, for messages: `openai/<model>`, … */
export const SIMULATED_MODEL_FORMS =
  'openai/<model> (e.g. openai/gpt-4o-mini), anthropic/<model> (e.g. anthropic/claude-haiku-4-5) and openrouter/<vendor>/<model> (e.g. openrouter/meta-llama/llama-3.1-70b-instruct)';

/** Which fake server serves a model name, by its prefix; undefined when none does. */
function providerOf(model: string): SimulatedServer['provider'] | undefined {
  const [prefix, ...rest] = model.split('/');
  if (rest.some((part) => part.trim() === '')) return undefined;
  if ((prefix === 'openai' || prefix === 'anthropic') && rest.length === 1) return prefix;
  if (prefix === 'openrouter' && rest.length === 2) return prefix;
  return undefined;
}

/** Top-level properties that identify the demo's example schemas when a request carries no name. */
const SIGNATURES: Readonly<Record<string, readonly string[]>> = {
  user_profile: ['name', 'seniority', 'skills'],
  product_catalogue: ['store', 'products'],
  quarterly_report: ['sections', 'risks', 'recommendations'],
};

/** Which known schema a request asks for: by name, else by its properties (Anthropic's structured output has no name). */
function schemaNameOf(request: RecordedRequest): string | undefined {
  if (request.schemaName !== undefined && request.schemaName in SIGNATURES)
    return request.schemaName;
  const properties = (request.schema as { properties?: Record<string, unknown> } | undefined)
    ?.properties;
  if (properties !== undefined) {
    for (const [name, keys] of Object.entries(SIGNATURES)) {
      if (keys.every((key) => key in properties)) return name;
    }
    return undefined;
  }
  // Prompt and json_object modes carry the schema in the messages.
  for (const name of Object.keys(SIGNATURES)) {
    if (request.rawBody.includes(name)) return name;
  }
  return undefined;
}

/** The answer the simulated model writes for a request. */
function answerFor(request: RecordedRequest): unknown {
  const random = seededRandom(hashSeed(firstUserText(request.body)));
  const known = knownContent(schemaNameOf(request));
  if (known !== undefined) return known(random);
  return valueForSchema(request.schema as Readonly<Record<string, unknown>> | undefined, random);
}

/** Breaks a value against its schema: the first number becomes a word (or the first string a number). */
export function corrupt(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not an object';
  const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  const keys = Object.keys(copy);
  const numeric = keys.find((key) => typeof copy[key] === 'number');
  if (numeric !== undefined) {
    copy[numeric] = 'twelve';
    return copy;
  }
  const text = keys.find((key) => typeof copy[key] === 'string');
  if (text !== undefined) copy[text] = 42;
  else if (keys[0] !== undefined) copy[keys[0]] = { unexpected: true };
  return copy;
}

function faultScript(fault: FaultName, answer: GenerateScript, chunks: number): WireScript {
  const half = Math.max(2, Math.floor(chunks * 0.4));
  switch (fault) {
    case 'rate-limit':
      return {
        kind: 'error',
        status: 429,
        retryAfterMs: 300,
        message: 'Rate limit reached for requests per minute (simulated).',
      };
    case 'server-error':
      return { kind: 'error', status: 500, message: 'The server had an error (simulated).' };
    case 'overloaded':
      return { kind: 'error', status: 529, message: 'Overloaded (simulated).' };
    case 'stall':
      return { ...answer, fault: { type: 'stall', afterChunks: half } };
    case 'midstream-error':
      return {
        ...answer,
        fault: { type: 'error-event', afterChunks: half, message: 'Upstream failure (simulated).' },
      };
    case 'malformed':
      return { ...answer, fault: { type: 'malformed-event', afterChunks: half } };
    case 'truncate':
      return { ...answer, fault: { type: 'truncate', afterChunks: half } };
    case 'invalid':
      return { ...answer, json: corrupt(answer.json) };
  }
}

/**
 * Starts the embedded simulated model: fake OpenAI, Anthropic and OpenRouter
 * servers on 127.0.0.1 (from `@structllm/testing`) that stream realistic JSON
 * for the requested schema with token-like pacing, and the real providers
 * pointed at them — the production path, only the base URL differs.
 */
export async function startSimulatedModel(
  options: SimulatedModelOptions = {},
): Promise<SimulatedModel> {
  const faults: FaultName[] = [...(options.faults ?? [])];
  const perRequest = options.faultsPerRequest ?? [];
  /** Calls served so far per prompt, for `faultsPerRequest`. */
  const callsPerPrompt = new Map<string, number>();
  const requests: RecordedRequest[] = [];
  const envPace = Number.parseInt(process.env.STRUCTLLM_DEMO_PACE_MS ?? '', 10);
  const paceMs =
    options.paceMs ?? (Number.isSafeInteger(envPace) && envPace >= 0 ? envPace : undefined);

  const script = (request: RecordedRequest): WireScript => {
    requests.push(request);
    const json = answerFor(request);
    const length = JSON.stringify(json).length;
    const chunkSize = options.chunkChars ?? Math.min(8, Math.max(3, Math.ceil(length / 400)));
    const chunks = Math.ceil(length / chunkSize);
    const answer: GenerateScript = {
      kind: 'generate',
      json,
      chunkSize,
      delayMs: paceMs ?? Math.max(1, Math.min(6, Math.floor(2500 / chunks))),
      usage: {
        inputTokens: Math.ceil(request.rawBody.length / 4),
        outputTokens: Math.ceil(length / 4),
      },
    };
    let fault = faults.shift();
    if (fault === undefined && perRequest.length > 0) {
      const prompt = promptOf(request.body);
      const calls = callsPerPrompt.get(prompt) ?? 0;
      callsPerPrompt.set(prompt, calls + 1);
      fault = perRequest[calls];
    }
    return fault === undefined ? answer : faultScript(fault, answer, chunks);
  };

  const servers: WireServer[] = [];
  try {
    servers.push(await startOpenAIServer({ defaultScript: script }));
    servers.push(await startAnthropicServer({ defaultScript: script }));
    servers.push(await startOpenRouterServer({ defaultScript: script }));
  } catch (error) {
    await Promise.all(servers.map((server) => server.close()));
    throw error;
  }
  const [openai, anthropic, openrouter] = servers as [WireServer, WireServer, WireServer];

  const described: Record<SimulatedServer['provider'], SimulatedServer> = {
    openai: {
      provider: 'openai',
      name: 'fake OpenAI-compatible server',
      baseURL: openai.baseURL,
      packageName: '@structllm/openai',
    },
    anthropic: {
      provider: 'anthropic',
      name: 'fake Anthropic server',
      baseURL: anthropic.baseURL,
      packageName: '@structllm/anthropic',
    },
    openrouter: {
      provider: 'openrouter',
      name: 'fake OpenRouter server',
      baseURL: openrouter.baseURL,
      packageName: '@structllm/openrouter',
    },
  };

  return {
    baseURL: openai.baseURL,
    serverFor: (model) => {
      const provider = providerOf(model);
      return provider === undefined ? undefined : described[provider];
    },
    providers: [
      // The injected faults are deliberate: keep the SDK from also logging them to the console.
      createOpenAIProvider({
        apiKey: DEMO_KEY,
        baseURL: openai.baseURL,
        clientOptions: { logLevel: 'off' },
      }),
      createAnthropicProvider({
        apiKey: DEMO_KEY,
        baseURL: anthropic.baseURL,
        clientOptions: { logLevel: 'off' },
      }),
      createOpenRouterProvider({
        apiKey: DEMO_KEY,
        baseURL: openrouter.baseURL,
        clientOptions: { logLevel: 'off' },
      }),
    ],
    requests,
    injectFaults: (...more) => {
      faults.push(...more);
    },
    close: async () => {
      await Promise.all(servers.map((server) => server.close()));
    },
  };
}
