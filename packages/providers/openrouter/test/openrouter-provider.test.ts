import { jsonSchema, type StructuredLLMError } from '@structllm/core';
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
  wireFixtures,
} from '@structllm/testing';
import { collectStream, makeCall, useWireServer } from '@structllm/testing/conformance';
import OpenAI from 'openai';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  createOpenRouterProvider,
  type OpenRouterProviderSettings,
  openRouterModelModes,
} from '../src/index.ts';

const API_KEY = 'sk-or-v1-0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a';

const server = useWireServer('openrouter');

const provider = (extra: Omit<OpenRouterProviderSettings, 'client'> = {}) =>
  createOpenRouterProvider({ baseURL: server.baseURL, apiKey: API_KEY, ...extra });

function service(extra: Omit<OpenRouterProviderSettings, 'client'> = {}) {
  return createTestService(provider(extra), {
    defaultModel: 'openrouter/openai/gpt-4o',
    breaker: false,
  });
}

function call(mode: ProviderCall['mode'], extra: Partial<ProviderCall> = {}): ProviderCall {
  return {
    ...makeCall('anthropic/claude-sonnet-4.5', mode),
    schema: PERSON_SCHEMA,
    schemaName: 'person',
    ...extra,
  };
}

const bodyOf = (request: RecordedRequest | undefined) =>
  (request?.body ?? {}) as Record<string, unknown>;

describe('recorded fixtures (OpenRouter and plain OpenAI streams) through the engine', () => {
  const fixtures = wireFixtures.filter((f) => f.dialect === 'openrouter' || f.dialect === 'openai');
  for (const fixture of fixtures) {
    it(`${fixture.name}: the engine ends as recorded (${fixture.expected.engine.outcome})`, async () => {
      const outcome = await replayThroughEngine({
        server,
        provider: provider(),
        fixture,
        chunking: { seed: 3, maxBytes: 20 },
        model: 'openrouter/openai/gpt-4o',
      });
      expect(outcome).toEqual(fixture.expected.engine);
      expect(server.requests).toHaveLength(1);
    });
  }

  it('the mid-stream error chunk keeps its status and message', async () => {
    server.enqueue({ kind: 'replay', fixture: 'openrouter-error-midstream' });
    const outcome = await collectStream(provider(), call('prompt'));
    const error = outcome.error as StructuredLLMError;
    expect(error).toMatchObject({ category: 'bad_request', status: 400 });
    expect(error.message).toContain('Token limit reached');
  });
});

describe('what is sent', () => {
  it('routing options, the models fallback list and attribution headers', async () => {
    server.enqueue({ kind: 'generate', json: ADA });
    const outcome = await collectStream(
      provider({
        appUrl: 'https://app.example.com',
        appTitle: 'Example App',
        provider: {
          order: ['anthropic', 'openai'],
          allow_fallbacks: false,
          require_parameters: true,
        },
        models: ['openai/gpt-4o-mini', 'mistralai/mistral-large'],
        headers: { 'x-extra': '1' },
      }),
      call('json_schema'),
    );
    expect(JSON.parse(outcome.text)).toEqual(ADA);
    const request = server.requests[0];
    expect(request?.path).toBe('/api/v1/chat/completions');
    expect(request?.headers['http-referer']).toBe('https://app.example.com');
    expect(request?.headers['x-title']).toBe('Example App');
    expect(request?.headers['x-extra']).toBe('1');
    expect(request?.apiKey).toBe(API_KEY);
    expect(bodyOf(request)).toMatchObject({
      model: 'anthropic/claude-sonnet-4.5',
      provider: {
        order: ['anthropic', 'openai'],
        allow_fallbacks: false,
        require_parameters: true,
      },
      models: ['openai/gpt-4o-mini', 'mistralai/mistral-large'],
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'person', schema: PERSON_SCHEMA, strict: true },
      },
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  it('tool mode forces the function; max_tokens carries the limit; providerOptions.openrouter merges', async () => {
    server.enqueue({ kind: 'generate', json: ADA, chunkSize: 2 });
    const outcome = await collectStream(
      provider({ provider: { sort: 'price' } }),
      call('tool', {
        maxOutputTokens: 300,
        providerOptions: { openrouter: { transforms: ['middle-out'] }, openai: { seed: 1 } },
      }),
    );
    expect(JSON.parse(outcome.text)).toEqual(ADA);
    const body = bodyOf(server.requests[0]);
    expect(body.tool_choice).toEqual({ type: 'function', function: { name: 'person' } });
    expect(body).toMatchObject({
      max_tokens: 300,
      transforms: ['middle-out'],
      provider: { sort: 'price' },
    });
    expect(body.seed).toBeUndefined();
  });

  it('referer is an alias of appUrl; nothing is sent when neither is given', async () => {
    server.enqueue({ kind: 'generate', json: ADA }, { kind: 'generate', json: ADA });
    await collectStream(provider({ referer: 'https://r.example' }), call('prompt'));
    await collectStream(provider(), call('prompt'));
    expect(server.requests[0]?.headers['http-referer']).toBe('https://r.example');
    expect(server.requests[1]?.headers['http-referer']).toBeUndefined();
    expect(server.requests[1]?.headers['x-title']).toBeUndefined();
    expect(bodyOf(server.requests[1]).provider).toBeUndefined();
    expect(bodyOf(server.requests[1]).models).toBeUndefined();
  });

  it('one request per call: no SDK retries on 429 or 5xx', async () => {
    server.enqueue({ kind: 'error', status: 429, retryAfter: 1 });
    const limited = await collectStream(provider(), call('json_schema'));
    expect(limited.error).toMatchObject({
      category: 'rate_limit',
      retryAfterMs: 1000,
      status: 429,
    });
    server.enqueue({ kind: 'error', status: 502 });
    const bad = await collectStream(provider(), call('json_schema'));
    expect(bad.error).toMatchObject({ category: 'server', status: 502 });
    expect(server.requests).toHaveLength(2);
    expect(server.requests.map((r) => r.retryCount ?? 0)).toEqual([0, 0]);
  });
});

describe('through the engine (routeStructuredStreaming)', () => {
  it('a mid-stream error chunk (finish_reason "error") is retried, and the retry succeeds', async () => {
    server.enqueue(
      { kind: 'generate', json: ADA, chunkSize: 4, fault: { type: 'error-event', afterChunks: 2 } },
      { kind: 'generate', json: ADA, chunkSize: 4 },
    );
    const stream = service().routeStructuredStreaming({
      prompt: 'Who?',
      responseModel: jsonSchema<Person>(PERSON_SCHEMA),
    });
    const responses = await collectResponses(stream);
    expect(responses.some((r) => r.attempt === 1 && !r.isComplete)).toBe(true);
    expect(responses.at(-1)).toMatchObject({ isComplete: true, error: undefined, attempt: 2 });
    expect(responses.at(-1)?.partialResult).toEqual(ADA);
    expect(stream.attempts.map((a) => a.category)).toEqual(['server', undefined]);
  });

  it('falls back to another model after a non-retryable error', async () => {
    server.enqueue({ kind: 'error', status: 403 }, { kind: 'generate', json: ADA });
    const stream = service().routeStructuredStreaming({
      prompt: 'Who?',
      responseModel: jsonSchema<Person>(PERSON_SCHEMA),
      fallbackModels: ['openrouter/meta-llama/llama-3.3-70b-instruct'],
    });
    await expect(stream.result).resolves.toEqual(ADA);
    expect(server.requests.map((r) => r.model)).toEqual([
      'openai/gpt-4o',
      'meta-llama/llama-3.3-70b-instruct',
    ]);
  });

  it('"No endpoints found" for a mode degrades to the next mode', async () => {
    server.enqueue(
      {
        kind: 'error',
        status: 404,
        message: 'No endpoints found that can handle the requested parameters.',
      },
      { kind: 'generate', json: ADA },
    );
    const value = await service().routeStructured({
      prompt: 'Who?',
      model: 'openrouter/some/model',
      responseModel: jsonSchema<Person>(PERSON_SCHEMA),
      maxRetries: 0,
    });
    expect(value).toEqual(ADA);
    expect(server.requests.map((r) => r.mode)).toEqual(['json_schema', 'tool']);
  });

  it('ends with rate_limit when every retry is rate limited', async () => {
    server.setDefault({
      kind: 'generate',
      json: ADA,
      fault: { type: 'error-event', afterChunks: 1, status: 429 },
    });
    const error = await service()
      .routeStructured({
        prompt: 'Who?',
        responseModel: jsonSchema<Person>(PERSON_SCHEMA),
        maxRetries: 1,
      })
      .catch((thrown: unknown) => thrown);
    expect(error).toMatchObject({ category: 'rate_limit' });
    expect(server.requests).toHaveLength(2);
  });
});

describe('keys, clients and the environment', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('the API key appears in no error, even when echoed', async () => {
    server.enqueue({
      kind: 'error',
      status: 401,
      message: `No auth credentials found for ${API_KEY}`,
    });
    const outcome = await collectStream(provider(), call('json_schema'));
    const error = outcome.error as StructuredLLMError;
    expect(error.category).toBe('auth');
    expect(findSecret(errorTexts(error), API_KEY)).toBeUndefined();
  });

  it('an existing client is used unmodified, with the attribution headers per request', async () => {
    const client = new OpenAI({ baseURL: server.baseURL, apiKey: API_KEY, maxRetries: 3 });
    server.enqueue({ kind: 'error', status: 500 }, { kind: 'generate', json: ADA });
    const p = createOpenRouterProvider({ client, appTitle: 'Mine' });
    expect((await collectStream(p, call('json_schema'))).error).toMatchObject({
      category: 'server',
    });
    expect(server.requests).toHaveLength(1);
    expect(JSON.parse((await collectStream(p, call('json_schema'))).text)).toEqual(ADA);
    expect(server.requests[1]?.headers['x-title']).toBe('Mine');
    expect(client.maxRetries).toBe(3);
  });

  it('reads OPENROUTER_API_KEY (and OPENROUTER_BASE_URL)', async () => {
    vi.stubEnv('OPENROUTER_API_KEY', 'sk-or-from-env-42');
    vi.stubEnv('OPENROUTER_BASE_URL', server.baseURL);
    server.enqueue({ kind: 'generate', json: ADA });
    const outcome = await collectStream(createOpenRouterProvider(), call('json_schema'));
    expect(JSON.parse(outcome.text)).toEqual(ADA);
    expect(server.requests[0]?.apiKey).toBe('sk-or-from-env-42');
  });

  it('without a key, calls fail as auth naming OPENROUTER_API_KEY', async () => {
    vi.stubEnv('OPENROUTER_API_KEY', '');
    const p = createOpenRouterProvider({ baseURL: server.baseURL });
    const outcome = await collectStream(p, call('json_schema'));
    expect(outcome.error).toMatchObject({ category: 'auth', code: 'missing_api_key' });
    expect((outcome.error as Error).message).toContain('OPENROUTER_API_KEY');
    await expect(p.doGenerate(call('tool'))).rejects.toMatchObject({ category: 'auth' });
    expect(server.requests).toHaveLength(0);
  });
});

describe('capabilities', () => {
  it('OpenAI models by family, every other model all four modes, overridable', () => {
    expect(openRouterModelModes('openai/gpt-3.5-turbo')).toEqual(['tool', 'json_object', 'prompt']);
    expect(openRouterModelModes('openai/gpt-4o')).toContain('json_schema');
    expect(openRouterModelModes('anthropic/claude-sonnet-4.5')).toEqual([
      'json_schema',
      'tool',
      'json_object',
      'prompt',
    ]);
    expect(provider({ modes: ['prompt'] }).supports('x/y')).toEqual({
      streaming: true,
      modes: ['prompt'],
    });
    expect(provider().id).toBe('openrouter');
    expect(provider({ id: 'or' }).id).toBe('or');
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
  it('says which server it calls (server.address/port), openrouter.ai by default', () => {
    const url = new URL(server.baseURL);
    expect(createOpenRouterProvider({ baseURL: server.baseURL, apiKey: API_KEY }).server).toEqual({
      address: url.hostname,
      port: Number(url.port),
    });
    expect(createOpenRouterProvider({ apiKey: API_KEY }).server).toEqual({
      address: 'openrouter.ai',
      port: 443,
    });
  });
});
