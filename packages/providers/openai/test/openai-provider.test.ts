import {
  type JsonSchema,
  jsonSchema,
  type StreamingResponse,
  type StructuredLLMError,
  StructuredLLMService,
} from '@structllm/core';
import type { ProviderCall } from '@structllm/core/provider';
import {
  samplePerson as ADA,
  collectResponses,
  createTestService,
  errorTexts,
  findSecret,
  samplePersonSchema as PERSON_SCHEMA,
  type SamplePerson as Person,
  type RecordedRequest,
  replayThroughEngine,
  startOpenAIServer,
  wireFixtures,
} from '@structllm/testing';
import { collectStream, makeCall, useWireServer } from '@structllm/testing/conformance';
import OpenAI from 'openai';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  createOpenAIProvider,
  isUnsupportedModeMessage,
  type OpenAIProviderSettings,
  openAIModelModes,
} from '../src/index.ts';

const API_KEY = 'sk-test-4f9c2b7e1d3a5c6b8e0f2a4c6e8b0d1f';

/** Not strict-compatible: `age` is optional and extra properties are allowed. */
const LOOSE_SCHEMA: JsonSchema = {
  type: 'object',
  properties: { name: { type: 'string' }, age: { type: 'integer' } },
  required: ['name'],
};

const server = useWireServer('openai');

const provider = (extra: Omit<OpenAIProviderSettings, 'client'> = {}) =>
  createOpenAIProvider({ baseURL: server.baseURL, apiKey: API_KEY, ...extra });

function service(extra: Omit<OpenAIProviderSettings, 'client'> = {}) {
  return createTestService(provider(extra), { defaultModel: 'openai/gpt-4o', breaker: false });
}

function call(mode: ProviderCall['mode'], extra: Partial<ProviderCall> = {}): ProviderCall {
  return { ...makeCall('gpt-4o', mode), schema: PERSON_SCHEMA, schemaName: 'person', ...extra };
}

function bodyOf(request: RecordedRequest | undefined): Record<string, unknown> {
  return (request?.body ?? {}) as Record<string, unknown>;
}

async function settle<T>(promise: Promise<T>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe('recorded fixtures through the real SDK, the provider and the engine', () => {
  for (const fixture of wireFixtures.filter((f) => f.dialect === 'openai')) {
    it(`${fixture.name}: the engine ends as recorded (${fixture.expected.engine.outcome})`, async () => {
      const outcome = await replayThroughEngine({
        server,
        provider: provider(),
        fixture,
        chunking: { seed: 11, maxBytes: 24 },
        model: 'openai/gpt-4o',
      });
      expect(outcome).toEqual(fixture.expected.engine);
      expect(server.requests).toHaveLength(1);
      expect(server.requests[0]?.mode).toBe(fixture.mode);
    });
  }

  it('the mid-stream Groq error keeps its message and status', async () => {
    server.enqueue({ kind: 'replay', fixture: 'openai-compatible-groq-error-midstream' });
    const outcome = await collectStream(provider(), call('tool'));
    const error = outcome.error as StructuredLLMError;
    expect(error.category).toBe('bad_request');
    expect(error.status).toBe(400);
    expect(error.message).toContain('Tool call validation failed');
  });
});

describe('what is sent', () => {
  it('json_schema: response_format with the schema as is and strict: true when it is strict-compatible', async () => {
    server.enqueue({ kind: 'generate', json: ADA });
    const outcome = await collectStream(
      provider(),
      call('json_schema', { schemaName: 'Person v2!' }),
    );
    expect(outcome.error).toBeUndefined();
    const body = bodyOf(server.requests[0]);
    expect(body.response_format).toEqual({
      type: 'json_schema',
      json_schema: {
        name: 'Person_v2_',
        description: 'A person',
        schema: PERSON_SCHEMA,
        strict: true,
      },
    });
    expect(body.stream).toBe(true);
    expect(body.stream_options).toEqual({ include_usage: true });
    expect(body.tools).toBeUndefined();
    expect(server.requests[0]?.retryCount ?? 0).toBe(0);
  });

  it('json_schema: strict: false and the schema untouched when it is not strict-compatible', async () => {
    server.enqueue({ kind: 'generate', json: { name: 'Ada' } });
    await collectStream(provider(), call('json_schema', { schema: LOOSE_SCHEMA }));
    const format = bodyOf(server.requests[0]).response_format as {
      json_schema: { schema: unknown; strict: boolean };
    };
    expect(format.json_schema.strict).toBe(false);
    expect(format.json_schema.schema).toEqual(LOOSE_SCHEMA);
  });

  it('tool: one function with the schema, forced by tool_choice', async () => {
    server.enqueue({ kind: 'generate', json: ADA, chunkSize: 3 });
    const outcome = await collectStream(provider(), call('tool'));
    expect(JSON.parse(outcome.text)).toEqual(ADA);
    const body = bodyOf(server.requests[0]);
    expect(body.tools).toEqual([
      {
        type: 'function',
        function: {
          name: 'person',
          description: 'A person',
          parameters: PERSON_SCHEMA,
          strict: true,
        },
      },
    ]);
    expect(body.tool_choice).toEqual({ type: 'function', function: { name: 'person' } });
    expect(body.response_format).toBeUndefined();
  });

  it('tool: strict: false for a schema strict mode cannot take', async () => {
    server.enqueue({ kind: 'generate', json: { name: 'Ada' } });
    await collectStream(provider(), call('tool', { schema: LOOSE_SCHEMA }));
    const tools = bodyOf(server.requests[0]).tools as Array<{ function: { strict: boolean } }>;
    expect(tools[0]?.function.strict).toBe(false);
  });

  it('json_object and prompt: JSON mode, then nothing at all', async () => {
    server.enqueue({ kind: 'generate', json: ADA }, { kind: 'generate', json: ADA });
    await collectStream(provider(), call('json_object'));
    await collectStream(provider(), call('prompt'));
    expect(bodyOf(server.requests[0]).response_format).toEqual({ type: 'json_object' });
    const prompt = bodyOf(server.requests[1]);
    expect(prompt.response_format).toBeUndefined();
    expect(prompt.tools).toBeUndefined();
    expect(prompt.tool_choice).toBeUndefined();
    expect(prompt.messages).toEqual([
      { role: 'system', content: 'Answer with JSON that matches the schema.' },
      { role: 'user', content: 'Describe a famous programmer.' },
    ]);
  });

  it('token limit, temperature and providerOptions.openai', async () => {
    server.enqueue({ kind: 'generate', json: ADA }, { kind: 'generate', json: ADA });
    const extra = {
      maxOutputTokens: 99,
      temperature: 0.25,
      providerOptions: { openai: { seed: 7, reasoning_effort: 'low' }, anthropic: { ignored: 1 } },
    };
    // A custom base URL (Ollama, vLLM) gets max_tokens …
    await collectStream(provider(), call('json_schema', extra));
    // … OpenAI's reasoning models need max_completion_tokens.
    await collectStream(
      provider({ maxTokensParameter: 'max_completion_tokens' }),
      call('json_schema', extra),
    );
    expect(bodyOf(server.requests[0])).toMatchObject({
      max_tokens: 99,
      temperature: 0.25,
      seed: 7,
      reasoning_effort: 'low',
    });
    expect(bodyOf(server.requests[0]).ignored).toBeUndefined();
    expect(bodyOf(server.requests[1]).max_completion_tokens).toBe(99);
    expect(bodyOf(server.requests[1]).max_tokens).toBeUndefined();
  });

  it('headers, organization and project go with every request; streamUsage: false drops stream_options', async () => {
    server.enqueue({ kind: 'generate', json: ADA });
    await collectStream(
      provider({
        headers: { 'x-team': 'search' },
        organization: 'org-123',
        project: 'proj-9',
        streamUsage: false,
      }),
      call('json_schema'),
    );
    const request = server.requests[0];
    expect(request?.headers['x-team']).toBe('search');
    expect(request?.headers['openai-organization']).toBe('org-123');
    expect(request?.headers['openai-project']).toBe('proj-9');
    expect(request?.apiKey).toBe(API_KEY);
    expect(bodyOf(request).stream_options).toBeUndefined();
  });

  it('doGenerate sends one non-streaming request and reads the tool arguments', async () => {
    server.enqueue({ kind: 'generate', json: ADA, id: 'chatcmpl-1', model: 'gpt-4o-2024-08-06' });
    const result = await provider().doGenerate(call('tool'));
    expect(JSON.parse(result.text)).toEqual(ADA);
    expect(result).toMatchObject({
      finishReason: 'stop',
      id: 'chatcmpl-1',
      model: 'gpt-4o-2024-08-06',
    });
    expect(server.requests).toHaveLength(1);
    expect(bodyOf(server.requests[0]).stream).toBe(false);
    expect(bodyOf(server.requests[0]).stream_options).toBeUndefined();
  });
});

describe('through the engine (routeStructuredStreaming)', () => {
  it('retries after a connection reset mid-stream: partials of the first attempt, then the value', async () => {
    server.enqueue(
      { kind: 'generate', json: ADA, chunkSize: 4, fault: { type: 'reset', afterChunks: 3 } },
      { kind: 'generate', json: ADA, chunkSize: 4 },
    );
    const stream = service().routeStructuredStreaming({
      prompt: 'Who?',
      responseModel: jsonSchema<Person>(PERSON_SCHEMA),
    });
    const responses = await collectResponses(stream);
    const firstAttempt = responses.filter((r) => r.attempt === 1 && !r.isComplete);
    expect(firstAttempt.length).toBeGreaterThan(0);
    expect(firstAttempt.at(-1)?.partialResult).toMatchObject({ name: 'Ada' });
    const last = responses.at(-1);
    expect(last).toMatchObject({ isComplete: true, error: undefined, attempt: 2 });
    expect(last?.partialResult).toEqual(ADA);
    expect(stream.attempts.map((a) => a.category)).toEqual(['network', undefined]);
    expect(server.requests).toHaveLength(2);
  });

  it('waits out a 429 (retry-after-ms) and succeeds', async () => {
    server.enqueue(
      { kind: 'error', status: 429, retryAfterMs: 5 },
      { kind: 'generate', json: ADA },
    );
    const stream = service().routeStructuredStreaming({
      prompt: 'Who?',
      responseModel: jsonSchema<Person>(PERSON_SCHEMA),
    });
    await expect(stream.result).resolves.toEqual(ADA);
    expect(stream.attempts[0]).toMatchObject({ category: 'rate_limit', delayMs: 5 });
  });

  it('falls back to the next model after an auth failure', async () => {
    server.enqueue({ kind: 'error', status: 401 }, { kind: 'generate', json: ADA });
    const stream = service().routeStructuredStreaming({
      prompt: 'Who?',
      responseModel: jsonSchema<Person>(PERSON_SCHEMA),
      fallbackModels: ['openai/gpt-4o-mini'],
    });
    const responses = await collectResponses(stream);
    expect(responses.at(-1)).toMatchObject({ isComplete: true, model: 'openai/gpt-4o-mini' });
    expect(server.requests.map((r) => r.model)).toEqual(['gpt-4o', 'gpt-4o-mini']);
    expect(stream.attempts.map((a) => a.category)).toEqual(['auth', undefined]);
  });

  it('ends with the last error category once retries are spent', async () => {
    server.setDefault({
      kind: 'generate',
      json: ADA,
      fault: { type: 'error-event', afterChunks: 1 },
    });
    const stream = service().routeStructuredStreaming({
      prompt: 'Who?',
      responseModel: jsonSchema<Person>(PERSON_SCHEMA),
      maxRetries: 2,
    });
    const responses = await collectResponses(stream);
    expect(responses.at(-1)?.error?.category).toBe('server');
    expect(server.requests).toHaveLength(3);
    await expect(stream.result).rejects.toMatchObject({ category: 'server' });
  });

  it('a 400 saying the mode is unsupported degrades json_schema → tool', async () => {
    server.enqueue(
      {
        kind: 'error',
        status: 400,
        message:
          "Invalid parameter: 'response_format' of type 'json_schema' is not supported with this model.",
      },
      { kind: 'generate', json: ADA },
    );
    const value = await service().routeStructured({
      prompt: 'Who?',
      responseModel: jsonSchema<Person>(PERSON_SCHEMA),
      maxRetries: 0,
    });
    expect(value).toEqual(ADA);
    expect(server.requests.map((r) => r.mode)).toEqual(['json_schema', 'tool']);
  });

  it('a refusal fails the stream and doGenerate as content_filter, with the words of the model', async () => {
    server.enqueue({ kind: 'generate', refusal: "I'm sorry, I can't help with that." });
    const outcome = await collectStream(provider(), call('json_schema'));
    expect(outcome.error).toMatchObject({ category: 'content_filter', code: 'refusal' });
    expect((outcome.error as Error).message).toBe(
      "The model refused: I'm sorry, I can't help with that.",
    );
    server.enqueue({ kind: 'generate', refusal: 'No.' });
    await expect(provider().doGenerate(call('json_schema'))).rejects.toMatchObject({
      category: 'content_filter',
      message: 'The model refused: No.',
    });
  });

  it('a refusal ends as content_filter and a length cut as length, without retries', async () => {
    server.enqueue({ kind: 'generate', refusal: 'I cannot help with that.' });
    const refused = await settle(
      service().routeStructured({ prompt: 'x', responseModel: jsonSchema<Person>(PERSON_SCHEMA) }),
    );
    expect(refused).toMatchObject({ category: 'content_filter' });
    server.reset();
    server.enqueue({ kind: 'generate', text: '{"name": "Ad', finish: 'length' });
    const cut = await settle(
      service().routeStructured({ prompt: 'x', responseModel: jsonSchema<Person>(PERSON_SCHEMA) }),
    );
    expect(cut).toMatchObject({ category: 'length' });
    expect(server.requests).toHaveLength(1);
  });

  it('stream.abort() while the model is stalled ends the request as aborted', async () => {
    server.enqueue({
      kind: 'generate',
      json: ADA,
      chunkSize: 2,
      fault: { type: 'stall', afterChunks: 2 },
    });
    const stream = service().routeStructuredStreaming({
      prompt: 'Who?',
      responseModel: jsonSchema<Person>(PERSON_SCHEMA),
    });
    const responses: StreamingResponse<Person>[] = [];
    for await (const response of stream) {
      responses.push(response);
      if (!response.isComplete) stream.abort();
    }
    expect(responses.at(-1)?.error?.category).toBe('aborted');
    await vi.waitFor(() => expect(server.openResponses).toBe(0));
  });
});

describe('the API key never appears in an error', () => {
  it('not even when the server echoes it back', async () => {
    server.enqueue({
      kind: 'error',
      status: 401,
      message: `Incorrect API key provided: ${API_KEY}.`,
    });
    const error = (await settle(
      service().routeStructured({
        prompt: 'x',
        responseModel: jsonSchema<Person>(PERSON_SCHEMA),
      }),
    )) as StructuredLLMError;
    expect(error.category).toBe('auth');
    expect(error.message).toContain('Incorrect API key provided: [redacted]');
    expect(findSecret(errorTexts(error), API_KEY)).toBeUndefined();
  });

  it('nor in a connection failure', async () => {
    const closed = await startOpenAIServer();
    const baseURL = closed.baseURL;
    await closed.close();
    const outcome = await collectStream(
      createOpenAIProvider({ baseURL, apiKey: API_KEY }),
      call('json_schema'),
    );
    const error = outcome.error as StructuredLLMError;
    expect(error.category).toBe('network');
    expect(findSecret(errorTexts(error), API_KEY)).toBeUndefined();
  });
});

describe('an existing client', () => {
  it('is used as is, never modified, and still makes exactly one request per call', async () => {
    const client = new OpenAI({ baseURL: server.baseURL, apiKey: API_KEY, maxRetries: 4 });
    const p = createOpenAIProvider({ client });
    server.enqueue({ kind: 'error', status: 503 }, { kind: 'generate', json: ADA });
    const failed = await collectStream(p, call('json_schema'));
    expect((failed.error as StructuredLLMError).category).toBe('server');
    expect(server.requests).toHaveLength(1);
    const ok = await collectStream(p, call('json_schema'));
    expect(JSON.parse(ok.text)).toEqual(ADA);
    expect(client.maxRetries).toBe(4);
    expect(client.baseURL).toBe(server.baseURL);
  });

  it('redacts the client key too', async () => {
    const client = new OpenAI({ baseURL: server.baseURL, apiKey: API_KEY });
    server.enqueue({ kind: 'error', status: 403, message: `key ${API_KEY} lacks access` });
    const outcome = await collectStream(createOpenAIProvider({ client }), call('prompt'));
    expect(findSecret((outcome.error as StructuredLLMError).message, API_KEY)).toBeUndefined();
  });
});

describe('environment variables', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('reads OPENAI_API_KEY and OPENAI_BASE_URL', async () => {
    vi.stubEnv('OPENAI_API_KEY', 'sk-from-env-0123456789');
    vi.stubEnv('OPENAI_BASE_URL', server.baseURL);
    server.enqueue({ kind: 'generate', json: ADA });
    const outcome = await collectStream(createOpenAIProvider(), call('json_schema'));
    expect(JSON.parse(outcome.text)).toEqual(ADA);
    expect(server.requests[0]?.apiKey).toBe('sk-from-env-0123456789');
  });

  it('without a key for api.openai.com, calls fail as auth naming OPENAI_API_KEY, with no request', async () => {
    vi.stubEnv('OPENAI_API_KEY', '');
    vi.stubEnv('OPENAI_BASE_URL', '');
    const p = createOpenAIProvider();
    const streamed = await collectStream(p, call('json_schema'));
    const error = streamed.error as StructuredLLMError;
    expect(error.category).toBe('auth');
    expect(error.code).toBe('missing_api_key');
    expect(error.message).toContain('OPENAI_API_KEY');
    await expect(p.doGenerate(call('json_schema'))).rejects.toMatchObject({ category: 'auth' });
  });

  it('a local server (Ollama, vLLM) needs no key', async () => {
    vi.stubEnv('OPENAI_API_KEY', '');
    server.enqueue({ kind: 'generate', json: ADA });
    const outcome = await collectStream(
      createOpenAIProvider({ baseURL: server.baseURL }),
      call('json_object', { model: 'llama3.1' }),
    );
    expect(JSON.parse(outcome.text)).toEqual(ADA);
  });
});

describe('capabilities', () => {
  it('knows the OpenAI model families', () => {
    expect(openAIModelModes('gpt-4o-mini')).toEqual([
      'json_schema',
      'tool',
      'json_object',
      'prompt',
    ]);
    expect(openAIModelModes('o3-mini')).toContain('json_schema');
    expect(openAIModelModes('gpt-5')).toContain('json_schema');
    expect(openAIModelModes('ft:gpt-4o-2024-08-06:acme::abc')).toContain('json_schema');
    expect(openAIModelModes('gpt-3.5-turbo')).toEqual(['tool', 'json_object', 'prompt']);
    expect(openAIModelModes('gpt-4-turbo')).toEqual(['tool', 'json_object', 'prompt']);
    expect(openAIModelModes('gpt-4')).toEqual(['tool', 'prompt']);
    expect(openAIModelModes('o1-mini')).toEqual(['prompt']);
    expect(openAIModelModes('llama3.1:8b')).toBeUndefined();
  });

  it('unknown models get every mode; modes and supports override', () => {
    expect(provider().supports('qwen2.5').modes).toEqual([
      'json_schema',
      'tool',
      'json_object',
      'prompt',
    ]);
    expect(provider({ modes: ['json_object', 'prompt'] }).supports('gpt-4o').modes).toEqual([
      'json_object',
      'prompt',
    ]);
    const custom = provider({
      supports: (model) => (model === 'tiny' ? { streaming: false, modes: ['prompt'] } : undefined),
    });
    expect(custom.supports('tiny')).toEqual({ streaming: false, modes: ['prompt'] });
    expect(custom.supports('gpt-3.5-turbo').modes).toEqual(['tool', 'json_object', 'prompt']);
  });

  it('an old model degrades to tool mode without being asked for json_schema', async () => {
    server.enqueue({ kind: 'generate', json: ADA });
    const value = await new StructuredLLMService({
      providers: [provider()],
      breaker: false,
    }).routeStructured({
      prompt: 'Who?',
      model: 'openai/gpt-3.5-turbo',
      responseModel: jsonSchema<Person>(PERSON_SCHEMA),
    });
    expect(value).toEqual(ADA);
    expect(server.requests[0]?.mode).toBe('tool');
  });

  it('recognises "mode unsupported" messages', () => {
    expect(isUnsupportedModeMessage("response_format 'json_schema' is not supported")).toBe(true);
    expect(isUnsupportedModeMessage('This model does not support tools')).toBe(true);
    expect(isUnsupportedModeMessage('messages must not be empty')).toBe(false);
  });
});

// The conformance suite checks how such an answer fails and is retried, and
// that a key echoed in headers or error fields shows nowhere; here, the words.
describe('a non-streaming answer that is not a completion (a proxy page)', () => {
  it('fails saying what came instead of a chat completion, without the page', async () => {
    server.enqueue({ kind: 'not-completion' });
    const error = await provider()
      .doGenerate(call('json_schema'))
      .then(
        () => undefined,
        (thrown: unknown) => thrown as StructuredLLMError,
      );
    expect(error).toMatchObject({ category: 'server', code: 'unexpected_answer' });
    expect(error?.message).toContain('a body that is not JSON instead of a chat completion');
    expect(error?.message).not.toContain('Sign in');
  });
});

describe('telemetry', () => {
  it('says which server it calls (server.address/port), from the base URL and without the key', () => {
    const url = new URL(server.baseURL);
    expect(provider().server).toEqual({ address: url.hostname, port: Number(url.port) });
    expect(createOpenAIProvider({ apiKey: API_KEY }).server).toEqual({
      address: 'api.openai.com',
      port: 443,
    });
    expect(JSON.stringify(provider().server)).not.toContain(API_KEY);
  });
});
