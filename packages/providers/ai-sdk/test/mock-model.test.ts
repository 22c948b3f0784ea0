import {
  APICallError,
  type LanguageModelV3StreamPart,
  type LanguageModelV4StreamPart,
  UnsupportedFunctionalityError,
} from '@ai-sdk/provider';
import { type AttemptEndEvent, jsonSchema, StructuredLLMError } from '@structllm/core';
import type { ProviderCall } from '@structllm/core/provider';
import {
  samplePerson as ADA,
  createTestService,
  errorTexts,
  findSecret,
  type SamplePerson,
  samplePersonSchema,
} from '@structllm/testing';
import { collectStream, makeCall } from '@structllm/testing/conformance';
import { convertArrayToReadableStream, MockLanguageModelV3, MockLanguageModelV4 } from 'ai/test';
import { describe, expect, it } from 'vitest';
import { fromAISDK } from '../src/index.ts';

const MODEL_ID = 'mock-model';
const KEY = 'sk-mock-9b1e4c7a2f5d8e0b3a6c9f2e';

type V4Part = LanguageModelV4StreamPart;

const usage = (input: number, output: number, cacheRead = 0, reasoning = 0) => ({
  inputTokens: { total: input, noCache: input - cacheRead, cacheRead, cacheWrite: undefined },
  outputTokens: { total: output, text: output - reasoning, reasoning },
});

/** A finish part; `raw: null` stands for a provider that never saw a finish reason. */
const finish = (unified: string, raw: string | null = unified, tokens = usage(10, 5)) =>
  ({
    type: 'finish',
    finishReason: { unified, raw: raw ?? undefined },
    usage: tokens,
  }) as V4Part;

function textParts(text: string, size = 7): V4Part[] {
  const parts: V4Part[] = [{ type: 'text-start', id: 't' }];
  for (let i = 0; i < text.length; i += size) {
    parts.push({ type: 'text-delta', id: 't', delta: text.slice(i, i + size) });
  }
  parts.push({ type: 'text-end', id: 't' });
  return parts;
}

/** A V4 mock that streams `parts` (after a stream-start with `warnings`). */
function streamingModel(parts: readonly V4Part[], warnings: unknown[] = []) {
  return new MockLanguageModelV4({
    provider: 'mock.chat',
    modelId: MODEL_ID,
    doStream: async () => ({
      stream: convertArrayToReadableStream<V4Part>([
        { type: 'stream-start', warnings } as V4Part,
        { type: 'response-metadata', id: 'resp_1', modelId: `${MODEL_ID}-2026` },
        ...parts,
      ]),
    }),
  });
}

const call = (mode: ProviderCall['mode'], extra: Partial<ProviderCall> = {}): ProviderCall => ({
  ...makeCall(MODEL_ID, mode),
  ...extra,
});

const person = jsonSchema<SamplePerson>(samplePersonSchema, { name: 'person' });

describe('call options: each mode asks the model as the spec says', () => {
  it('json_schema: a JSON response format with the schema, name and description', async () => {
    const model = streamingModel([...textParts('{}'), finish('stop')]);
    await collectStream(fromAISDK(model), call('json_schema'));
    const options = model.doStreamCalls[0];
    expect(options?.responseFormat).toEqual({
      type: 'json',
      schema: makeCall(MODEL_ID, 'json_schema').schema,
      name: 'person',
      description: 'A person',
    });
    expect(options?.tools).toBeUndefined();
    expect(options?.maxOutputTokens).toBe(512);
    expect(options?.prompt).toEqual([
      { role: 'system', content: 'Answer with JSON that matches the schema.' },
      { role: 'user', content: [{ type: 'text', text: 'Describe a famous programmer.' }] },
    ]);
    expect(options?.abortSignal).toBeInstanceOf(AbortSignal);
  });

  it('tool: one function tool with the schema and a tool choice that forces it', async () => {
    const model = streamingModel([finish('tool-calls')]);
    await collectStream(fromAISDK(model), call('tool', { schemaName: 'a person!' }));
    const options = model.doStreamCalls[0];
    expect(options?.tools).toEqual([
      {
        type: 'function',
        name: 'a_person_',
        description: 'A person',
        inputSchema: makeCall(MODEL_ID, 'tool').schema,
      },
    ]);
    expect(options?.toolChoice).toEqual({ type: 'tool', toolName: 'a_person_' });
    expect(options?.responseFormat).toBeUndefined();
  });

  it('json_object: a JSON response format without a schema; prompt: neither', async () => {
    const model = streamingModel([...textParts('{}'), finish('stop')]);
    await collectStream(fromAISDK(model), call('json_object'));
    expect(model.doStreamCalls[0]?.responseFormat).toEqual({ type: 'json' });
    const plain = streamingModel([...textParts('{}'), finish('stop')]);
    await collectStream(fromAISDK(plain), call('prompt', { temperature: 0.2 }));
    expect(plain.doStreamCalls[0]?.responseFormat).toBeUndefined();
    expect(plain.doStreamCalls[0]?.tools).toBeUndefined();
    expect(plain.doStreamCalls[0]?.temperature).toBe(0.2);
  });

  it('providerOptions[id] are passed on as the AI SDK provider options', async () => {
    const model = streamingModel([...textParts('{}'), finish('stop')]);
    const providerOptions = { mock: { mock: { reasoningEffort: 'low' } }, other: { x: 1 } };
    await collectStream(fromAISDK(model), call('prompt', { providerOptions }));
    expect(model.doStreamCalls[0]?.providerOptions).toEqual({ mock: { reasoningEffort: 'low' } });
  });
});

describe('stream parts', () => {
  it('maps metadata, text deltas and a finish with cached and reasoning tokens', async () => {
    const text = JSON.stringify(ADA);
    const model = streamingModel([
      ...textParts(text),
      finish('stop', 'stop', usage(120, 40, 100, 30)),
    ]);
    const outcome = await collectStream(fromAISDK(model), call('json_schema'));
    expect(outcome.error).toBeUndefined();
    expect(outcome.parts[0]).toEqual({ type: 'metadata', id: 'resp_1', model: `${MODEL_ID}-2026` });
    expect(outcome.text).toBe(text);
    expect(outcome.parts.at(-1)).toEqual({
      type: 'finish',
      finishReason: 'stop',
      usage: { inputTokens: 120, outputTokens: 40, cachedInputTokens: 100, reasoningTokens: 30 },
    });
  });

  it('tool mode streams the first tool call’s input deltas and ignores text and other calls', async () => {
    const model = streamingModel([
      ...textParts('Let me call the tool.'),
      { type: 'tool-input-start', id: 'call_1', toolName: 'person' },
      { type: 'tool-input-delta', id: 'call_1', delta: '{"name":' },
      { type: 'tool-input-start', id: 'call_2', toolName: 'person' },
      { type: 'tool-input-delta', id: 'call_2', delta: '{"other":1}' },
      { type: 'tool-input-delta', id: 'call_1', delta: '"Ada"}' },
      { type: 'tool-input-end', id: 'call_1' },
      { type: 'tool-call', toolCallId: 'call_1', toolName: 'person', input: '{"name":"Ada"}' },
      finish('tool-calls', 'tool_calls'),
    ]);
    const outcome = await collectStream(fromAISDK(model), call('tool'));
    expect(outcome.text).toBe('{"name":"Ada"}');
    expect(outcome.finish?.finishReason).toBe('stop');
  });

  it('a provider that sends the tool call whole (no input deltas) is read too; no input is {}', async () => {
    const whole = streamingModel([
      { type: 'tool-call', toolCallId: 'c', toolName: 'person', input: '{"name":"Ada"}' },
      finish('tool-calls'),
    ]);
    expect((await collectStream(fromAISDK(whole), call('tool'))).text).toBe('{"name":"Ada"}');
    const empty = streamingModel([
      { type: 'tool-input-start', id: 'c', toolName: 'person' },
      { type: 'tool-input-end', id: 'c' },
      finish('tool-calls'),
    ]);
    expect((await collectStream(fromAISDK(empty), call('tool'))).text).toBe('{}');
  });

  it('finish reasons: length passes through, content-filter fails as content_filter', async () => {
    const cut = streamingModel([...textParts('{"name": "Ad'), finish('length')]);
    const length = await collectStream(fromAISDK(cut), call('json_schema'));
    expect(length.error).toBeUndefined();
    expect(length.finish?.finishReason).toBe('length');

    const filtered = streamingModel([
      ...textParts('{"name": "A'),
      finish('content-filter', 'content_filter'),
    ]);
    const outcome = await collectStream(fromAISDK(filtered), call('json_schema'));
    expect(outcome.finish).toBeUndefined();
    expect(outcome.error).toMatchObject({ category: 'content_filter', code: 'content_filter' });

    const refused = streamingModel([
      ...textParts("I can't help with that."),
      finish('content-filter', 'stop'),
    ]);
    const refusal = await collectStream(fromAISDK(refused), call('json_schema'));
    expect(refusal.error).toMatchObject({ category: 'content_filter', code: 'refusal' });
    expect((refusal.error as Error).message).toContain("I can't help with that.");
    // The refusal's words never reach the engine as JSON text (it would judge them a parse failure first).
    expect(refusal.parts.filter((part) => part.type === 'text-delta')).toEqual([]);
  });

  it('in the JSON modes prose is held to the finish; JSON and prompt-mode text stream at once', async () => {
    const prose = streamingModel([
      ...textParts('Here is the person: {"name":"Ada"}'),
      finish('stop'),
    ]);
    const held = await collectStream(fromAISDK(prose), call('json_object'));
    expect(held.parts.filter((part) => part.type === 'text-delta')).toEqual([
      { type: 'text-delta', delta: 'Here is the person: {"name":"Ada"}' },
    ]);
    expect(held.finish?.finishReason).toBe('stop');

    const json = streamingModel([...textParts('  \n{"name":"Ada Lovelace"}', 3), finish('stop')]);
    const streamed = await collectStream(fromAISDK(json), call('json_schema'));
    const deltas = streamed.parts.filter((part) => part.type === 'text-delta');
    expect(deltas.length).toBeGreaterThan(3);
    expect(streamed.text).toBe('  \n{"name":"Ada Lovelace"}');

    const plain = streamingModel([...textParts('Sure. {"name":"Ada"}', 4), finish('stop')]);
    const prompt = await collectStream(fromAISDK(plain), call('prompt'));
    expect(prompt.parts.filter((part) => part.type === 'text-delta').length).toBeGreaterThan(3);
  });

  it('a stream that ends without a finish, or interrupted, fails as network stream_truncated', async () => {
    for (const parts of [
      textParts('{"name"'),
      [...textParts('{"name"'), finish('interrupted', null)],
    ]) {
      const outcome = await collectStream(fromAISDK(streamingModel(parts)), call('json_schema'));
      expect(outcome.finish).toBeUndefined();
      expect(outcome.error).toMatchObject({
        category: 'network',
        code: 'stream_truncated',
        retryable: true,
      });
    }
  });

  it('error parts map by status or type; a provider stream error keeps no raw object', async () => {
    const cases = [
      [{ message: 'Rate limit reached', type: 'rate_limit_error', statusCode: 429 }, 'rate_limit'],
      [{ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }, 'server'],
      [{ message: 'Slow down', type: 'tokens', code: 'rate_limit_exceeded' }, 'rate_limit'],
      [{ message: 'Boom', code: 'server_error' }, 'server'],
    ] as const;
    for (const [error, category] of cases) {
      const model = streamingModel([
        ...textParts('{"na'),
        { type: 'error', error },
        finish('error'),
      ]);
      const outcome = await collectStream(fromAISDK(model), call('json_schema'));
      const structured = outcome.error as StructuredLLMError;
      expect(structured.category, JSON.stringify(error)).toBe(category);
      expect(structured.code).toBe('stream_error');
      // A plain copy (core's mapProviderError), never the part's object.
      expect(structured.cause).toBeInstanceOf(Error);
      expect(structured.cause).not.toBe(error);
      expect(outcome.finish).toBeUndefined();
    }
  });

  it('a V3 model (ai 6 providers) works the same; its unexplained "other" finish is a cut-off', async () => {
    const v3 = (last: unknown) =>
      new MockLanguageModelV3({
        modelId: MODEL_ID,
        doStream: async () => ({
          stream: convertArrayToReadableStream([
            { type: 'stream-start', warnings: [] },
            ...textParts('{"name":"Ada"}'),
            last,
          ] as LanguageModelV3StreamPart[]),
        }),
      });
    const done = await collectStream(fromAISDK(v3(finish('stop'))), call('json_schema'));
    expect(done.text).toBe('{"name":"Ada"}');
    expect(done.finish).toEqual({
      type: 'finish',
      finishReason: 'stop',
      usage: { inputTokens: 10, outputTokens: 5 },
    });
    const cut = await collectStream(fromAISDK(v3(finish('other', null))), call('json_schema'));
    expect(cut.error).toMatchObject({ code: 'stream_truncated' });
  });
});

describe('errors', () => {
  const failing = (error: unknown) =>
    new MockLanguageModelV4({
      provider: 'mock.chat',
      modelId: MODEL_ID,
      doStream: async () => {
        throw error;
      },
      doGenerate: async () => {
        throw error;
      },
    });

  const apiError = (
    statusCode: number,
    headers: Record<string, string>,
    message = 'Too many requests',
  ) =>
    new APICallError({
      message,
      url: 'https://api.example.com/v1/chat/completions',
      requestBodyValues: { model: MODEL_ID, api_key: KEY },
      statusCode,
      responseHeaders: { ...headers, authorization: `Bearer ${KEY}`, 'x-echo-key': KEY },
      responseBody: `{"error":{"message":"bad key ${KEY}"}}`,
      isRetryable: statusCode === 429,
    });

  it('APICallError: category by status, retryAfterMs from the headers, a plain cause without the key', async () => {
    for (const method of ['doStream', 'doGenerate'] as const) {
      const provider = fromAISDK(failing(apiError(429, { 'retry-after': '3' })));
      const error = await provider[method](call('json_schema')).then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
      expect(error).toBeInstanceOf(StructuredLLMError);
      const structured = error as StructuredLLMError;
      expect(structured).toMatchObject({ category: 'rate_limit', status: 429, retryAfterMs: 3000 });
      const cause = structured.cause as Error & { headers?: unknown };
      expect(cause).toBeInstanceOf(Error);
      expect(cause).toMatchObject({ name: 'AI_APICallError', status: 429 });
      expect(cause.headers).toEqual({ 'retry-after': '3' });
      // The key was in the request body, the response body and two headers: none of it is kept.
      expect(findSecret(errorTexts(error), KEY)).toBeUndefined();
      expect(findSecret(JSON.stringify(cause), KEY)).toBeUndefined();
    }
  });

  it('a key the API repeats in its message is redacted when passed as a secret', async () => {
    const provider = fromAISDK(failing(apiError(401, {}, `Incorrect API key provided: ${KEY}`)), {
      secrets: [KEY],
    });
    const outcome = await collectStream(provider, call('json_schema'));
    expect(outcome.error).toMatchObject({ category: 'auth', status: 401 });
    expect(findSecret(errorTexts(outcome.error), KEY)).toBeUndefined();
  });

  it('a connection failure (APICallError without a status) is network and retryable', async () => {
    const refused = new APICallError({
      message: 'Cannot connect to API: connect ECONNREFUSED 127.0.0.1:1',
      url: 'http://127.0.0.1:1/v1',
      requestBodyValues: {},
      cause: new Error('connect ECONNREFUSED 127.0.0.1:1'),
      isRetryable: true,
    });
    const outcome = await collectStream(fromAISDK(failing(refused)), call('prompt'));
    expect(outcome.error).toMatchObject({ category: 'network', retryable: true });
    expect((outcome.error as Error).message).toContain('ECONNREFUSED');
  });

  it('an abort passes through as aborted', async () => {
    const controller = new AbortController();
    const model = new MockLanguageModelV4({
      modelId: MODEL_ID,
      doStream: async (options) => ({
        // A stream that never ends unless the signal stops the read.
        stream: new ReadableStream({
          start(stream) {
            stream.enqueue({ type: 'text-delta', id: 't', delta: '{"na' });
            options.abortSignal?.addEventListener('abort', () => {});
          },
        }),
      }),
    });
    const outcome = await collectStream(
      fromAISDK(model),
      call('prompt', { signal: controller.signal }),
      (part) => {
        if (part.type === 'text-delta') controller.abort();
      },
    );
    expect(outcome.error).toMatchObject({ category: 'aborted' });
  });

  it('a model id other than the model’s is refused clearly', () => {
    const provider = fromAISDK(streamingModel([]), { id: 'mine' });
    expect(provider.id).toBe('mine');
    expect(() => provider.supports('other-model')).toThrow(/serves the AI SDK model "mock-model"/);
    expect(fromAISDK(streamingModel([])).id).toBe('mock');
  });
});

describe('through the engine', () => {
  it('observers see the cached and reasoning tokens the model reported', async () => {
    const model = streamingModel([
      ...textParts(JSON.stringify(ADA)),
      finish('stop', 'stop', usage(120, 40, 100, 30)),
    ]);
    const ends: AttemptEndEvent[] = [];
    const service = createTestService(fromAISDK(model), {
      defaultModel: `mock/${MODEL_ID}`,
      observers: [{ onAttemptEnd: (event) => ends.push(event) }],
    });
    expect(await service.routeStructured({ prompt: 'Who?', responseModel: person })).toEqual(ADA);
    expect(ends[0]?.usage).toEqual({
      inputTokens: 120,
      outputTokens: 40,
      cachedInputTokens: 100,
      reasoningTokens: 30,
    });
    expect(ends[0]).toMatchObject({ responseId: 'resp_1', responseModel: `${MODEL_ID}-2026` });
  });

  it('a warning that the response format is unsupported degrades json_schema to tool', async () => {
    let calls = 0;
    const model = new MockLanguageModelV4({
      provider: 'mock.chat',
      modelId: MODEL_ID,
      doStream: async (options) => {
        calls++;
        const parts: V4Part[] =
          options.tools === undefined
            ? [
                {
                  type: 'stream-start',
                  warnings: [
                    {
                      type: 'unsupported',
                      feature: 'responseFormat',
                      details: 'JSON schema is not supported',
                    },
                  ],
                },
                ...textParts('Sure! Ada.'),
                finish('stop'),
              ]
            : [
                { type: 'stream-start', warnings: [] },
                { type: 'tool-input-start', id: 'c', toolName: 'person' },
                { type: 'tool-input-delta', id: 'c', delta: JSON.stringify(ADA) },
                finish('tool-calls'),
              ];
        return { stream: convertArrayToReadableStream(parts) };
      },
    });
    const service = createTestService(fromAISDK(model), {
      defaultModel: `mock/${MODEL_ID}`,
      breaker: false,
    });
    const stream = service.routeStructuredStreaming({ prompt: 'Who?', responseModel: person });
    expect(await stream.result).toEqual(ADA);
    expect(calls).toBe(2);
    expect(stream.attempts.map((attempt) => attempt.category ?? 'ok')).toEqual([
      'bad_request',
      'ok',
    ]);
  });

  it('an UnsupportedFunctionalityError degrades the mode as well (doGenerate)', async () => {
    const model = new MockLanguageModelV4({
      provider: 'mock.chat',
      modelId: MODEL_ID,
      doGenerate: async (options) => {
        if (options.responseFormat?.type === 'json') {
          throw new UnsupportedFunctionalityError({ functionality: 'json response format' });
        }
        return {
          content:
            options.tools === undefined
              ? [{ type: 'text', text: JSON.stringify(ADA) }]
              : [
                  {
                    type: 'tool-call',
                    toolCallId: 'c',
                    toolName: 'person',
                    input: JSON.stringify(ADA),
                  },
                ],
          finishReason: { unified: 'tool-calls', raw: 'tool_use' },
          usage: usage(9, 4),
          warnings: [],
        };
      },
    });
    const service = createTestService(fromAISDK(model), {
      defaultModel: `mock/${MODEL_ID}`,
      breaker: false,
    });
    const result = await service.routeStructured({
      prompt: 'Who?',
      responseModel: person,
      enableStreaming: false,
    });
    expect(result).toEqual(ADA);
    expect(
      model.doGenerateCalls.map((options) => (options.tools === undefined ? 'json' : 'tool')),
    ).toEqual(['json', 'tool']);
  });
});
