import { jsonSchema, StructuredLLMService } from '@structllm/core';
import { startAnthropicServer } from '@structllm/testing';
import { expect, it } from 'vitest';
import { createAnthropicProvider } from '../src/index.ts';

// The offline example of the README, as written there (console.log → assertions).
it('the README offline example runs: overloaded mid-stream, then the value', async () => {
  const character = { name: 'Lyra', class: 'ranger', level: 7 };
  const server = await startAnthropicServer({
    scripts: [
      {
        kind: 'generate',
        json: character,
        chunkSize: 4,
        fault: { type: 'error-event', afterChunks: 2 },
      },
      { kind: 'generate', json: character, chunkSize: 4 },
    ],
  });
  try {
    const service = new StructuredLLMService({
      providers: [createAnthropicProvider({ apiKey: 'test-key', baseURL: server.baseURL })],
      defaultModel: 'anthropic/claude-sonnet-4-6',
      retry: { baseDelayMs: 20 },
    });
    const stream = service.routeStructuredStreaming({
      prompt: 'Invent a fantasy character.',
      responseModel: jsonSchema<{ name: string; class: string; level: number }>({
        type: 'object',
        properties: {
          name: { type: 'string' },
          class: { type: 'string' },
          level: { type: 'integer' },
        },
        required: ['name', 'class', 'level'],
        additionalProperties: false,
      }),
    });
    const seen: Array<[number, unknown]> = [];
    for await (const response of stream) {
      seen.push([response.attempt, structuredClone(response.partialResult)]);
    }
    expect(seen.some(([attempt]) => attempt === 1)).toBe(true);
    expect(seen.at(-1)).toEqual([2, character]);
    expect(stream.attempts.map((a) => a.category ?? 'ok')).toEqual(['server', 'ok']);
    expect(server.requests[1]?.mode).toBe('json_schema');
  } finally {
    await server.close();
  }
});
