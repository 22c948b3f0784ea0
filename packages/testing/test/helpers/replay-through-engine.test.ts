import { describe, expect, it } from 'vitest';
import { replayThroughEngine, startOpenAIServer, wireFixture } from '../../src/index.ts';
import { createExampleProvider } from '../conformance/example-openai-provider.ts';

describe('replayThroughEngine', () => {
  it('runs a recorded fixture through provider and engine to the catalogued value', async () => {
    await using server = await startOpenAIServer();
    const provider = createExampleProvider({ baseURL: server.baseURL, apiKey: 'k', id: 'ex' });
    const outcome = await replayThroughEngine({
      server,
      provider,
      fixture: 'openai-chat-tool-call-strict',
      chunking: 'bytes',
    });
    expect(outcome).toEqual({
      outcome: 'value',
      value: { city: 'Edinburgh', country: 'UK', units: 'c' },
    });
    expect(outcome).toEqual(wireFixture('openai-chat-tool-call-strict').expected.engine);
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]).toMatchObject({ model: 'recorded-model', mode: 'tool' });
  });

  it('reports a failure by category, makes no retry, and names the model asked for', async () => {
    await using server = await startOpenAIServer();
    const provider = createExampleProvider({ baseURL: server.baseURL, apiKey: 'k', id: 'ex' });
    const fixture = wireFixture('openai-chat-json-schema-length-truncated');
    const outcome = await replayThroughEngine({
      server,
      provider,
      fixture,
      model: 'ex/gpt-4o',
    });
    expect(outcome).toEqual({ outcome: 'error', category: 'length' });
    expect(server.requests.map((request) => [request.model, request.mode])).toEqual([
      ['gpt-4o', 'json_schema'],
    ]);
  });
});
