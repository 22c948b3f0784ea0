import {
  type ErrorCategory,
  jsonSchema,
  type Observer,
  type StructuredLLMService,
  type StructuredLLMServiceOptions,
} from '@structllm/core';
import { expect } from 'vitest';
import { collectResponses } from '../engine/collect-responses.ts';
import { createTestService } from '../engine/test-service.ts';
import { errorTexts, findSecret } from '../secrets/find-secret.ts';
import type { WireScript } from '../wire/types.ts';
import type { CheckTools, ConformanceCheck } from './check-tools.ts';
import { CONFORMANCE_SCHEMA, CONFORMANCE_VALUES } from './collect.ts';

// Checks that run the provider through the engine (a StructuredLLMService with
// the provider alone), for behaviour that only shows there: how a failure is
// retried, and what the responses, progress events and observers show.

const value = CONFORMANCE_VALUES[0];
const responseModel = jsonSchema<unknown>(CONFORMANCE_SCHEMA);

/** A back-off the checks can see in `attempts[].delayMs`: 2 ms, no jitter. */
const BACK_OFF = { baseDelayMs: 2, maxDelayMs: 2, jitter: 'none', maxRetries: 2 } as const;

function serviceFor(
  t: CheckTools,
  options: Partial<StructuredLLMServiceOptions> = {},
): StructuredLLMService {
  return createTestService(t.provider, {
    defaultModel: `${t.provider.id}/${t.model}`,
    breaker: false,
    ...options,
  });
}

/** 200 answers to a non-streaming request that a proxy or captive portal could give instead of a completion. */
const NOT_COMPLETIONS: ReadonlyArray<readonly [string, WireScript]> = [
  ['an HTML page', { kind: 'not-completion' }],
  ['{}', { kind: 'not-completion', body: '{}', contentType: 'application/json' }],
  [
    'JSON of a wrong shape',
    {
      kind: 'not-completion',
      body: '{"choices":"x","content":"x"}',
      contentType: 'application/json',
    },
  ],
];

const notCompletionChecks: ConformanceCheck[] = NOT_COMPLETIONS.flatMap(([what, script]) => [
  {
    group: 'answers that are not completions',
    name: `a non-streaming 200 with ${what}: server, retried after a back-off, then the real answer`,
    async run(t: CheckTools) {
      t.server.enqueue(script, t.generate(value));
      const stream = serviceFor(t, { retry: BACK_OFF }).routeStructuredStreaming({
        prompt: 'Who?',
        responseModel,
        enableStreaming: false,
      });
      await expect(stream.result).resolves.toEqual(value);
      expect(
        stream.attempts.map((attempt) => [attempt.category, attempt.delayMs]),
        'the first attempt fails as server and is retried after the back-off',
      ).toEqual([
        ['server', BACK_OFF.baseDelayMs],
        [undefined, undefined],
      ]);
      expect(
        t.server.requests.map((request) => request.stream),
        'two non-streaming requests',
      ).toEqual([false, false]);
    },
  },
  {
    group: 'answers that are not completions',
    name: `a non-streaming 200 with ${what} every time: server after the retries, never parse, validation or unknown`,
    async run(t: CheckTools) {
      t.server.setDefault(script);
      const responses = await collectResponses(
        serviceFor(t, { retry: BACK_OFF }).routeStructuredStreaming({
          prompt: 'Who?',
          responseModel,
          enableStreaming: false,
        }),
      );
      const error = t.expectCategory(responses.at(-1)?.error, ['server']);
      expect({ code: error.code, retryable: error.retryable }).toEqual({
        code: 'unexpected_answer',
        retryable: true,
      });
      expect(error.attempts.map((attempt) => [attempt.category, attempt.delayMs])).toEqual([
        ['server', BACK_OFF.baseDelayMs],
        ['server', BACK_OFF.baseDelayMs],
        ['server', undefined],
      ]);
      expect(t.server.requests, 'one request per attempt').toHaveLength(3);
    },
  },
]);

interface Echo {
  readonly what: string;
  /** What the request must end with. */
  readonly category: ErrorCategory;
  readonly script: (apiKey: string) => WireScript;
}

/** Answers that echo the key somewhere other than an error message. */
const ECHOES: readonly Echo[] = [
  {
    what: 'a 401 with it in www-authenticate',
    category: 'auth',
    script: (apiKey) => ({
      kind: 'error',
      status: 401,
      headers: { 'www-authenticate': `Bearer realm="api", key="${apiKey}"` },
    }),
  },
  {
    what: 'a 500 with it in x-echo and in a field of the error body (error.param)',
    category: 'server',
    script: (apiKey) => ({
      kind: 'error',
      status: 500,
      headers: { 'x-echo': apiKey },
      fields: { param: apiKey },
    }),
  },
  {
    what: 'a 200 stream with it in its headers, then an error event with it in a field',
    category: 'server',
    script: (apiKey) => ({
      kind: 'generate',
      json: value,
      headers: { 'x-echo': apiKey },
      fault: { type: 'error-event', afterChunks: 1, fields: { param: apiKey } },
    }),
  },
];

const echoChecks: ConformanceCheck[] = ECHOES.map(({ what, category, script }) => ({
  group: 'key echoes',
  name: `${what}: no response, error, cause, progress event or observer payload shows the key`,
  async run(t: CheckTools) {
    t.server.setDefault(script(t.apiKey));
    const seen: string[] = [];
    const record = (event: unknown) => void seen.push(...errorTexts(event));
    const observer: Observer = {
      onRequestStart: record,
      onAttemptStart: record,
      onAttemptEnd: record,
      onProgressEvent: record,
      onRetry: record,
      onFallback: record,
      onRequestEnd: record,
    };
    const responses = await collectResponses(
      serviceFor(t, {
        retry: { baseDelayMs: 0, maxDelayMs: 0, maxRetries: 1 },
        observers: [observer],
      }).routeStructuredStreaming({ prompt: 'Who?', responseModel, progressCallback: record }),
    );
    const error = t.expectCategory(responses.at(-1)?.error, [category]);
    expect(t.server.requests[0]?.apiKey, 'the key was really sent').toBe(t.apiKey);
    expect(seen.length, 'the observers and the progress callback were called').toBeGreaterThan(0);
    const leak = findSecret([...seen, ...responses.flatMap(errorTexts)], t.apiKey);
    expect(leak, 'the API key (or its tail) appears in what the engine shows').toBeUndefined();
    // The cause is a plain copy that still says what failed, without the echoing headers.
    const cause = error.cause as (Error & { headers?: unknown }) | undefined;
    expect(cause, 'the error keeps a cause').toBeInstanceOf(Error);
    expect(cause?.headers ?? {}, 'the cause keeps no echoing header').not.toHaveProperty('x-echo');
    expect(cause?.headers ?? {}).not.toHaveProperty('www-authenticate');
  },
}));

/**
 * Through the engine: non-streaming 200s that are not completions (retried as
 * `server`), and keys echoed in headers, body fields and stream error events.
 */
export const engineChecks: readonly ConformanceCheck[] = [...notCompletionChecks, ...echoChecks];
