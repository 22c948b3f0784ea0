import Anthropic from '@anthropic-ai/sdk';
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
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  type AnthropicProviderSettings,
  createAnthropicProvider,
  isUnsupportedModeMessage,
  supportsStructuredOutputs,
} from '../src/index.ts';

const API_KEY = 'sk-ant-api03-7c1e9a2b4d6f8a0c2e4b6d8f0a1c3e5b';
const MODEL = 'claude-sonnet-4-6';

const server = useWireServer('anthropic');

const provider = (extra: Omit<AnthropicProviderSettings, 'client'> = {}) =>
  createAnthropicProvider({ baseURL: server.baseURL, apiKey: API_KEY, ...extra });

function service(extra: Omit<AnthropicProviderSettings, 'client'> = {}) {
  return createTestService(provider(extra), { defaultModel: `anthropic/${MODEL}`, breaker: false });
}

function call(mode: ProviderCall['mode'], extra: Partial<ProviderCall> = {}): ProviderCall {
  return { ...makeCall(MODEL, mode), schema: PERSON_SCHEMA, schemaName: 'person', ...extra };
}

const bodyOf = (request: RecordedRequest | undefined) =>
  (request?.body ?? {}) as Record<string, unknown>;

describe('recorded fixtures through the real SDK, the provider and the engine', () => {
  for (const fixture of wireFixtures.filter((f) => f.dialect === 'anthropic')) {
    it(`${fixture.name}: the engine ends as recorded (${fixture.expected.engine.outcome})`, async () => {
      const outcome = await replayThroughEngine({
        server,
        provider: provider(),
        fixture,
        chunking: { seed: 9, maxBytes: 28 },
        model: `anthropic/${MODEL}`,
      });
      expect(outcome).toEqual(fixture.expected.engine);
      expect(server.requests).toHaveLength(1);
      expect(server.requests[0]?.mode).toBe(fixture.mode);
    });
  }
});

describe('what is sent', () => {
  it('json_schema: output_config.format with the schema; system messages in `system`', async () => {
    server.enqueue({ kind: 'generate', json: ADA });
    const outcome = await collectStream(provider(), call('json_schema', { temperature: 0 }));
    expect(JSON.parse(outcome.text)).toEqual(ADA);
    const body = bodyOf(server.requests[0]);
    expect(body.output_config).toEqual({ format: { type: 'json_schema', schema: PERSON_SCHEMA } });
    expect(body.system).toBe('Answer with JSON that matches the schema.');
    expect(body.messages).toEqual([{ role: 'user', content: 'Describe a famous programmer.' }]);
    expect(body).toMatchObject({ model: MODEL, max_tokens: 512, temperature: 0, stream: true });
    expect(body.tools).toBeUndefined();
    expect(server.requests[0]?.apiKey).toBe(API_KEY);
    expect(server.requests[0]?.retryCount ?? 0).toBe(0);
  });

  it('tool: one tool with the schema as input_schema, forced by tool_choice', async () => {
    server.enqueue({ kind: 'generate', json: ADA, chunkSize: 3 });
    const outcome = await collectStream(provider(), call('tool', { schemaName: 'a person!' }));
    expect(JSON.parse(outcome.text)).toEqual(ADA);
    const body = bodyOf(server.requests[0]);
    expect(body.tools).toEqual([
      { name: 'a_person_', description: 'A person', input_schema: PERSON_SCHEMA },
    ]);
    expect(body.tool_choice).toEqual({ type: 'tool', name: 'a_person_' });
    expect(body.output_config).toBeUndefined();
  });

  it('prompt: neither; max_tokens defaults when the request sets none; providerOptions.anthropic merges', async () => {
    server.enqueue({ kind: 'generate', json: ADA }, { kind: 'generate', json: ADA });
    const { maxOutputTokens: _dropped, ...withoutLimit } = call('prompt', {
      providerOptions: {
        anthropic: { top_k: 5, metadata: { user_id: 'u1' } },
        openai: { seed: 1 },
      },
    });
    await collectStream(provider(), withoutLimit);
    await collectStream(provider({ defaultMaxTokens: 1000 }), { ...withoutLimit });
    const body = bodyOf(server.requests[0]);
    expect(body.tools).toBeUndefined();
    expect(body.output_config).toBeUndefined();
    expect(body).toMatchObject({ max_tokens: 4096, top_k: 5, metadata: { user_id: 'u1' } });
    expect(body.seed).toBeUndefined();
    expect(bodyOf(server.requests[1]).max_tokens).toBe(1000);
  });

  it('headers go with every request', async () => {
    server.enqueue({ kind: 'generate', json: ADA });
    await collectStream(
      provider({ headers: { 'anthropic-beta': 'some-beta-2025-01-01' } }),
      call('json_schema'),
    );
    expect(server.requests[0]?.headers['anthropic-beta']).toBe('some-beta-2025-01-01');
  });

  it('doGenerate: one non-streaming request; the tool input as JSON text', async () => {
    server.enqueue({
      kind: 'generate',
      json: ADA,
      id: 'msg_1',
      model: 'claude-sonnet-4-5-20250929',
    });
    const result = await provider().doGenerate(call('tool'));
    expect(JSON.parse(result.text)).toEqual(ADA);
    expect(result).toMatchObject({
      finishReason: 'stop',
      id: 'msg_1',
      model: 'claude-sonnet-4-5-20250929',
    });
    expect(bodyOf(server.requests[0]).stream).toBe(false);
  });
});

describe('refusals and prose', () => {
  it('a refusal fails as content_filter carrying what the model said', async () => {
    server.enqueue({ kind: 'generate', refusal: 'I will not describe that person.' });
    const outcome = await collectStream(provider(), call('json_schema'));
    expect(outcome.error).toMatchObject({ category: 'content_filter', code: 'refusal' });
    expect((outcome.error as Error).message).toContain('I will not describe that person.');
    expect(outcome.parts.some((part) => part.type === 'text-delta')).toBe(false);
  });

  it('prose before the JSON is held only until the JSON begins, then text streams', async () => {
    const text = 'Sure, here it is: {"name":"Ada Lovelace","age":36}';
    server.enqueue({ kind: 'generate', text, chunkSize: 3 });
    const outcome = await collectStream(provider(), call('prompt'));
    expect(outcome.text).toBe(text);
    const deltas = outcome.parts.filter((part) => part.type === 'text-delta');
    expect(deltas.length).toBeGreaterThan(5);
    expect(outcome.finish?.finishReason).toBe('stop');
  });

  it('doGenerate reports a refusal as content_filter too', async () => {
    server.enqueue({ kind: 'generate', refusal: 'No.' });
    await expect(provider().doGenerate(call('json_schema'))).rejects.toMatchObject({
      category: 'content_filter',
      message: 'The model refused: No.',
    });
  });
});

describe('through the engine (routeStructuredStreaming)', () => {
  it('an overloaded_error event mid-stream is retried: partials, then the value', async () => {
    server.enqueue(
      { kind: 'generate', json: ADA, chunkSize: 4, fault: { type: 'error-event', afterChunks: 3 } },
      { kind: 'generate', json: ADA, chunkSize: 4 },
    );
    const stream = service().routeStructuredStreaming({
      prompt: 'Who?',
      responseModel: jsonSchema<Person>(PERSON_SCHEMA),
    });
    const responses = await collectResponses(stream);
    expect(responses.filter((r) => r.attempt === 1 && !r.isComplete).at(-1)?.partialResult).toEqual(
      { name: 'Ada' },
    );
    expect(responses.at(-1)).toMatchObject({ isComplete: true, error: undefined, attempt: 2 });
    expect(responses.at(-1)?.partialResult).toEqual(ADA);
    expect(stream.attempts[0]).toMatchObject({ category: 'server' });
    expect(stream.attempts[0]?.message).toContain('overloaded_error');
  });

  it('a 529 with retry-after is waited out', async () => {
    server.enqueue(
      { kind: 'error', status: 529, retryAfterMs: 4 },
      { kind: 'generate', json: ADA },
    );
    const stream = service().routeStructuredStreaming({
      prompt: 'Who?',
      responseModel: jsonSchema<Person>(PERSON_SCHEMA),
    });
    await expect(stream.result).resolves.toEqual(ADA);
    expect(stream.attempts[0]).toMatchObject({ category: 'server', delayMs: 4 });
  });

  it('falls back to another model; an older one is asked in tool mode', async () => {
    server.enqueue({ kind: 'error', status: 401 }, { kind: 'generate', json: ADA });
    const stream = service().routeStructuredStreaming({
      prompt: 'Who?',
      responseModel: jsonSchema<Person>(PERSON_SCHEMA),
      fallbackModels: ['anthropic/claude-3-5-haiku-latest'],
    });
    await expect(stream.result).resolves.toEqual(ADA);
    expect(server.requests.map((r) => [r.model, r.mode])).toEqual([
      [MODEL, 'json_schema'],
      ['claude-3-5-haiku-latest', 'tool'],
    ]);
  });

  it('ends with rate_limit once retries are spent on rate_limit_error events', async () => {
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

  it('a 400 saying structured outputs are unsupported degrades json_schema → tool', async () => {
    server.enqueue(
      {
        kind: 'error',
        status: 400,
        message: 'output_config.format: structured outputs are not supported for this model',
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

  it('a refusal ends as content_filter, max_tokens as length', async () => {
    server.enqueue({ kind: 'generate', refusal: 'I will not.' });
    await expect(
      service().routeStructured({ prompt: 'x', responseModel: jsonSchema<Person>(PERSON_SCHEMA) }),
    ).rejects.toMatchObject({ category: 'content_filter' });
    server.enqueue({ kind: 'generate', text: '{"name":"A', finish: 'length' });
    await expect(
      service().routeStructured({ prompt: 'x', responseModel: jsonSchema<Person>(PERSON_SCHEMA) }),
    ).rejects.toMatchObject({ category: 'length' });
  });
});

describe('keys, clients and the environment', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('the API key appears in no error, even when echoed', async () => {
    server.enqueue({ kind: 'error', status: 401, message: `invalid x-api-key ${API_KEY}` });
    const outcome = await collectStream(provider(), call('json_schema'));
    const error = outcome.error as StructuredLLMError;
    expect(error.category).toBe('auth');
    expect(error.message).toContain('[redacted]');
    expect(findSecret(errorTexts(error), API_KEY)).toBeUndefined();
  });

  it('an existing client is used unmodified, one request per call', async () => {
    const client = new Anthropic({ baseURL: server.baseURL, apiKey: API_KEY, maxRetries: 3 });
    server.enqueue({ kind: 'error', status: 529 }, { kind: 'generate', json: ADA });
    const p = createAnthropicProvider({ client });
    expect((await collectStream(p, call('tool'))).error).toMatchObject({
      category: 'server',
      status: 529,
    });
    expect(server.requests).toHaveLength(1);
    expect(JSON.parse((await collectStream(p, call('tool'))).text)).toEqual(ADA);
    expect(client.maxRetries).toBe(3);
  });

  it('reads ANTHROPIC_API_KEY and ANTHROPIC_BASE_URL', async () => {
    vi.stubEnv('ANTHROPIC_API_KEY', 'sk-ant-from-env-99');
    vi.stubEnv('ANTHROPIC_BASE_URL', server.baseURL);
    server.enqueue({ kind: 'generate', json: ADA });
    const outcome = await collectStream(createAnthropicProvider(), call('json_schema'));
    expect(JSON.parse(outcome.text)).toEqual(ADA);
    expect(server.requests[0]?.apiKey).toBe('sk-ant-from-env-99');
  });

  it('without a key, calls fail as auth naming ANTHROPIC_API_KEY, with no request', async () => {
    vi.stubEnv('ANTHROPIC_API_KEY', '');
    vi.stubEnv('ANTHROPIC_AUTH_TOKEN', '');
    const p = createAnthropicProvider({ baseURL: server.baseURL });
    const outcome = await collectStream(p, call('json_schema'));
    expect(outcome.error).toMatchObject({ category: 'auth', code: 'missing_api_key' });
    expect((outcome.error as Error).message).toContain('ANTHROPIC_API_KEY');
    await expect(p.doGenerate(call('tool'))).rejects.toMatchObject({ category: 'auth' });
    expect(server.requests).toHaveLength(0);
  });
});

describe('capabilities', () => {
  it('structured outputs from Sonnet 4.5, Opus 4.1 and Haiku 4.5 on', () => {
    for (const model of [
      'claude-sonnet-4-5',
      'claude-sonnet-4-5-20250929',
      'claude-opus-4-1',
      'claude-opus-4-1-20250805',
      'claude-haiku-4-5',
      'claude-opus-4-5',
      'claude-sonnet-5',
      'anthropic.claude-sonnet-4-5-20250929-v1:0',
    ]) {
      expect(supportsStructuredOutputs(model), model).toBe(true);
    }
    for (const model of [
      'claude-sonnet-4-20250514',
      'claude-opus-4-20250514',
      'claude-3-7-sonnet-latest',
      'claude-3-5-haiku-20241022',
      'claude-haiku-4-20250101',
      'some-proxy-model',
    ]) {
      expect(supportsStructuredOutputs(model), model).toBe(false);
    }
  });

  it('modes follow the model, and the options override them', () => {
    expect(provider().supports('claude-sonnet-4-5').modes).toEqual([
      'json_schema',
      'tool',
      'prompt',
    ]);
    expect(provider().supports('claude-3-7-sonnet-latest').modes).toEqual(['tool', 'prompt']);
    expect(provider({ structuredOutputs: false }).supports('claude-sonnet-4-5').modes).toEqual([
      'tool',
      'prompt',
    ]);
    expect(
      provider({ structuredOutputs: (model) => model === 'my-claude' }).supports('my-claude').modes,
    ).toContain('json_schema');
    expect(provider({ modes: ['prompt'] }).supports('claude-sonnet-4-5').modes).toEqual(['prompt']);
  });

  it('recognises "mode unsupported" messages', () => {
    expect(isUnsupportedModeMessage('output_config.format is not supported by this model')).toBe(
      true,
    );
    expect(isUnsupportedModeMessage('max_tokens: must be at most 8192')).toBe(false);
  });
});

// The conformance suite checks how such an answer fails and is retried, and
// that a key echoed in headers or error fields shows nowhere; here, the words.
describe('a non-streaming answer that is not a completion (a proxy page)', () => {
  it('fails saying what came instead of a message, without the page', async () => {
    server.enqueue({ kind: 'not-completion' });
    const error = await provider()
      .doGenerate(call('json_schema'))
      .then(
        () => undefined,
        (thrown: unknown) => thrown as StructuredLLMError,
      );
    expect(error).toMatchObject({ category: 'server', code: 'unexpected_answer' });
    expect(error?.message).toContain('a body that is not JSON instead of a message');
    expect(error?.message).not.toContain('Sign in');
  });
});

describe('telemetry', () => {
  it('says which server it calls (server.address/port), from the base URL', () => {
    const url = new URL(server.baseURL);
    expect(provider().server).toEqual({ address: url.hostname, port: Number(url.port) });
    expect(createAnthropicProvider({ apiKey: API_KEY }).server).toEqual({
      address: 'api.anthropic.com',
      port: 443,
    });
  });
});
