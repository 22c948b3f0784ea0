import Anthropic from '@anthropic-ai/sdk';
import type { OutputMode } from '@structllm/core';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  type RecordedRequest,
  startAnthropicServer,
  startOpenAIServer,
  startOpenRouterServer,
  startWireServer,
  type WireServer,
} from '../../src/index.ts';
import { anthropicParams, openAIParams, schema } from '../support/requests.ts';

let openai: WireServer;
let anthropic: WireServer;

beforeAll(async () => {
  openai = await startOpenAIServer({ defaultScript: { kind: 'generate', json: { ok: true } } });
  anthropic = await startAnthropicServer({
    defaultScript: { kind: 'generate', json: { ok: true } },
  });
});
afterAll(() => Promise.all([openai.close(), anthropic.close()]));

const SECRET = 'sk-live-0123456789abcdef';

describe('recorded requests', () => {
  it('listen on 127.0.0.1 with the base URL each SDK expects', () => {
    expect(openai.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(openai.baseURL).toBe(`${openai.url}/v1`);
    expect(anthropic.baseURL).toBe(anthropic.url);
    expect(openai.port).toBeGreaterThan(0);
  });

  for (const mode of ['json_schema', 'tool', 'json_object', 'prompt'] as OutputMode[]) {
    it(`recognise an OpenAI ${mode} request and the schema it sends`, async () => {
      openai.reset();
      const client = new OpenAI({ apiKey: SECRET, baseURL: openai.baseURL, maxRetries: 0 });
      await client.chat.completions.create(openAIParams(mode));
      const [request] = openai.requests;
      expect(request).toMatchObject({
        index: 0,
        method: 'POST',
        path: '/v1/chat/completions',
        model: 'gpt-fake',
        stream: false,
        mode,
        retryCount: 0,
      });
      if (mode === 'json_schema' || mode === 'tool') {
        expect(request?.schema).toEqual(schema);
        expect(request?.schemaName).toBe('answer');
      } else expect(request?.schema).toBeUndefined();
    });
  }

  for (const mode of ['json_schema', 'tool', 'prompt'] as OutputMode[]) {
    it(`recognise an Anthropic ${mode} request and the schema it sends`, async () => {
      anthropic.reset();
      const client = new Anthropic({ apiKey: SECRET, baseURL: anthropic.baseURL, maxRetries: 0 });
      await client.messages.create({ ...anthropicParams(mode), stream: true });
      const [request] = anthropic.requests;
      expect(request).toMatchObject({ path: '/v1/messages', stream: true, mode });
      if (mode !== 'prompt') expect(request?.schema).toEqual(schema);
    });
  }

  it('keep the API key for assertions, but never in the redacted view or JSON', async () => {
    openai.reset();
    anthropic.reset();
    await new OpenAI({
      apiKey: SECRET,
      baseURL: openai.baseURL,
      maxRetries: 0,
    }).chat.completions.create(openAIParams('prompt'));
    await new Anthropic({
      apiKey: SECRET,
      baseURL: anthropic.baseURL,
      maxRetries: 0,
    }).messages.create(anthropicParams('prompt'));
    const requests: RecordedRequest[] = [...openai.requests, ...anthropic.requests];
    expect(openai.requests[0]?.headers.authorization).toBe(`Bearer ${SECRET}`);
    expect(JSON.stringify(anthropic.requests[0]?.headers)).toContain(SECRET);
    for (const request of requests) {
      expect(request.apiKey).toBe(SECRET);
      expect(JSON.stringify(request.redactedHeaders)).not.toContain(SECRET);
      expect(JSON.stringify(request)).not.toContain(SECRET);
      expect(JSON.stringify(request)).toContain('[redacted]');
    }
    expect(openai.requests[0]?.redactedHeaders.authorization).toBe('[redacted]');
    expect(anthropic.requests[0]?.redactedHeaders['anthropic-version']).toBeDefined();
  });

  it('record OpenRouter routing options and attribution headers', async () => {
    const server = await startOpenRouterServer({ defaultScript: { kind: 'generate', json: {} } });
    const client = new OpenAI({
      apiKey: SECRET,
      baseURL: server.baseURL,
      maxRetries: 0,
      defaultHeaders: { 'HTTP-Referer': 'https://example.test', 'X-Title': 'structllm tests' },
    });
    await client.chat.completions.create({
      ...openAIParams('json_schema'),
      models: ['openai/gpt-4o', 'anthropic/claude-sonnet-4.5'],
      provider: { order: ['OpenAI'], allow_fallbacks: false },
    } as OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming);
    const [request] = server.requests;
    expect(request?.path).toBe('/api/v1/chat/completions');
    expect(request?.redactedHeaders).toMatchObject({
      'http-referer': 'https://example.test',
      'x-title': 'structllm tests',
      authorization: '[redacted]',
    });
    expect(request?.body).toMatchObject({
      models: ['openai/gpt-4o', 'anthropic/claude-sonnet-4.5'],
      provider: { order: ['OpenAI'], allow_fallbacks: false },
    });
    expect(request?.mode).toBe('json_schema');
    await server.close();
  });

  it('record the body as sent', async () => {
    openai.reset();
    const client = new OpenAI({ apiKey: 'k', baseURL: openai.baseURL, maxRetries: 0 });
    await client.chat.completions.create({ ...openAIParams('prompt'), temperature: 0.25 });
    expect(openai.requests[0]?.body).toMatchObject({
      temperature: 0.25,
      messages: [{ content: 'Answer.' }],
    });
    expect(JSON.parse(openai.requests[0]?.rawBody ?? '')).toEqual(openai.requests[0]?.body);
  });
});

describe('scripts', () => {
  it('answer queued scripts in order, then the default', async () => {
    const server = await startOpenAIServer({ scripts: [{ kind: 'generate', json: 1 }] });
    server.enqueue({ kind: 'generate', json: 2 });
    server.setDefault((request) => ({ kind: 'generate', json: request.index * 10 }));
    const client = new OpenAI({ apiKey: 'k', baseURL: server.baseURL, maxRetries: 0 });
    const answers: unknown[] = [];
    for (let i = 0; i < 4; i++) {
      const completion = await client.chat.completions.create(openAIParams('prompt'));
      answers.push(JSON.parse(completion.choices[0]?.message.content ?? ''));
    }
    expect(answers).toEqual([1, 2, 20, 30]);
    await server.close();
  });

  it('without a script, answer 500 and say how to add one', async () => {
    const server = await startWireServer({ dialect: 'anthropic' });
    const client = new Anthropic({ apiKey: 'k', baseURL: server.baseURL, maxRetries: 0 });
    await expect(client.messages.create(anthropicParams('prompt'))).rejects.toThrow(
      /server.enqueue/,
    );
    await server.close();
  });

  it('answer 404 in the dialect’s error shape for unknown routes', async () => {
    const response = await fetch(`${openai.url}/v1/embeddings`, { method: 'POST', body: '{}' });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: { type: 'invalid_request_error' } });
    const anthropicResponse = await fetch(`${anthropic.url}/v1/complete`, { method: 'POST' });
    expect(await anthropicResponse.json()).toMatchObject({
      type: 'error',
      error: { type: 'not_found_error' },
    });
  });

  it('an unknown fixture name answers 500 with the reason instead of hanging', async () => {
    openai.enqueue({ kind: 'replay', fixture: 'no-such-fixture' as 'openai-chat-json-schema-1' });
    const response = await fetch(`${openai.baseURL}/chat/completions`, {
      method: 'POST',
      body: '{}',
    });
    expect(response.status).toBe(500);
    expect(JSON.stringify(await response.json())).toContain('no-such-fixture');
  });

  it('keep working while the test fakes timers', async () => {
    // A fresh server: the client's pooled keep-alive sockets do not mix with faked clocks.
    const server = await startOpenAIServer({
      defaultScript: { kind: 'generate', json: { drip: true }, chunkSize: 2, delayMs: 2 },
    });
    vi.useFakeTimers();
    try {
      const response = await fetch(`${server.baseURL}/chat/completions`, {
        method: 'POST',
        body: JSON.stringify({ ...openAIParams('json_schema'), stream: true }),
      });
      const body = await response.text();
      expect(body.endsWith('data: [DONE]\n\n')).toBe(true);
      expect(body.match(/"content":"/g)?.length).toBeGreaterThan(5);
    } finally {
      vi.useRealTimers();
      await server.close();
    }
  });

  it('tell a client that hung up from a connection the script dropped', async () => {
    openai.reset();
    openai.enqueue({ kind: 'reset' });
    await expect(
      fetch(`${openai.baseURL}/chat/completions`, { method: 'POST', body: '{}' }),
    ).rejects.toThrow();
    expect(openai.requests[0]?.clientDisconnected).toBe(false);

    openai.enqueue({ kind: 'generate', json: {}, fault: { type: 'stall-before-headers' } });
    const controller = new AbortController();
    const pending = fetch(`${openai.baseURL}/chat/completions`, {
      method: 'POST',
      body: '{}',
      signal: controller.signal,
    }).catch((error: unknown) => error);
    await vi.waitFor(() => expect(openai.requests).toHaveLength(2));
    controller.abort();
    await pending;
    await vi.waitFor(() => expect(openai.requests[1]?.clientDisconnected).toBe(true));
    expect(openai.openResponses).toBe(0);
  });

  it('honour headersDelayMs before answering', async () => {
    openai.enqueue({ kind: 'error', status: 503, headersDelayMs: 5 });
    const response = await fetch(`${openai.baseURL}/chat/completions`, {
      method: 'POST',
      body: '{}',
    });
    expect(response.status).toBe(503);
  });
});
