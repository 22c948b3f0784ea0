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
  /** Faults for the next requests, in order (each request takes one). */
  readonly faults?: readonly FaultName[];
  /**
   * Real milliseconds between chunks. Default: the `STRUCTLLM_DEMO_PACE_MS`
   * environment variable, else 6, less for long answers (about 2.5 s per answer at most).
   */
  readonly paceMs?: number;
  /** Characters per chunk. Default: 3–8, larger for long answers (about 400 chunks at most). */
  readonly chunkChars?: number;
}

export interface SimulatedModel {
  /** The fake OpenAI server's base URL (what `createOpenAIProvider({ baseURL })` gets). */
  readonly baseURL: string;
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
    const fault = faults.shift();
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

  return {
    baseURL: openai.baseURL,
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
