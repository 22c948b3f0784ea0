import { jsonSchema, StructuredLLMService } from '@structllm/core';
import { startOpenAIServer } from '@structllm/testing';
import { expect, it } from 'vitest';
import { createOpenAIProvider } from '../src/index.ts';

// The offline example of the README, as written there (console.log → assertions).
it('the README offline example runs: a 429, then a streamed value', async () => {
  const server = await startOpenAIServer({
    scripts: [
      { kind: 'error', status: 429, retryAfterMs: 50 },
      { kind: 'generate', json: { name: 'Ada Lovelace', born: 1815 }, chunkSize: 6 },
    ],
  });
  try {
    const service = new StructuredLLMService({
      providers: [createOpenAIProvider({ apiKey: 'test-key', baseURL: server.baseURL })],
      defaultModel: 'openai/gpt-4o-mini',
      retry: { baseDelayMs: 20 }, // short backoff for the demo
    });
    const stream = service.routeStructuredStreaming({
      prompt: 'Name a famous mathematician and the year they were born.',
      responseModel: jsonSchema<{ name: string; born: number }>({
        type: 'object',
        properties: { name: { type: 'string' }, born: { type: 'integer' } },
        required: ['name', 'born'],
        additionalProperties: false,
      }),
    });
    const seen: unknown[] = [];
    for await (const response of stream) seen.push(structuredClone(response.partialResult));
    expect(seen.length).toBeGreaterThan(2);
    expect(seen.at(-1)).toEqual({ name: 'Ada Lovelace', born: 1815 });
    expect(stream.attempts.map((a) => a.category ?? 'ok')).toEqual(['rate_limit', 'ok']);
    expect(server.requests[1]?.mode).toBe('json_schema');
  } finally {
    await server.close();
  }
});
