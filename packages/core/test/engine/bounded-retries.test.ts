import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StructuredLLMError } from '../../src/index.ts';
import { failureOf, profile, profileModel, service } from '../support/engine.ts';
import { createMockProvider, type MockResponse } from '../support/mock-provider.ts';

/*
 * No request can spin: every retry path is bounded by maxRetries, and a run of instant
 * failures yields to the event loop between tries, so timers and I/O keep running.
 */

const invalid = { json: { ...profile, age: 'old' } } satisfies MockResponse;
const unavailable = { error: { status: 503 } } satisfies MockResponse;

describe('bounded retries', () => {
  it('a timer set at the start fires while an instantly failing provider is retried', async () => {
    const provider = createMockProvider({ responses: [unavailable] });
    const stream = service(provider, {
      breaker: false,
      retry: { baseDelayMs: 0, maxDelayMs: 0 },
    }).routeStructuredStreaming({ prompt: 'Ada', responseModel: profileModel, maxRetries: 500 });
    let callsWhenFired: number | undefined;
    setTimeout(() => {
      callsWhenFired = provider.calls.length;
      stream.abort('enough');
    }, 0);
    const error = await failureOf(stream.result);
    // The timer ran during the request, long before its 501 tries were spent.
    expect(callsWhenFired).toBeDefined();
    expect(callsWhenFired).toBeLessThan(501);
    expect(error.category).toBe('aborted');
    expect(provider.calls.length).toBe(callsWhenFired);
  });

  it('an answer that fails validation forever is asked for maxRetries + 1 times', async () => {
    const provider = createMockProvider({ responses: [invalid] });
    const error = await failureOf(
      service(provider, { breaker: false }).routeStructured({
        prompt: 'Ada',
        responseModel: profileModel,
        maxRetries: 5,
      }),
    );
    expect(error.category).toBe('validation');
    expect(provider.calls).toHaveLength(6);
    expect(error.attempts).toHaveLength(6);
  });

  it('any run of failures makes maxRetries + 1 calls on each model, never more', async () => {
    const failure = fc.constantFrom<MockResponse>(
      unavailable,
      invalid,
      { text: '{"name": "Ada", ' },
      { error: { status: 429, retryAfterMs: 0 } },
      { json: profile, failAfterChunks: 2 },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 6 }),
        fc.boolean(),
        fc.array(failure, { minLength: 1, maxLength: 8 }),
        async (maxRetries, fallback, script) => {
          const provider = createMockProvider({ responses: script });
          const error = await failureOf(
            service(provider, { breaker: false }).routeStructured({
              prompt: 'Ada',
              responseModel: profileModel,
              maxRetries,
              ...(fallback ? { fallbackModels: ['mock/model-b'] } : {}),
            }),
          );
          expect(StructuredLLMError.is(error)).toBe(true);
          const models = fallback ? 2 : 1;
          expect(provider.calls).toHaveLength(models * (maxRetries + 1));
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('limit errors', () => {
  const long = { json: { ...profile, name: 'A'.repeat(500) } } satisfies MockResponse;
  const deep = { text: `${'['.repeat(50)}${']'.repeat(50)}` } satisfies MockResponse;

  it.each([
    ['length_limit', long, { maxResponseChars: 200 }],
    ['depth_limit', deep, { maxDepth: 20 }],
    ['chunk_limit', long, { maxChunks: 10 }],
  ] as const)(
    '%s is re-asked once by default, then the next model is tried',
    async (code, answer, limits) => {
      const provider = createMockProvider({ responses: [answer] });
      const error = await failureOf(
        service(provider, { breaker: false, limits }).routeStructured({
          prompt: 'Ada',
          responseModel: profileModel,
          fallbackModels: ['mock/model-b'],
        }),
      );
      expect(error).toMatchObject({ category: 'parse', code });
      expect(provider.calls.map((call) => call.model)).toEqual([
        'model-a',
        'model-a',
        'model-b',
        'model-b',
      ]);
    },
  );

  it.each([
    [0, 1],
    [2, 3],
    [5, 4], // still within maxRetries (3 by default)
  ])('retry.maxLimitReasks: %i makes %i calls', async (maxLimitReasks, calls) => {
    const provider = createMockProvider({ responses: [long] });
    const error = await failureOf(
      service(provider, {
        breaker: false,
        limits: { maxResponseChars: 200 },
        retry: { baseDelayMs: 0, maxLimitReasks },
      }).routeStructured({ prompt: 'Ada', responseModel: profileModel }),
    );
    expect(error.code).toBe('length_limit');
    expect(provider.calls).toHaveLength(calls);
  });

  it('a limit re-ask leaves the other retries: a shorter answer after it is still taken', async () => {
    const provider = createMockProvider({
      responses: [long, unavailable, long, { json: profile }],
    });
    const value = await service(provider, {
      breaker: false,
      limits: { maxResponseChars: 200 },
      retry: { baseDelayMs: 0, maxLimitReasks: 2 },
    }).routeStructured({ prompt: 'Ada', responseModel: profileModel });
    expect(value).toEqual(profile);
    expect(provider.calls).toHaveLength(4);
  });
});
