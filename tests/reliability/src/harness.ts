/**
 * Shared pieces of the reliability suite and the stress script: the three
 * providers wired to their fake servers, a response recorder, and the
 * "partial agrees with the final value" check.
 */
import { createOpenAI } from '@ai-sdk/openai';
import { fromAISDK } from '@structllm/ai-sdk';
import { createAnthropicProvider } from '@structllm/anthropic';
import type {
  AttemptRecord,
  StreamingResponse,
  StreamingStructuredRequest,
  StructuredLLMError,
  StructuredProvider,
  StructuredStream,
} from '@structllm/core';
import { jsonSchema } from '@structllm/core';
import { createOpenAIProvider } from '@structllm/openai';
import { createOpenRouterProvider } from '@structllm/openrouter';
import type { WireDialect, WireServer } from '@structllm/testing';
import {
  sdkTestLogger,
  startAnthropicServer,
  startOpenAIServer,
  startOpenRouterServer,
} from '@structllm/testing';

export type ProviderName = WireDialect;

export const PROVIDERS: readonly ProviderName[] = ['openai', 'anthropic', 'openrouter'];

/**
 * `@structllm/ai-sdk` over `@ai-sdk/openai`'s chat model: the bridge to AI SDK
 * providers, on the OpenAI wire. It runs the fault matrix beside the native providers.
 */
export type BridgeName = 'ai-sdk-openai';

/** A model of each provider that gets the provider's best structured mode. */
export const MODEL_OF: Readonly<Record<ProviderName | BridgeName, string>> = {
  openai: 'openai/gpt-4o',
  anthropic: 'anthropic/claude-sonnet-4-6',
  openrouter: 'openrouter/openai/gpt-4o',
  'ai-sdk-openai': 'openai/gpt-4o',
};

export function startServer(name: ProviderName | BridgeName): Promise<WireServer> {
  if (name === 'openai' || name === 'ai-sdk-openai') return startOpenAIServer();
  if (name === 'anthropic') return startAnthropicServer();
  return startOpenRouterServer();
}

/** The real provider (on the real SDK) pointed at a fake server. */
/** Keeps the SDK clients' prints about the malformed events the fault matrix sends on purpose. */
const sdkLogger = sdkTestLogger();

export function createProvider(
  name: ProviderName | BridgeName,
  server: WireServer,
  apiKey = 'test-key',
  id?: string,
): StructuredProvider {
  const common = { apiKey, baseURL: server.baseURL, ...(id === undefined ? {} : { id }) };
  if (name === 'ai-sdk-openai') {
    const model = createOpenAI({ apiKey, baseURL: server.baseURL }).chat('gpt-4o');
    return fromAISDK(model, { secrets: [apiKey], ...(id === undefined ? {} : { id }) });
  }
  // The SDKs print the malformed events the fault matrix sends on purpose: kept out of the log.
  const clientOptions = { logger: sdkLogger };
  if (name === 'openai') return createOpenAIProvider({ ...common, clientOptions });
  if (name === 'anthropic') return createAnthropicProvider({ ...common, clientOptions });
  return createOpenRouterProvider({ ...common, clientOptions });
}

export interface Person {
  name: string;
  bio: string;
  born: number;
  skills: string[];
}

/** The value every scripted answer writes: long enough for many chunks. */
export const PERSON: Person = {
  name: 'Ada Lovelace',
  bio: 'Mathematician and writer, known for her work on the Analytical Engine — “the first program”.',
  born: 1815,
  skills: ['mathematics', 'poetry', 'notes on Menabrea', 'Bernoulli numbers'],
};

export const personModel = jsonSchema<Person>(
  {
    type: 'object',
    properties: {
      name: { type: 'string' },
      bio: { type: 'string' },
      born: { type: 'integer' },
      skills: { type: 'array', items: { type: 'string' } },
    },
    required: ['name', 'bio', 'born', 'skills'],
    additionalProperties: false,
  },
  { name: 'person' },
);

/**
 * Whether a partial value agrees with the final value (everything it shows is
 * still there at the end): strings are prefixes, arrays no longer, objects
 * hold a subset of the keys, leaves equal. Returns the first disagreement.
 */
export function disagreement(partial: unknown, final: unknown, path = '$'): string | undefined {
  if (partial === undefined) return undefined;
  if (typeof final === 'string') {
    return typeof partial === 'string' && final.startsWith(partial)
      ? undefined
      : `${path}: ${JSON.stringify(partial)} is not a prefix of ${JSON.stringify(final)}`;
  }
  if (final === null || typeof final !== 'object') {
    return Object.is(partial, final) ? undefined : `${path}: ${String(partial)} ≠ ${String(final)}`;
  }
  if (Array.isArray(final)) {
    if (!Array.isArray(partial)) return `${path}: not an array`;
    if (partial.length > final.length) return `${path}: longer than the final array`;
    for (let i = 0; i < partial.length; i++) {
      const found = disagreement(partial[i], final[i], `${path}[${i}]`);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (typeof partial !== 'object' || partial === null || Array.isArray(partial)) {
    return `${path}: not an object`;
  }
  for (const key of Object.keys(partial)) {
    if (!Object.hasOwn(final, key)) return `${path}: key ${JSON.stringify(key)} not in the final`;
    const found = disagreement(
      (partial as Record<string, unknown>)[key],
      (final as Record<string, unknown>)[key],
      `${path}.${key}`,
    );
    if (found !== undefined) return found;
  }
  return undefined;
}

/** One response as seen by the consumer, snapshotted (partials are live objects). */
interface SeenResponse {
  readonly attempt: number;
  readonly model: string;
  readonly progressPercent: number;
  readonly isComplete: boolean;
  readonly partial: unknown;
  readonly error: StructuredLLMError | undefined;
}

export interface RunOutcome<T> {
  readonly responses: readonly SeenResponse[];
  readonly value: T | undefined;
  readonly error: StructuredLLMError | undefined;
  readonly attempts: readonly AttemptRecord[];
  /** Problems found in the response sequence (disagreeing partials, progress going back). */
  readonly problems: readonly string[];
}

/** Reads a stream to its end, snapshotting every response, and checks the invariants. */
export async function consume<T>(stream: StructuredStream<T>): Promise<RunOutcome<T>> {
  const responses: SeenResponse[] = [];
  for await (const response of stream as AsyncIterable<StreamingResponse<T>>) {
    responses.push({
      attempt: response.attempt,
      model: response.model,
      progressPercent: response.progressPercent,
      isComplete: response.isComplete,
      partial:
        response.partialResult === undefined ? undefined : structuredClone(response.partialResult),
      error: response.error,
    });
  }
  const last = responses.at(-1);
  const error = last?.error;
  const value = last?.isComplete === true && error === undefined ? last.partial : undefined;
  return {
    responses,
    value: value as T | undefined,
    error,
    attempts: stream.attempts,
    problems: checkResponses(responses, value),
  };
}

/**
 * The invariants of a response sequence: only the last response is complete;
 * progress never decreases within an attempt; when the request succeeded,
 * every partial of the attempt that produced the value agrees with it.
 */
function checkResponses(responses: readonly SeenResponse[], value: unknown): string[] {
  const problems: string[] = [];
  const lastProgress = new Map<number, number>();
  responses.forEach((response, i) => {
    if (response.isComplete && i !== responses.length - 1)
      problems.push(`response ${i} complete before the end`);
    const before = lastProgress.get(response.attempt);
    if (before !== undefined && response.progressPercent < before && response.error === undefined) {
      problems.push(
        `attempt ${response.attempt}: progress went from ${before} to ${response.progressPercent}`,
      );
    }
    lastProgress.set(response.attempt, response.progressPercent);
    if (response.progressPercent < 0 || response.progressPercent > 100) {
      problems.push(`response ${i}: progress ${response.progressPercent} out of range`);
    }
  });
  const last = responses.at(-1);
  if (last === undefined) problems.push('no response at all');
  else if (!last.isComplete) problems.push('the last response is not complete');
  if (value !== undefined && last !== undefined) {
    for (const response of responses) {
      if (response.attempt !== last.attempt || response.isComplete) continue;
      const found = disagreement(response.partial, value);
      if (found !== undefined) problems.push(`attempt ${response.attempt} partial: ${found}`);
    }
  }
  return problems;
}

/** A request for {@link PERSON} with the suite's short timeouts and no fallbacks. */
export function personRequest(
  model: string,
  extra: Partial<StreamingStructuredRequest<Person>> = {},
): StreamingStructuredRequest<Person> {
  return {
    prompt: 'Who wrote the first program?',
    responseModel: personModel,
    model,
    fallbackModels: [],
    timeouts: { firstChunkMs: 150, idleMs: 150 },
    ...extra,
  };
}

/** Waits until `predicate` holds, polling every few ms, or fails after `timeoutMs`. */
export async function waitFor(predicate: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Active handles and requests by kind (`TCPSocketWrap`, `Timeout`, …), for leak checks. */
export function activeResources(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const kind of process.getActiveResourcesInfo())
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
  return counts;
}

/** Kinds that grew between two {@link activeResources} snapshots. */
export function leakedResources(
  before: Map<string, number>,
  after: Map<string, number>,
): Record<string, number> {
  const leaked: Record<string, number> = {};
  for (const [kind, count] of after) {
    const grown = count - (before.get(kind) ?? 0);
    if (grown > 0) leaked[kind] = grown;
  }
  return leaked;
}

/**
 * Structural equality of two JSON values by own keys (`Object.is` on leaves).
 * Unlike `toStrictEqual` it is not confused by an own `constructor` key.
 */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') {
    return Object.is(a, b);
  }
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  if (keysA.length !== keysB.length) return false;
  return keysA.every(
    (key, i) =>
      key === keysB[i] &&
      sameJson((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]),
  );
}
