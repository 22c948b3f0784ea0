// The "Test helpers" example of the README, as written there.
import { jsonSchema } from '@structllm/core';
import { describe, expect, it } from 'vitest';
import {
  collectResponses,
  createMockService,
  errorTexts,
  findSecret,
  textOf,
} from '../../src/index.ts';

const Person = jsonSchema<{ name: string; age: number }>({
  type: 'object',
  properties: { name: { type: 'string' }, age: { type: 'integer' } },
  required: ['name', 'age'],
  additionalProperties: false,
});

describe('my app', () => {
  it('retries a stream that breaks, and shows what each attempt wrote', async () => {
    const text = '{"name": "Ada", "age": 36}';
    const { service, provider } = createMockService({
      responses: [
        { text, chunkSize: 4, failAfterChunks: 2 },
        { text, chunkSize: 4 },
      ],
    });
    const responses = await collectResponses(
      service.routeStructuredStreaming({ prompt: 'Who?', responseModel: Person }),
    );
    expect(textOf(responses, 1)).toBe('{"name":');
    expect(responses.at(-1)?.partialResult).toEqual({ name: 'Ada', age: 36 });
    expect(provider.calls).toHaveLength(2);
  });

  it('never shows the API key', () => {
    const error = new Error('Incorrect API key provided: [redacted]');
    expect(findSecret(errorTexts(error), 'sk-test-0123456789abcdef')).toBeUndefined();
  });
});
