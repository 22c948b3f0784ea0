import type {
  FinishReason,
  JsonSchema,
  Message,
  OutputMode,
  StructuredProvider,
  Usage,
} from '@structllm/core';
import type { ProviderCall, ProviderPart } from '@structllm/core/provider';

// Real timers, captured at load, so "ends promptly" checks work even when a suite fakes timers.
const realSetTimeout = globalThis.setTimeout;
const realClearTimeout = globalThis.clearTimeout;

/** The schema every conformance call sends: already valid for OpenAI strict mode. */
export const CONFORMANCE_SCHEMA: JsonSchema = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    age: { type: 'integer' },
    tags: { type: 'array', items: { type: 'string' } },
    note: { type: ['string', 'null'] },
  },
  required: ['name', 'age', 'tags', 'note'],
  additionalProperties: false,
};

/** Values the fake model answers with: plain, and full of escapes and multibyte characters. */
export const CONFORMANCE_VALUES: readonly unknown[] = [
  { name: 'Ada Lovelace', age: 36, tags: ['mathematics', 'poetry'], note: null },
  {
    name: 'Zoë 李 "the \\ quoted"\n🚀',
    age: 0,
    tags: ['ünïcödé ✓', '', '\u0000\t'],
    note: 'emoji 👩‍💻 and 𝄞',
  },
];

export const CONFORMANCE_MESSAGES: readonly Message[] = [
  { role: 'system', content: 'Answer with JSON that matches the schema.' },
  { role: 'user', content: 'Describe a famous programmer.' },
];

/** What one `doStream` call produced: its parts in order, and the error that ended it, if any. */
export interface StreamOutcome {
  readonly parts: ProviderPart[];
  readonly text: string;
  readonly finish: { readonly finishReason: FinishReason; readonly usage?: Usage } | undefined;
  readonly error: unknown;
  /** Whether the error came from `doStream` itself rather than from iterating. */
  readonly failedBeforeStream: boolean;
}

export function makeCall(
  model: string,
  mode: OutputMode,
  signal: AbortSignal = new AbortController().signal,
): ProviderCall {
  return {
    model,
    messages: CONFORMANCE_MESSAGES,
    schema: CONFORMANCE_SCHEMA,
    schemaName: 'person',
    schemaDescription: 'A person',
    mode,
    signal,
    maxOutputTokens: 512,
  };
}

/** Runs `doStream` to the end, collecting parts; `onPart` may react (e.g. abort). */
export async function collectStream(
  provider: StructuredProvider,
  call: ProviderCall,
  onPart?: (part: ProviderPart, parts: readonly ProviderPart[]) => void,
): Promise<StreamOutcome> {
  const parts: ProviderPart[] = [];
  let iterable: AsyncIterable<ProviderPart>;
  try {
    iterable = await provider.doStream(call);
  } catch (error) {
    return { parts, text: '', finish: undefined, error, failedBeforeStream: true };
  }
  let error: unknown;
  try {
    for await (const part of iterable) {
      parts.push(part);
      onPart?.(part, parts);
    }
  } catch (thrown) {
    error = thrown ?? new Error('the stream threw undefined');
  }
  let text = '';
  let finish: StreamOutcome['finish'];
  for (const part of parts) {
    if (part.type === 'text-delta') text += part.delta;
    if (part.type === 'finish') finish = part;
  }
  return { parts, text, finish, error, failedBeforeStream: false };
}

/** Settles with the promise, or rejects after `ms` real milliseconds. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = realSetTimeout(
      () => reject(new Error(`${what} did not finish within ${ms} ms`)),
      ms,
    );
    promise.then(
      (value) => {
        realClearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        realClearTimeout(timer);
        reject(error);
      },
    );
  });
}

/** Polls `check` with real timers until it returns true, or fails after `ms`. */
export async function eventually(check: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what} (waited ${ms} ms)`);
    await new Promise<void>((resolve) => realSetTimeout(resolve, 5));
  }
}
