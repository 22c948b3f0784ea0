import { jsonSchema, StructuredLLMService } from '@structllm/core';
import { startOpenRouterServer } from '@structllm/testing';
import { expect, it } from 'vitest';
import { createOpenRouterProvider } from '../src/index.ts';

// The offline example of the README, as written there (console.log → assertions).
it('the README offline example runs: a mid-stream error chunk, then the value', async () => {
  const server = await startOpenRouterServer({
    scripts: [
      {
        kind: 'generate',
        json: { city: 'Canberra', country: 'Australia' },
        chunkSize: 5,
        fault: { type: 'error-event', afterChunks: 2 },
      },
      { kind: 'generate', json: { city: 'Canberra', country: 'Australia' }, chunkSize: 5 },
    ],
  });
  try {
    const service = new StructuredLLMService({
      providers: [
        createOpenRouterProvider({ apiKey: 'test-key', baseURL: server.baseURL, appTitle: 'Demo' }),
      ],
      defaultModel: 'openrouter/anthropic/claude-sonnet-4.5',
      retry: { baseDelayMs: 20 },
    });
    const stream = service.routeStructuredStreaming({
      prompt: 'Which city is the capital of Australia?',
      responseModel: jsonSchema<{ city: string; country: string }>({
        type: 'object',
        properties: { city: { type: 'string' }, country: { type: 'string' } },
        required: ['city', 'country'],
        additionalProperties: false,
      }),
    });
    const seen: Array<[number, unknown]> = [];
    for await (const response of stream) {
      seen.push([response.attempt, structuredClone(response.partialResult)]);
    }
    expect(seen.some(([attempt]) => attempt === 1)).toBe(true);
    expect(seen.at(-1)).toEqual([2, { city: 'Canberra', country: 'Australia' }]);
    expect(stream.attempts.map((a) => a.category ?? 'ok')).toEqual(['server', 'ok']);
    expect(server.requests[0]?.headers['x-title']).toBe('Demo');
    expect(server.requests[0]?.model).toBe('anthropic/claude-sonnet-4.5');
  } finally {
    await server.close();
  }
});
