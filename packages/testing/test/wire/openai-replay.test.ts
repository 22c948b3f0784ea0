import fc from 'fast-check';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startOpenAIServer,
  startOpenRouterServer,
  type WireFixture,
  type WireServer,
  type WriteChunking,
  wireFixtures,
} from '../../src/index.ts';
import { type OpenAIStreamSummary, summarizeOpenAIStream } from '../support/sdk-results.ts';

const openAIFixtures = wireFixtures.filter((fixture) => fixture.dialect !== 'anthropic');

let openai: WireServer;
let openrouter: WireServer;

beforeAll(async () => {
  openai = await startOpenAIServer();
  openrouter = await startOpenRouterServer();
});
afterAll(async () => {
  await openai.close();
  await openrouter.close();
});

function clientFor(fixture: WireFixture): { client: OpenAI; server: WireServer } {
  const server = fixture.dialect === 'openrouter' ? openrouter : openai;
  return {
    server,
    client: new OpenAI({ apiKey: 'test-key', baseURL: server.baseURL, maxRetries: 0 }),
  };
}

async function replayRaw(
  fixture: WireFixture,
  chunking?: WriteChunking,
): Promise<OpenAIStreamSummary> {
  const { client, server } = clientFor(fixture);
  server.enqueue({ kind: 'replay', fixture: fixture.name, ...(chunking ? { chunking } : {}) });
  const stream = await client.chat.completions.create({
    model: 'gpt-4o',
    messages: [{ role: 'user', content: 'replay' }],
    stream: true,
  });
  return summarizeOpenAIStream(stream);
}

/** The structured output the stream carries: content, or the first tool call's arguments in tool mode. */
function structuredText(fixture: WireFixture, summary: OpenAIStreamSummary): string {
  return fixture.mode === 'tool' ? (summary.toolArguments[0] ?? '') : summary.content;
}

describe('OpenAI-style fixtures through the real openai SDK', () => {
  for (const fixture of openAIFixtures) {
    const { expected } = fixture;
    if (expected.providerError !== undefined) {
      it(`${fixture.name}: the SDK raises the mid-stream error`, async () => {
        await expect(replayRaw(fixture)).rejects.toMatchObject({
          name: expect.stringMatching(/Error/),
          message: expect.stringContaining(expected.providerError?.messageIncludes ?? ''),
        });
      });
      continue;
    }

    it(`${fixture.name}: the streamed chunks hold what the catalogue says`, async () => {
      const summary = await replayRaw(fixture);
      expect(structuredText(fixture, summary)).toBe(expected.text);
      expect(summary.finishReason).toBe(expected.wireFinishReason);
      expect(summary.usage).toEqual(expected.usage);
      expect(summary.id).toBe(expected.id);
      expect(summary.model).toBe(expected.model);
      if (expected.engine.outcome === 'value') {
        expect(JSON.parse(expected.text)).toEqual(expected.engine.value);
      }
      if (expected.finishReason === 'content_filter') expect(summary.refusal).not.toBe('');
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
  }

  it('one byte per write still gives the same stream', async () => {
    const fixture = openAIFixtures.find((f) => f.name === 'openai-chat-tool-call-strict');
    if (fixture === undefined) throw new Error('missing fixture');
    expect(await replayRaw(fixture, 'bytes')).toEqual(await replayRaw(fixture));
  });

  it("the SDK's stream helper accumulates the same final completion", async () => {
    for (const fixture of openAIFixtures) {
      // The helper cannot accumulate a tool call whose first index is 1 (an SDK limitation), and throws on errors.
      if (fixture.name === 'openai-compatible-tool-call-index-1') continue;
      if (fixture.expected.providerError !== undefined) continue;
      const { client, server } = clientFor(fixture);
      server.enqueue({ kind: 'replay', fixture: fixture.name, chunking: { seed: 7 } });
      const final = await client.chat.completions
        .stream({ model: 'gpt-4o', messages: [{ role: 'user', content: 'replay' }] })
        .finalChatCompletion();
      const message = final.choices[0]?.message;
      const text =
        fixture.mode === 'tool'
          ? (message?.tool_calls?.[0] as { function: { arguments: string } } | undefined)?.function
              .arguments
          : (message?.content ?? '');
      expect(text, fixture.name).toBe(fixture.expected.text);
      expect(final.choices[0]?.finish_reason, fixture.name).toBe(fixture.expected.wireFinishReason);
    }
  });

  it('replays the recorded bytes exactly (OpenRouter comments included)', async () => {
    const fixture = openAIFixtures.find((f) => f.name === 'openrouter-reasoning-text');
    if (fixture === undefined) throw new Error('missing fixture');
    openrouter.enqueue({ kind: 'replay', fixture: fixture.name, chunking: { seed: 3 } });
    const response = await fetch(`${openrouter.baseURL}/chat/completions`, {
      method: 'POST',
      body: '{}',
    });
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const { readFileSync } = await import('node:fs');
    expect(Buffer.from(await response.arrayBuffer())).toEqual(readFileSync(fixture.path));
  });
});
