import Anthropic from '@anthropic-ai/sdk';
import type { OutputMode } from '@structllm/core';
import fc from 'fast-check';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startAnthropicServer,
  startOpenAIServer,
  startOpenRouterServer,
  type WireServer,
} from '../../src/index.ts';
import { anthropicParams, openAIParams } from '../support/requests.ts';
import { summarizeAnthropicStream, summarizeOpenAIStream } from '../support/sdk-results.ts';

let openai: WireServer;
let openrouter: WireServer;
let anthropic: WireServer;

beforeAll(async () => {
  [openai, openrouter, anthropic] = await Promise.all([
    startOpenAIServer(),
    startOpenRouterServer(),
    startAnthropicServer(),
  ]);
});
afterAll(() => Promise.all([openai.close(), openrouter.close(), anthropic.close()]));

/** Any JSON value, with Unicode strings; wrapped in an object, as tool input must be. */
const answers = fc.jsonValue({ maxDepth: 3, stringUnit: 'grapheme' }).map((value) => ({
  value: JSON.parse(JSON.stringify(value)) as unknown,
}));
const chunkSizes = fc.integer({ min: 1, max: 40 });
const chunkings = fc.oneof(
  fc.constant('events' as const),
  fc.record({ seed: fc.integer(), maxBytes: fc.integer({ min: 1, max: 24 }) }),
);

const OPENAI_MODES: OutputMode[] = ['json_schema', 'tool', 'json_object', 'prompt'];
const ANTHROPIC_MODES: OutputMode[] = ['json_schema', 'tool', 'prompt'];

describe('generated OpenAI streams round-trip through the real openai SDK', () => {
  for (const dialect of ['openai', 'openrouter'] as const) {
    for (const mode of OPENAI_MODES) {
      it(`${dialect} ${mode}: any JSON value, any chunk size, any byte split`, async () => {
        const server = dialect === 'openai' ? openai : openrouter;
        const client = new OpenAI({ apiKey: 'k', baseURL: server.baseURL, maxRetries: 0 });
        await fc.assert(
          fc.asyncProperty(answers, chunkSizes, chunkings, async (answer, chunkSize, chunking) => {
            server.enqueue({ kind: 'generate', json: answer, chunkSize, chunking });
            const summary = await summarizeOpenAIStream(
              await client.chat.completions.create({
                ...openAIParams(mode),
                stream: true,
                stream_options: { include_usage: true },
              }),
            );
            const text = mode === 'tool' ? summary.toolArguments[0] : summary.content;
            expect(JSON.parse(text ?? '')).toEqual(answer);
            expect(summary.finishReason).toBe('stop');
            expect(summary.usage?.outputTokens).toBeGreaterThan(0);
            if (mode === 'tool') expect(summary.toolNames).toEqual(['answer']);
          }),
          { numRuns: 15 },
        );
      });

      it(`${dialect} ${mode}: a non-streaming request gets the same value in one body`, async () => {
        const server = dialect === 'openai' ? openai : openrouter;
        const client = new OpenAI({ apiKey: 'k', baseURL: server.baseURL, maxRetries: 0 });
        await fc.assert(
          fc.asyncProperty(answers, async (answer) => {
            server.enqueue({
              kind: 'generate',
              json: answer,
              usage: { inputTokens: 7, outputTokens: 3 },
            });
            const completion = await client.chat.completions.create(openAIParams(mode));
            const message = completion.choices[0]?.message;
            const call = message?.tool_calls?.[0];
            const text =
              mode === 'tool' && call?.type === 'function'
                ? call.function.arguments
                : message?.content;
            expect(JSON.parse(text ?? '')).toEqual(answer);
            expect(completion.object).toBe('chat.completion');
            expect(completion.choices[0]?.finish_reason).toBe('stop');
            expect(completion.usage).toMatchObject({ prompt_tokens: 7, completion_tokens: 3 });
          }),
          { numRuns: 10 },
        );
      });
    }
  }

  it('reports usage on an extra chunk with empty choices only when include_usage is set', async () => {
    const client = new OpenAI({ apiKey: 'k', baseURL: openai.baseURL, maxRetries: 0 });
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    openai.enqueue({
      kind: 'generate',
      json: { a: 1 },
      usage: { inputTokens: 5, outputTokens: 2 },
    });
    const withUsage = await client.chat.completions.create({
      ...openAIParams('json_schema'),
      stream: true,
      stream_options: { include_usage: true },
    });
    for await (const chunk of withUsage) chunks.push(chunk);
    const last = chunks.at(-1);
    expect(last?.choices).toEqual([]);
    expect(last?.usage).toMatchObject({ prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 });

    openai.enqueue({ kind: 'generate', json: { a: 1 } });
    const without = await summarizeOpenAIStream(
      await client.chat.completions.create({ ...openAIParams('json_schema'), stream: true }),
    );
    expect(without.usage).toBeUndefined();
  });

  it('a forced named tool ends with "stop"; tool mode with tool_choice "required" with "tool_calls"', async () => {
    const client = new OpenAI({ apiKey: 'k', baseURL: openai.baseURL, maxRetries: 0 });
    openai.enqueue({ kind: 'generate', json: { a: 1 } }, { kind: 'generate', json: { a: 1 } });
    const named = await summarizeOpenAIStream(
      await client.chat.completions.create({ ...openAIParams('tool'), stream: true }),
    );
    const required = await summarizeOpenAIStream(
      await client.chat.completions.create({
        ...openAIParams('tool'),
        tool_choice: 'required',
        stream: true,
      }),
    );
    expect(named.finishReason).toBe('stop');
    expect(required.finishReason).toBe('tool_calls');
    expect(required.toolArguments).toEqual(['{"a":1}']);
  });
});

describe('generated Anthropic streams round-trip through the real @anthropic-ai/sdk', () => {
  const client = (): Anthropic =>
    new Anthropic({ apiKey: 'k', baseURL: anthropic.baseURL, maxRetries: 0 });

  for (const mode of ANTHROPIC_MODES) {
    it(`${mode}: any JSON value, any chunk size, any byte split`, async () => {
      const sdk = client();
      await fc.assert(
        fc.asyncProperty(answers, chunkSizes, chunkings, async (answer, chunkSize, chunking) => {
          anthropic.enqueue({
            kind: 'generate',
            json: answer,
            chunkSize,
            chunking,
            usage: { inputTokens: 9, outputTokens: 4 },
          });
          const summary = await summarizeAnthropicStream(
            await sdk.messages.create({ ...anthropicParams(mode), stream: true }),
          );
          const text = mode === 'tool' ? summary.toolInputs[0] : summary.text;
          expect(JSON.parse(text ?? '')).toEqual(answer);
          expect(summary.stopReason).toBe(mode === 'tool' ? 'tool_use' : 'end_turn');
          expect(summary.usage).toEqual({ inputTokens: 9, outputTokens: 4 });
        }),
        { numRuns: 15 },
      );
    });

    it(`${mode}: MessageStream and a non-streaming request give the same value`, async () => {
      const sdk = client();
      await fc.assert(
        fc.asyncProperty(answers, async (answer) => {
          anthropic.enqueue({ kind: 'generate', json: answer }, { kind: 'generate', json: answer });
          const streamed = await sdk.messages.stream(anthropicParams(mode)).finalMessage();
          const single = await sdk.messages.create(anthropicParams(mode));
          for (const message of [streamed, single]) {
            const block = message.content[0];
            const value =
              block?.type === 'tool_use'
                ? block.input
                : block?.type === 'text'
                  ? (JSON.parse(block.text) as unknown)
                  : undefined;
            expect(value).toEqual(answer);
            expect(block?.type).toBe(mode === 'tool' ? 'tool_use' : 'text');
          }
          expect(single.stop_reason).toBe(streamed.stop_reason);
        }),
        { numRuns: 10 },
      );
    });
  }
});
