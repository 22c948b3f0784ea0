import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  CAPTIVE_PORTAL_PAGE,
  sdkTestLogger,
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

// The SDKs print an event they cannot parse: kept here, and asserted where a test sends one.
const logger = sdkTestLogger();
const openAIClient = (server: WireServer, options: { maxRetries?: number } = {}) =>
  new OpenAI({
    apiKey: 'sk-test-secret',
    baseURL: server.baseURL,
    maxRetries: 0,
    logger,
    ...options,
  });
const anthropicClient = (options: { maxRetries?: number } = {}) =>
  new Anthropic({
    apiKey: 'sk-ant-secret',
    baseURL: anthropic.baseURL,
    maxRetries: 0,
    logger,
    ...options,
  });

function streamOpenAI(server: WireServer, signal?: AbortSignal) {
  return openAIClient(server).chat.completions.create(
    { ...openAIParams('json_schema'), stream: true, stream_options: { include_usage: true } },
    signal ? { signal } : {},
  );
}
function streamAnthropic(signal?: AbortSignal) {
  return anthropicClient().messages.create(
    { ...anthropicParams('json_schema'), stream: true },
    signal ? { signal } : {},
  );
}

const STATUSES = [400, 401, 403, 408, 422, 429, 500, 502, 503, 529];

describe('HTTP errors', () => {
  for (const status of STATUSES) {
    it(`${status}: the openai SDK raises an APIError with the status and OpenAI's error body`, async () => {
      openai.reset();
      openai.enqueue({ kind: 'error', status });
      const error = await streamOpenAI(openai).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpenAI.APIError);
      const apiError = error as InstanceType<typeof OpenAI.APIError>;
      expect(apiError.status).toBe(status);
      expect(apiError.error).toMatchObject({
        message: expect.any(String),
        type: expect.any(String),
      });
      expect(openai.requests).toHaveLength(1);
    });

    it(`${status}: the anthropic SDK raises an APIError with Anthropic's error body`, async () => {
      anthropic.reset();
      anthropic.enqueue({ kind: 'error', status });
      const error = await streamAnthropic().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Anthropic.APIError);
      const apiError = error as InstanceType<typeof Anthropic.APIError>;
      expect(apiError.status).toBe(status);
      expect(apiError.error).toMatchObject({ type: 'error', error: { type: expect.any(String) } });
      expect(anthropic.requests).toHaveLength(1);
    });
  }

  it('529 is an overloaded_error for Anthropic', async () => {
    anthropic.enqueue({ kind: 'error', status: 529 });
    const error = await streamAnthropic().catch((e: unknown) => e);
    expect((error as { error: unknown }).error).toMatchObject({
      error: { type: 'overloaded_error' },
    });
  });

  it('OpenRouter errors carry { error: { code, message } }', async () => {
    openrouter.enqueue({ kind: 'error', status: 402, message: 'Insufficient credits' });
    const error = await streamOpenAI(openrouter).catch((e: unknown) => e);
    expect((error as { status: number }).status).toBe(402);
    expect((error as { error: unknown }).error).toEqual({
      code: 402,
      message: 'Insufficient credits',
    });
  });

  it('429 sends retry-after (seconds) and retry-after-ms when scripted', async () => {
    openai.enqueue({ kind: 'error', status: 429, retryAfter: 7, retryAfterMs: 6500 });
    const error = (await streamOpenAI(openai).catch((e: unknown) => e)) as { headers: Headers };
    expect(error.headers.get('retry-after')).toBe('7');
    expect(error.headers.get('retry-after-ms')).toBe('6500');
    anthropic.enqueue({ kind: 'error', status: 429, retryAfter: 2 });
    const anthropicError = (await streamAnthropic().catch((e: unknown) => e)) as {
      headers: Headers;
    };
    expect(anthropicError.headers.get('retry-after')).toBe('2');
    expect(anthropicError.headers.get('retry-after-ms')).toBeNull();
  });

  it('records SDK retries, so a test can prove they are off', async () => {
    openai.reset();
    openai.enqueue(
      { kind: 'error', status: 429, retryAfterMs: 1 },
      { kind: 'error', status: 429, retryAfterMs: 1 },
      { kind: 'generate', json: { ok: true } },
    );
    const summary = await summarizeOpenAIStream(
      await openAIClient(openai, { maxRetries: 2 }).chat.completions.create({
        ...openAIParams('json_schema'),
        stream: true,
      }),
    );
    expect(JSON.parse(summary.content)).toEqual({ ok: true });
    expect(openai.requests.map((request) => request.retryCount)).toEqual([0, 1, 2]);
  });
});

describe('echoes outside the message: extra error fields and response headers', () => {
  it('an HTTP error carries scripted error-object fields in every dialect', async () => {
    openai.enqueue({ kind: 'error', status: 401, fields: { param: 'echoed' } });
    const openAIError = (await streamOpenAI(openai).catch((e: unknown) => e)) as {
      error: unknown;
    };
    expect(openAIError.error).toMatchObject({ param: 'echoed', code: 'invalid_api_key' });
    openrouter.enqueue({ kind: 'error', status: 401, fields: { param: 'echoed' } });
    const openRouterError = (await streamOpenAI(openrouter).catch((e: unknown) => e)) as {
      error: unknown;
    };
    expect(openRouterError.error).toMatchObject({ code: 401, param: 'echoed' });
    anthropic.enqueue({ kind: 'error', status: 401, fields: { request_id: 'echoed' } });
    const anthropicError = (await streamAnthropic().catch((e: unknown) => e)) as {
      error: unknown;
    };
    expect(anthropicError.error).toMatchObject({
      error: { type: 'authentication_error', request_id: 'echoed' },
    });
  });

  it('a generated answer sends scripted headers, and an error event scripted fields', async () => {
    openai.enqueue({
      kind: 'generate',
      json: { name: 'Ada' },
      headers: { 'x-echo': 'echoed' },
      fault: { type: 'error-event', afterChunks: 1, fields: { param: 'echoed-param' } },
    });
    const streamed = (await summarizeOpenAIStream(await streamOpenAI(openai)).catch(
      (e: unknown) => e,
    )) as { error: unknown; headers: Headers };
    expect(streamed).toBeInstanceOf(OpenAI.APIError);
    expect(streamed.error).toMatchObject({ param: 'echoed-param' });
    expect(streamed.headers.get('x-echo')).toBe('echoed');

    anthropic.enqueue({
      kind: 'generate',
      json: { name: 'Ada' },
      headers: { 'www-authenticate': 'Bearer realm="x"' },
      fault: { type: 'error-event', afterChunks: 1, fields: { request_id: 'echoed' } },
    });
    const anthropicError = (await summarizeAnthropicStream(await streamAnthropic()).catch(
      (e: unknown) => e,
    )) as { error: unknown; headers: Headers };
    expect(anthropicError.error).toMatchObject({ error: { request_id: 'echoed' } });
    expect(anthropicError.headers.get('www-authenticate')).toBe('Bearer realm="x"');

    // Not streaming: the headers come with the JSON body, or with the HTTP error of an error event.
    openai.enqueue({ kind: 'generate', json: { ok: 1 }, headers: { 'x-echo': 'on-body' } });
    const { response } = await openAIClient(openai)
      .chat.completions.create(openAIParams('json_schema'))
      .withResponse();
    expect(response.headers.get('x-echo')).toBe('on-body');
    openai.enqueue({
      kind: 'generate',
      json: { ok: 1 },
      headers: { 'x-echo': 'on-error' },
      fault: { type: 'error-event', afterChunks: 0, status: 500, fields: { param: 'p' } },
    });
    const nonStreaming = (await openAIClient(openai)
      .chat.completions.create(openAIParams('json_schema'))
      .catch((e: unknown) => e)) as { status: number; error: unknown; headers: Headers };
    expect(nonStreaming.status).toBe(500);
    expect(nonStreaming.error).toMatchObject({ param: 'p' });
    expect(nonStreaming.headers.get('x-echo')).toBe('on-error');
  });
});

describe('answers that are not a completion', () => {
  it('a not-completion script answers 200 with an HTML page, streaming or not', async () => {
    openai.enqueue({ kind: 'not-completion' }, { kind: 'not-completion' });
    const { data, response } = await openAIClient(openai)
      .chat.completions.create(openAIParams('json_schema'))
      .withResponse();
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    // The SDK hands a non-JSON body back as text: what a provider must not take for an answer.
    expect(data).toBe(CAPTIVE_PORTAL_PAGE);
    const raw = await fetch(`${openai.baseURL}/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ ...openAIParams('json_schema'), stream: true }),
    });
    expect(raw.status).toBe(200);
    expect(await raw.text()).toBe(CAPTIVE_PORTAL_PAGE);
  });

  it('answers any other body, content type and status', async () => {
    anthropic.enqueue({
      kind: 'not-completion',
      body: '{"choices":"x"}',
      contentType: 'application/json',
      headers: { 'x-proxy': 'edge' },
    });
    const { data, response } = await anthropicClient()
      .messages.create(anthropicParams('json_schema'))
      .withResponse();
    expect(data).toEqual({ choices: 'x' });
    expect(response.headers.get('x-proxy')).toBe('edge');
    openrouter.enqueue({ kind: 'not-completion', status: 203 });
    const raw = await fetch(`${openrouter.baseURL}/chat/completions`, { method: 'POST' });
    expect(raw.status).toBe(203);
    expect(raw.headers.get('content-type')).toBe('text/html; charset=utf-8');
  });
});

describe('mid-stream faults', () => {
  it('an OpenAI mid-stream error event surfaces as an APIError after the first chunks', async () => {
    openai.enqueue({
      kind: 'generate',
      json: { name: 'Ada Lovelace' },
      chunkSize: 4,
      fault: { type: 'error-event', afterChunks: 2 },
    });
    const seen: string[] = [];
    const error = await (async () => {
      for await (const chunk of await streamOpenAI(openai)) {
        seen.push(chunk.choices[0]?.delta.content ?? '');
      }
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as { error: unknown }).error).toMatchObject({ type: 'server_error' });
    expect(seen.join('')).toBe('{"name":');
  });

  it('an Anthropic `event: error` surfaces as an overloaded APIError', async () => {
    anthropic.enqueue({
      kind: 'generate',
      json: { name: 'Ada' },
      fault: { type: 'error-event', afterChunks: 1 },
    });
    const error = await summarizeAnthropicStream(await streamAnthropic()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect((error as { error: unknown }).error).toMatchObject({
      type: 'error',
      error: { type: 'overloaded_error' },
    });
  });

  it('an OpenRouter error chunk has finish_reason "error" and a top-level error', async () => {
    openrouter.enqueue({
      kind: 'generate',
      json: { name: 'Ada' },
      fault: { type: 'error-event', afterChunks: 1, status: 503, message: 'Upstream down' },
    });
    const response = await fetch(`${openrouter.baseURL}/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ ...openAIParams('json_schema'), stream: true }),
    });
    const body = await response.text();
    expect(body.startsWith(': OPENROUTER PROCESSING\n\n')).toBe(true);
    const errorChunk = body
      .split('\n\n')
      .filter((event) => event.startsWith('data: {'))
      .map((event) => JSON.parse(event.slice(6)) as Record<string, unknown>)
      .find((chunk) => chunk.error !== undefined);
    expect(errorChunk).toMatchObject({
      error: { code: 503, message: 'Upstream down' },
      choices: [{ finish_reason: 'error' }],
    });
    expect(body.endsWith('data: [DONE]\n\n')).toBe(true);

    openrouter.enqueue({
      kind: 'generate',
      json: { name: 'Ada' },
      fault: { type: 'error-event', afterChunks: 1, status: 503, message: 'Upstream down' },
    });
    await expect(summarizeOpenAIStream(await streamOpenAI(openrouter))).rejects.toThrow(
      'Upstream down',
    );
  });

  it('a truncated stream ends without finish, usage or [DONE]', async () => {
    openai.enqueue({
      kind: 'generate',
      json: { name: 'Ada Lovelace' },
      chunkSize: 4,
      fault: { type: 'truncate', afterChunks: 2 },
    });
    const summary = await summarizeOpenAIStream(await streamOpenAI(openai));
    expect(summary).toMatchObject({
      content: '{"name":',
      finishReason: undefined,
      usage: undefined,
    });

    anthropic.enqueue({
      kind: 'generate',
      json: { name: 'Ada Lovelace' },
      chunkSize: 4,
      fault: { type: 'truncate', afterChunks: 1 },
    });
    const anthropicSummary = await summarizeAnthropicStream(await streamAnthropic());
    expect(anthropicSummary).toMatchObject({ text: '{"na', stopReason: undefined });
  });

  it('a socket reset mid-stream makes the SDK throw a connection error', async () => {
    openai.enqueue({
      kind: 'generate',
      json: { name: 'Ada Lovelace' },
      chunkSize: 4,
      fault: { type: 'reset', afterChunks: 2 },
    });
    await expect(summarizeOpenAIStream(await streamOpenAI(openai))).rejects.toThrow();
    anthropic.enqueue({
      kind: 'generate',
      json: { name: 'Ada Lovelace' },
      fault: { type: 'reset', afterChunks: 1 },
    });
    await expect(summarizeAnthropicStream(await streamAnthropic())).rejects.toThrow();
  });

  it('a reset before any response is an APIConnectionError', async () => {
    openai.enqueue({ kind: 'reset' });
    await expect(streamOpenAI(openai)).rejects.toBeInstanceOf(OpenAI.APIConnectionError);
    anthropic.enqueue({ kind: 'reset' });
    await expect(streamAnthropic()).rejects.toBeInstanceOf(Anthropic.APIConnectionError);
  });

  it('a malformed event makes the SDK fail to parse the stream', async () => {
    const printedBefore = logger.expected.length;
    openai.enqueue({
      kind: 'generate',
      json: { a: 1 },
      fault: { type: 'malformed-event', afterChunks: 1 },
    });
    await expect(summarizeOpenAIStream(await streamOpenAI(openai))).rejects.toThrow(SyntaxError);
    anthropic.enqueue({
      kind: 'generate',
      json: { a: 1 },
      fault: { type: 'malformed-event', afterChunks: 1 },
    });
    await expect(summarizeAnthropicStream(await streamAnthropic())).rejects.toThrow(SyntaxError);
    // Each SDK printed the event it could not parse, to its logger.
    const printed = logger.expected.slice(printedBefore);
    expect(
      printed.filter((line) => line.startsWith('Could not parse message into JSON')),
    ).toHaveLength(2);
  });

  it('malformed JSON content is passed through untouched', async () => {
    openai.enqueue({ kind: 'generate', text: '{"a": 1,, "b"', chunkSize: 3 });
    expect((await summarizeOpenAIStream(await streamOpenAI(openai))).content).toBe('{"a": 1,, "b"');
  });
});

describe('refusals, filters and truncation', () => {
  it('OpenAI refusals stream as delta.refusal with content null', async () => {
    openai.enqueue({ kind: 'generate', refusal: "I can't help with that." });
    const summary = await summarizeOpenAIStream(await streamOpenAI(openai));
    expect(summary).toMatchObject({
      content: '',
      refusal: "I can't help with that.",
      finishReason: 'stop',
    });
  });

  it('Anthropic refusals stop with stop_reason "refusal"', async () => {
    anthropic.enqueue({ kind: 'generate', refusal: 'No.' });
    const summary = await summarizeAnthropicStream(await streamAnthropic());
    expect(summary.stopReason).toBe('refusal');
  });

  it("content filters and length limits use each API's finish reason", async () => {
    openai.enqueue(
      { kind: 'generate', text: '{"a":', finish: 'content_filter' },
      { kind: 'generate', text: '{"a":', finish: 'length' },
    );
    expect((await summarizeOpenAIStream(await streamOpenAI(openai))).finishReason).toBe(
      'content_filter',
    );
    expect((await summarizeOpenAIStream(await streamOpenAI(openai))).finishReason).toBe('length');
    anthropic.enqueue(
      { kind: 'generate', text: '{"a":', finish: 'content_filter' },
      { kind: 'generate', text: '{"a":', finish: 'length' },
    );
    expect((await summarizeAnthropicStream(await streamAnthropic())).stopReason).toBe('refusal');
    expect((await summarizeAnthropicStream(await streamAnthropic())).stopReason).toBe('max_tokens');
  });
});

describe('keep-alives and slow drip', () => {
  it('OpenRouter comments and Anthropic pings do not disturb the SDKs', async () => {
    openrouter.enqueue({ kind: 'generate', json: { a: [1, 2] }, chunkSize: 2, keepAliveEvery: 1 });
    const raw = await fetch(`${openrouter.baseURL}/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ ...openAIParams('json_schema'), stream: true }),
    }).then((response) => response.text());
    expect(raw.match(/: OPENROUTER PROCESSING\n\n/g)?.length).toBeGreaterThan(5);

    openrouter.enqueue({ kind: 'generate', json: { a: [1, 2] }, chunkSize: 2, keepAliveEvery: 1 });
    expect(
      JSON.parse((await summarizeOpenAIStream(await streamOpenAI(openrouter))).content),
    ).toEqual({
      a: [1, 2],
    });
    anthropic.enqueue({ kind: 'generate', json: { a: [1, 2] }, chunkSize: 2, keepAliveEvery: 1 });
    expect(JSON.parse((await summarizeAnthropicStream(await streamAnthropic())).text)).toEqual({
      a: [1, 2],
    });
  });

  it('a slow drip delivers the same value', async () => {
    openai.enqueue({ kind: 'generate', json: { slow: true }, chunkSize: 3, delayMs: 3 });
    expect(JSON.parse((await summarizeOpenAIStream(await streamOpenAI(openai))).content)).toEqual({
      slow: true,
    });
  });
});

describe('stalls, aborts and shutdown', () => {
  it('a stall before headers is cut by the client abort, and the server sees the disconnect', async () => {
    openai.reset();
    openai.enqueue({ kind: 'generate', json: {}, fault: { type: 'stall-before-headers' } });
    const controller = new AbortController();
    const pending = streamOpenAI(openai, controller.signal);
    await vi.waitFor(() => expect(openai.requests).toHaveLength(1));
    controller.abort();
    await expect(pending).rejects.toBeInstanceOf(OpenAI.APIUserAbortError);
    await vi.waitFor(() => expect(openai.openResponses).toBe(0));
    expect(openai.requests[0]?.clientDisconnected).toBe(true);
  });

  it('an SDK timeout cuts a stall before headers', async () => {
    anthropic.enqueue({ kind: 'generate', json: {}, fault: { type: 'stall-before-headers' } });
    const client = new Anthropic({
      apiKey: 'k',
      baseURL: anthropic.baseURL,
      maxRetries: 0,
      timeout: 30,
    });
    await expect(
      client.messages.create({ ...anthropicParams('prompt'), stream: true }),
    ).rejects.toBeInstanceOf(Anthropic.APIConnectionTimeoutError);
  });

  it('a stall mid-stream holds the connection until the client aborts', async () => {
    anthropic.reset();
    anthropic.enqueue({
      kind: 'generate',
      json: { name: 'Ada Lovelace' },
      chunkSize: 4,
      fault: { type: 'stall', afterChunks: 2 },
    });
    const controller = new AbortController();
    const text: string[] = [];
    const reading = (async () => {
      for await (const event of await streamAnthropic(controller.signal)) {
        if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') {
          text.push(event.delta.text);
          if (text.length === 2) controller.abort();
        }
      }
    })();
    await reading.catch(() => undefined);
    expect(text.join('')).toBe('{"name":');
    await vi.waitFor(() => expect(anthropic.openResponses).toBe(0));
    expect(anthropic.requests[0]?.clientDisconnected).toBe(true);
  });

  it('close() ends stalled responses at once', async () => {
    const server = await startOpenAIServer({
      defaultScript: { kind: 'generate', json: { a: 1 }, fault: { type: 'stall', afterChunks: 1 } },
    });
    const stream = await openAIClient(server).chat.completions.create({
      ...openAIParams('json_schema'),
      stream: true,
    });
    const reading = summarizeOpenAIStream(stream).catch((e: unknown) => e);
    await vi.waitFor(() => expect(server.openResponses).toBe(1));
    await server.close();
    await reading;
    expect(server.openResponses).toBe(0);
  });
});
