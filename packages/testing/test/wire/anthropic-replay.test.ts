import { readFileSync } from 'node:fs';
import Anthropic from '@anthropic-ai/sdk';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startAnthropicServer,
  type WireFixture,
  type WireServer,
  type WriteChunking,
  wireFixtures,
} from '../../src/index.ts';
import { type AnthropicStreamSummary, summarizeAnthropicStream } from '../support/sdk-results.ts';

const anthropicFixtures = wireFixtures.filter((fixture) => fixture.dialect === 'anthropic');

let server: WireServer;
let client: Anthropic;

beforeAll(async () => {
  server = await startAnthropicServer();
  client = new Anthropic({ apiKey: 'test-key', baseURL: server.baseURL, maxRetries: 0 });
});
afterAll(() => server.close());

const request = {
  model: 'claude-fake-1',
  max_tokens: 1024,
  messages: [{ role: 'user' as const, content: 'replay' }],
};

async function replayRaw(
  fixture: WireFixture,
  chunking?: WriteChunking,
): Promise<AnthropicStreamSummary> {
  server.enqueue({ kind: 'replay', fixture: fixture.name, ...(chunking ? { chunking } : {}) });
  return summarizeAnthropicStream(await client.messages.create({ ...request, stream: true }));
}

/** The structured output: text blocks, or the first tool_use input (an empty input stream is `{}`). */
function structuredText(fixture: WireFixture, summary: AnthropicStreamSummary): string {
  if (fixture.mode !== 'tool') return summary.text;
  const input = summary.toolInputs[0] ?? '';
  return input === '' ? '{}' : input;
}

const stopReasons: Record<string, string> = {
  stop: 'end_turn',
  length: 'max_tokens',
};

describe('Anthropic fixtures through the real @anthropic-ai/sdk', () => {
  for (const fixture of anthropicFixtures) {
    const { expected } = fixture;

    it(`${fixture.name}: the streamed events hold what the catalogue says`, async () => {
      const summary = await replayRaw(fixture);
      expect(structuredText(fixture, summary)).toBe(expected.text);
      expect(summary.stopReason).toBe(expected.wireFinishReason);
      expect(summary.usage).toEqual(expected.usage);
      expect(summary.id).toBe(expected.id);
      expect(summary.model).toBe(expected.model);
      if (fixture.mode !== 'tool' && expected.finishReason !== undefined) {
        expect(stopReasons[expected.finishReason]).toBe(summary.stopReason);
      }
    });

    it(`${fixture.name}: re-chunked at random byte boundaries, the SDK sees the same stream`, async () => {
      const reference = await replayRaw(fixture);
      await fc.assert(
        fc.asyncProperty(fc.integer(), fc.integer({ min: 1, max: 64 }), async (seed, maxBytes) => {
          expect(await replayRaw(fixture, { seed, maxBytes })).toEqual(reference);
        }),
        { numRuns: 8 },
      );
      expect(await replayRaw(fixture, 'whole')).toEqual(reference);
    });

    it(`${fixture.name}: the SDK's MessageStream accumulates the value`, async () => {
      server.enqueue({ kind: 'replay', fixture: fixture.name, chunking: { seed: 11 } });
      const message = await client.messages.stream(request).finalMessage();
      expect(message.id).toBe(expected.id);
      expect(message.stop_reason).toBe(expected.wireFinishReason);
      if (expected.engine.outcome !== 'value') return;
      const block =
        fixture.mode === 'tool'
          ? message.content.find((b) => b.type === 'tool_use')
          : message.content.find((b) => b.type === 'text');
      const value =
        block?.type === 'tool_use'
          ? block.input
          : block?.type === 'text'
            ? (JSON.parse(block.text) as unknown)
            : undefined;
      expect(value).toEqual(expected.engine.value);
    });
  }

  it('replays the recorded bytes exactly, padding and pings included', async () => {
    const fixture = anthropicFixtures.find((f) => f.name === 'anthropic-incomplete-partial-json');
    if (fixture === undefined) throw new Error('missing fixture');
    server.enqueue({ kind: 'replay', fixture: fixture.name, chunking: 'bytes' });
    const response = await fetch(`${server.baseURL}/v1/messages`, { method: 'POST', body: '{}' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    expect(Buffer.from(await response.arrayBuffer())).toEqual(readFileSync(fixture.path));
  });
});
