import { describe, expect, it } from 'vitest';
import { jsonSchema, type Observer } from '../../src/index.ts';
import { collect, service } from '../support/engine.ts';
import { createMockProvider } from '../support/mock-provider.ts';

const person = jsonSchema<{ name: string }>(
  {
    type: 'object',
    properties: { name: { type: 'string' } },
    required: ['name'],
    additionalProperties: false,
  },
  { name: 'person' },
);

/** Every own key of every object in `value`. */
function keysIn(value: unknown): string[] {
  if (value === null || typeof value !== 'object') return [];
  return Object.keys(value).flatMap((key) => [
    key,
    ...keysIn((value as Record<string, unknown>)[key]),
  ]);
}

describe('keys the schema refuses', () => {
  it.each([
    ['an empty object', '{"name":"x","__proto__":{}}'],
    ['a nested object', '{"name":"x","constructor":{"prototype":{"polluted":true}}}'],
    ['an array', '{"name":"x","role":[{"admin":true}]}'],
    ['a number', '{"name":"x","role":12345}'],
  ])('are never shown, as %s, and are re-asked naming the key', async (_, text) => {
    const provider = createMockProvider({
      responses: [{ text, chunkSize: 1 }, { json: { name: 'Ada' } }],
    });
    const stream = service(provider).routeStructuredStreaming({
      prompt: 'p',
      responseModel: person,
    });
    const responses = await collect(stream);
    for (const { partialResult } of responses) {
      expect(keysIn(partialResult).every((key) => key === 'name')).toBe(true);
    }
    expect(responses.map((r) => r.attempt)).toContain(2);
    await expect(stream.result).resolves.toEqual({ name: 'Ada' });
    const key = text.match(/,"(\w+)":/)?.[1] as string;
    const reask = provider.calls[1]?.messages.at(-1)?.content;
    expect(reask).toContain(`$.${key}: unexpected property; allowed: "name"`);
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
  });

  it('end the attempt with the chunk that completes the key’s name, before its value is read', async () => {
    const chunks = ['{"name":"x","ro', 'le"', ':{"nested":{"deep":[', '1,2]}},"more":"text"}'];
    const provider = createMockProvider({ responses: [{ chunks }] });
    const ended: { status: string; chunks: number; message: string | undefined }[] = [];
    const observer: Observer = {
      onAttemptEnd: (event) =>
        void ended.push({
          status: event.status,
          chunks: event.chunks,
          message: event.error?.message,
        }),
    };
    const responses = await collect(
      service(provider, { observers: [observer] }).routeStructuredStreaming({
        prompt: 'p',
        responseModel: person,
        maxRetries: 0,
      }),
    );
    expect(ended).toEqual([
      {
        status: 'error',
        chunks: 2,
        message:
          'The response has a key the schema does not allow:\n- $.role: unexpected property; allowed: "name"',
      },
    ]);
    // The failed request's last value is the last one shown: without the refused key.
    expect(responses.at(-1)).toMatchObject({
      isComplete: true,
      partialResult: { name: 'x' },
      error: { category: 'validation' },
    });
    expect(keysIn(responses.at(-1)?.partialResult)).toEqual(['name']);
  });

  it('are caught deep inside arrays of objects, in union branches, and in non-streaming calls', async () => {
    const model = jsonSchema({
      type: 'object',
      properties: {
        rows: {
          type: 'array',
          items: {
            anyOf: [
              {
                type: 'object',
                properties: { a: { type: 'integer' } },
                additionalProperties: false,
              },
              {
                type: 'object',
                properties: { b: { type: 'string' } },
                additionalProperties: false,
              },
            ],
          },
        },
      },
      additionalProperties: false,
    });
    const text = '{"rows":[{"a":1},{"b":"x","extra":{"c":{"d":[1,2,3]}}}]}';
    for (const streaming of [true, false]) {
      const provider = createMockProvider({ responses: [{ text, chunkSize: 3 }] });
      const responses = await collect(
        service(provider).routeStructuredStreaming({
          prompt: 'p',
          responseModel: model,
          maxRetries: 0,
          enableStreaming: streaming,
        }),
      );
      for (const { partialResult } of responses)
        expect(keysIn(partialResult)).not.toContain('extra');
      expect(responses.at(-1)?.error?.message).toContain(
        '$.rows[1].extra: unexpected property; allowed: "a"',
      );
    }
  });

  it('inside a streamed element, are left to the element check and its error policy', async () => {
    const items = jsonSchema({
      type: 'array',
      items: {
        type: 'object',
        properties: { id: { type: 'integer' } },
        additionalProperties: false,
      },
    });
    const provider = createMockProvider({
      responses: [{ text: '[{"id":1},{"id":2,"role":{"admin":true}},{"id":3}]', chunkSize: 4 }],
    });
    const stream = service(provider).routeStructuredStreaming({
      prompt: 'p',
      responseModel: items,
      elementErrors: 'skip',
    });
    const got = [];
    for await (const element of stream.elements()) got.push(element);
    expect(got.map((e) => [e.index, e.error?.code])).toEqual([
      [0, undefined],
      [1, 'invalid_element'],
      [2, undefined],
    ]);
    expect(got[1]?.error?.message).toContain('$[1].role: unexpected property');
    await expect(stream.result).resolves.toEqual([{ id: 1 }, { id: 3 }]);
    expect(provider.calls).toHaveLength(1);
  });
});
