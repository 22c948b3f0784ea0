import { createOpenAI } from '@ai-sdk/openai';
import { jsonSchema, StructuredLLMService } from '@structllm/core';
import { startOpenAIServer } from '@structllm/testing';
import { expect, it } from 'vitest';
import { fromAISDK } from '../src/index.ts';

// The offline example of the README, as written there (console.log → assertions).
it('the README offline example runs: a 429, then a streamed value through @ai-sdk/openai', async () => {
  const server = await startOpenAIServer({
    scripts: [
      { kind: 'error', status: 429, retryAfterMs: 50 },
      { kind: 'generate', json: { name: 'Ada Lovelace', born: 1815 }, chunkSize: 6 },
    ],
  });
  try {
    const openai = createOpenAI({ apiKey: 'test-key', baseURL: server.baseURL });
    const service = new StructuredLLMService({
      providers: [fromAISDK(openai.chat('gpt-4o-mini'))],
      defaultModel: 'openai/gpt-4o-mini',
      retry: { baseDelayMs: 20 },
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
    expect(server.requests).toHaveLength(2);
    expect(server.requests[1]?.mode).toBe('json_schema');
  } finally {
    await server.close();
  }
});
