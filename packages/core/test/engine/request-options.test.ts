import { describe, expect, it } from 'vitest';
import type { StreamingStructuredRequest } from '../../src/index.ts';
import { collect, failureOf, profile, profileModel, service } from '../support/engine.ts';
import { createMockProvider } from '../support/mock-provider.ts';

/*
 * Every option of a request is checked before any provider is called, with the rules
 * the service's own options follow: a value that cannot work ends the stream with one
 * `bad_request` / `invalid_options` response naming the option and the value.
 */

type Options = Omit<StreamingStructuredRequest<unknown>, 'prompt' | 'responseModel'>;
/** A bad value of an option, and how the error shows it. */
type Bad = readonly [value: unknown, shown: string, at?: string];

const func = () => {};

/** Bad values of every request option (the compiler checks that none is missing). */
const BAD = {
  model: [
    ['', '""'],
    [42, '42'],
  ],
  maxRetries: [
    [Number.NaN, 'NaN'],
    [-1, '-1'],
    [1.5, '1.5'],
    [Number.POSITIVE_INFINITY, 'Infinity'],
    ['3', '"3"'],
  ],
  enableStreaming: [
    ['false', '"false"'],
    [0, '0'],
  ],
  streamingChunkSize: [
    [-5, '-5'],
    [Number.NaN, 'NaN'],
    ['x', '"x"'],
  ],
  progressCallback: [['log', '"log"']],
  progressFilter: [
    [5, '5'],
    [{ minPercentStep: -1 }, '-1', 'progressFilter.minPercentStep'],
    [{ minIntervalMs: Number.NaN }, 'NaN', 'progressFilter.minIntervalMs'],
    [{ eventTypes: ['done'] }, '"done"', 'progressFilter.eventTypes[0]'],
    [{ eventTypes: 'retry' }, '"retry"', 'progressFilter.eventTypes'],
  ],
  fallbackModels: [
    ['mock/model-b', '"mock/model-b"'],
    [[''], '""', 'fallbackModels[0]'],
    [['mock/model-b', 7], '7', 'fallbackModels[1]'],
  ],
  mode: [
    ['xml', '"xml"'],
    ['', '""'],
  ],
  signal: [
    [{ aborted: false }, 'an object'],
    ['abort', '"abort"'],
  ],
  timeouts: [
    [1000, '1000'],
    [null, 'null'],
    [{ firstChunkMs: -1 }, '-1', 'timeouts.firstChunkMs'],
    [{ idleMs: Number.NaN }, 'NaN', 'timeouts.idleMs'],
    [{ totalMs: '5000' }, '"5000"', 'timeouts.totalMs'],
  ],
  system: [[42, '42']],
  temperature: [
    [Number.NaN, 'NaN'],
    [-0.5, '-0.5'],
    ['0.2', '"0.2"'],
  ],
  maxOutputTokens: [
    [0, '0'],
    [1.5, '1.5'],
    [Number.NaN, 'NaN'],
  ],
  providerOptions: [
    [[], 'an array'],
    [null, 'null'],
    // May be a credential put in the wrong place: described, never shown.
    ['sk-live-0123456789', 'a string'],
  ],
  schemaName: [
    ['', '""'],
    [42, '42'],
  ],
  schemaDescription: [[false, 'false']],
  elementPath: [
    [5, '5'],
    [['rows', 0], '0', 'elementPath[1]'],
    ['rows..cells', '"rows..cells"'],
  ],
  retainElements: [['no', '"no"']],
  onElement: [[{}, 'an object']],
  elementErrors: [['ignore', '"ignore"']],
} satisfies Record<keyof Options, readonly Bad[]>;

const cases = Object.entries(BAD).flatMap(([option, bad]) =>
  (bad as readonly Bad[]).map(([value, shown, at]) => ({
    option,
    value,
    shown,
    at: at ?? option,
  })),
);

describe('request options', () => {
  it.each(cases)(
    '$at = $shown ends the stream with one invalid_options response and no call',
    async ({ option, value, shown, at }) => {
      const provider = createMockProvider({ responses: [{ json: profile }] });
      const request = { prompt: 'Ada', responseModel: profileModel, [option]: value };
      const responses = await collect(service(provider).routeStructuredStreaming(request));
      expect(responses).toHaveLength(1);
      const final = responses[0];
      expect(final).toMatchObject({ isComplete: true, attempt: 0, partialResult: undefined });
      expect(final?.error).toMatchObject({ category: 'bad_request', code: 'invalid_options' });
      expect(final?.error?.message).toMatch(
        new RegExp(`^The request's ${escapeRegExp(at)} must be `),
      );
      expect(final?.error?.message).toMatch(new RegExp(`, got ${escapeRegExp(shown)}$`));
      expect(provider.calls).toHaveLength(0);
      // routeStructured rejects with the same error.
      const rejected = await failureOf(service(provider).routeStructured(request));
      expect(rejected).toMatchObject({ code: 'invalid_options', message: final?.error?.message });
      expect(provider.calls).toHaveLength(0);
    },
  );

  it('never shows the providerOptions value, which may hold a credential', async () => {
    const provider = createMockProvider({ responses: [{ json: profile }] });
    const error = await failureOf(
      service(provider).routeStructured({
        prompt: 'Ada',
        responseModel: profileModel,
        providerOptions: 'sk-live-0123456789' as never,
      }),
    );
    expect(JSON.stringify(error)).not.toContain('sk-live');
    expect(error.message).not.toContain('sk-live');
  });

  it('takes the edges of every range', async () => {
    const provider = createMockProvider({ responses: [{ json: profile }] });
    const value = await service(provider).routeStructured({
      prompt: 'Ada',
      responseModel: profileModel,
      model: 'mock/model-a',
      maxRetries: 0,
      enableStreaming: true,
      streamingChunkSize: Number.POSITIVE_INFINITY,
      progressCallback: func,
      progressFilter: { eventTypes: ['start', 'complete'], minPercentStep: 0, minIntervalMs: 0 },
      fallbackModels: [],
      mode: 'auto',
      signal: new AbortController().signal,
      timeouts: { firstChunkMs: Number.POSITIVE_INFINITY, totalMs: Number.POSITIVE_INFINITY },
      system: '',
      temperature: 0,
      maxOutputTokens: 1,
      providerOptions: {},
      schemaDescription: '',
      elementPath: 'tags',
      retainElements: true,
      onElement: func,
      elementErrors: 'skip',
    });
    expect(value).toEqual(profile);
    expect(provider.calls).toHaveLength(1);
    expect(provider.calls[0]).toMatchObject({ temperature: 0, maxOutputTokens: 1 });
  });

  it('takes timeouts above 2^31 - 1 ms as long waits, not as timers that fire at once', async () => {
    const provider = createMockProvider({ responses: [{ json: profile, firstChunkDelayMs: 20 }] });
    const value = await service(provider).routeStructured({
      prompt: 'Ada',
      responseModel: profileModel,
      timeouts: { firstChunkMs: 2 ** 32, idleMs: 2 ** 32, totalMs: 2 ** 32 },
    });
    expect(value).toEqual(profile);
    expect(provider.calls).toHaveLength(1);
  });

  it.each([
    [undefined, 'undefined'],
    [null, 'null'],
    [42, '42'],
    ['Ada', '"Ada"'],
    [[], 'an array'],
  ])(
    'a request of %s ends with one bad_request response, not a TypeError',
    async (request, shown) => {
      const provider = createMockProvider({ responses: [{ json: profile }] });
      const stream = service(provider).routeStructuredStreaming(request as never);
      const responses = await collect(stream);
      expect(responses).toEqual([
        expect.objectContaining({ isComplete: true, attempt: 0, model: '', progressPercent: 0 }),
      ]);
      expect(responses[0]?.error).toMatchObject({
        category: 'bad_request',
        code: 'invalid_options',
        message: `The request must be an object with a prompt and a responseModel, got ${shown}`,
      });
      await expect(stream.result).rejects.toBe(responses[0]?.error);
      expect(stream.status).toBe('failed');
      await expect(service(provider).routeStructured(request as never)).rejects.toMatchObject({
        code: 'invalid_options',
      });
      expect(provider.calls).toHaveLength(0);
    },
  );

  it('a bad request in a batch fails alone; the others run', async () => {
    const provider = createMockProvider({ responses: [{ json: profile }] });
    const good = { prompt: 'Ada', responseModel: profileModel };
    const batch = service(provider).routeStructuredBatch([
      good,
      undefined as never,
      { ...good, maxRetries: Number.NaN },
      { ...good, signal: 'stop' as never },
      good,
    ]);
    const results = await batch.results;
    expect(results.map((result) => result.status)).toEqual([
      'fulfilled',
      'rejected',
      'rejected',
      'rejected',
      'fulfilled',
    ]);
    const messages = results.map((result) =>
      result.status === 'rejected' ? result.error.message : undefined,
    );
    expect(messages[1]).toMatch(/^The request must be an object/);
    expect(messages[2]).toBe("The request's maxRetries must be an integer >= 0, got NaN");
    expect(messages[3]).toBe('The request\'s signal must be an AbortSignal, got "stop"');
    expect(provider.calls).toHaveLength(2);
  });

  it('routeStructuredBatch refuses a list that is not an array', () => {
    const provider = createMockProvider({ responses: [{ json: profile }] });
    expect(() => service(provider).routeStructuredBatch(undefined as never)).toThrow(
      expect.objectContaining({
        category: 'bad_request',
        code: 'invalid_options',
        message: 'routeStructuredBatch needs an array of requests, got undefined',
      }),
    );
  });
});

describe('service options', () => {
  it.each([
    ['retry', { maxRetries: Number.NaN }, 'maxRetries must be an integer >= 0, got NaN'],
    ['retry', { maxLimitReasks: -1 }, 'maxLimitReasks must be an integer >= 0, got -1'],
    ['retry', { maxRetryAfterMs: '60' }, 'maxRetryAfterMs must be a number >= 0, got "60"'],
    ['retry', { random: 0.5 }, 'random must be a function, got 0.5'],
    ['retry', 3, 'must be an object, got 3'],
    ['limits', { maxResponseChars: Number.NaN }, 'maxResponseChars must be a number >= 0, got NaN'],
    ['limits', { maxDepth: -1 }, 'maxDepth must be a number >= 0, got -1'],
    ['limits', { maxChunks: '10' }, 'maxChunks must be a number >= 0, got "10"'],
  ])('%s %j fails at construction', (option, value, says) => {
    const provider = createMockProvider({ responses: [{ json: profile }] });
    expect(() => service(provider, { [option]: value })).toThrow(
      expect.objectContaining({
        category: 'bad_request',
        code: 'invalid_options',
        message: `new StructuredLLMService({ ${option} }): ${says}`,
      }),
    );
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
