import { inspect } from 'node:util';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  createCircuitBreaker,
  jsonSchema,
  StructuredLLMError,
  StructuredLLMService,
} from '../../src/index.ts';
import {
  collect,
  failureOf,
  profile,
  profileModel,
  recordEvents,
  service,
} from '../support/engine.ts';
import { disagreement } from '../support/json-agreement.ts';
import { createMockProvider } from '../support/mock-provider.ts';

afterEach(() => {
  vi.useRealTimers();
});

describe('failed requests', () => {
  it('end with one error response; the iterator does not throw and result rejects', async () => {
    const provider = createMockProvider({
      responses: [{ error: { status: 401, message: 'bad key' } }],
    });
    const stream = service(provider).routeStructuredStreaming({
      prompt: 'Ada',
      responseModel: profileModel,
    });
    const responses = await collect(stream);
    expect(responses).toHaveLength(1);
    const [last] = responses;
    expect(last?.isComplete).toBe(true);
    expect(last?.error?.category).toBe('auth');
    expect(last?.error?.attempts).toEqual([
      {
        attempt: 1,
        model: 'mock/model-a',
        provider: 'mock',
        category: 'auth',
        message: 'HTTP 401: bad key',
      },
    ]);
    await expect(stream.result).rejects.toSatisfy(
      (error) => StructuredLLMError.is(error) && error.category === 'auth',
    );
    expect(stream.status).toBe('failed');
    expect(provider.calls).toHaveLength(1); // auth is not retried
  });

  it('keep the last valid partial on the final error response', async () => {
    const provider = createMockProvider({
      responses: [
        {
          json: profile,
          chunkSize: 10,
          failAfterChunks: 5,
          midStreamError: new StructuredLLMError({ category: 'auth', message: 'revoked' }),
        },
      ],
    });
    const responses = await collect(
      service(provider).routeStructuredStreaming({ prompt: 'Ada', responseModel: profileModel }),
    );
    const last = responses.at(-1);
    expect(last?.error?.category).toBe('auth');
    expect(last?.partialResult).toBeDefined();
    expect(disagreement(last?.partialResult, profile)).toBeUndefined();
  });

  it('reject a request that names no model', async () => {
    const provider = createMockProvider({ responses: [{ json: profile }] });
    const llm = new StructuredLLMService({ providers: [provider] });
    await expect(
      llm.routeStructured({ prompt: 'x', responseModel: profileModel }),
    ).rejects.toMatchObject({
      category: 'bad_request',
      code: 'no_model',
    });
  });
});

describe('retries', () => {
  it('retry a stream that dies after partials, telling the consumer through attempt and a retry event', async () => {
    const provider = createMockProvider({
      responses: [
        { json: profile, chunkSize: 8, failAfterChunks: 6 },
        { json: profile, chunkSize: 8 },
      ],
    });
    const { events, callback } = recordEvents();
    const responses = await collect(
      service(provider).routeStructuredStreaming({
        prompt: 'Ada',
        responseModel: profileModel,
        progressCallback: callback,
      }),
    );
    const attempts = responses.map((r) => r.attempt);
    expect(attempts.filter((a) => a === 1).length).toBe(6);
    expect(responses.at(-1)).toMatchObject({
      attempt: 2,
      isComplete: true,
      partialResult: profile,
    });
    expect(events.map((e) => e.eventType)).toContain('retry');
    const retry = events.find((e) => e.eventType === 'retry');
    expect(retry?.data).toMatchObject({ attempt: 2, category: 'server' });
    // Progress restarts with the new attempt and never goes backwards inside it.
    for (const attempt of [1, 2]) {
      const percents = responses.filter((r) => r.attempt === attempt).map((r) => r.progressPercent);
      expect(percents).toEqual([...percents].sort((a, b) => a - b));
    }
  });

  it('back off exponentially with full jitter, honouring retry-after', async () => {
    vi.useFakeTimers();
    const provider = createMockProvider({
      responses: [
        { error: { status: 503 } },
        { error: { status: 429, retryAfterMs: 5000 } },
        { json: profile },
      ],
    });
    const llm = service(provider, {
      retry: { baseDelayMs: 1000, maxDelayMs: 10_000, random: () => 0.5 },
    });
    const stream = llm.routeStructuredStreaming({ prompt: 'Ada', responseModel: profileModel });
    const result = stream.result;
    await vi.advanceTimersByTimeAsync(0);
    expect(provider.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(499);
    expect(provider.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1); // 0.5 × 1000 ms
    expect(provider.calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(4999); // retry-after: 5 s beats 0.5 × 2000 ms
    expect(provider.calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    await expect(result).resolves.toEqual(profile);
    expect(stream.attempts.map((a) => a.delayMs)).toEqual([500, 5000, undefined]);
  });

  it('stop after maxRetries and list every attempt', async () => {
    const provider = createMockProvider({ responses: [{ error: { status: 500 } }] });
    const stream = service(provider).routeStructuredStreaming({
      prompt: 'Ada',
      responseModel: profileModel,
      maxRetries: 2,
    });
    await expect(stream.result).rejects.toMatchObject({ category: 'server' });
    expect(provider.calls).toHaveLength(3);
    const error = await failureOf(stream.result);
    expect(error.attempts.map((a) => [a.attempt, a.category])).toEqual([
      [1, 'server'],
      [2, 'server'],
      [3, 'server'],
    ]);
  });

  it('re-ask with the parse error when the JSON is malformed', async () => {
    const provider = createMockProvider({
      responses: [{ text: '{"name": "Ada", "age": 36,, }' }, { json: profile }],
    });
    await expect(
      service(provider).routeStructured({ prompt: 'Ada', responseModel: profileModel }),
    ).resolves.toEqual(profile);
    const reask = provider.calls[1]?.messages ?? [];
    expect(reask.at(-2)).toEqual({ role: 'assistant', content: '{"name": "Ada", "age": 36,, }' });
    expect(reask.at(-1)?.content).toContain('(parse)');
    expect(reask.at(-1)?.content).toContain('position 26');
  });

  it('re-ask with the head and tail of a long malformed answer, not all of it', async () => {
    const text = `{"name": "${'a'.repeat(4000)}${'z'.repeat(4000)}",, }`;
    const provider = createMockProvider({ responses: [{ text }, { json: profile }] });
    await expect(
      service(provider).routeStructured({ prompt: 'Ada', responseModel: profileModel }),
    ).resolves.toEqual(profile);
    const quoted = provider.calls[1]?.messages.at(-2);
    expect(quoted).toEqual({
      role: 'assistant',
      content: `${text.slice(0, 3000)}\n…\n${text.slice(-1000)}`,
    });
  });

  it('re-ask with the validation errors when the value breaks the schema', async () => {
    const provider = createMockProvider({
      responses: [{ json: { ...profile, age: 300 } }, { json: profile }],
    });
    await expect(
      service(provider).routeStructured({ prompt: 'Ada', responseModel: profileModel }),
    ).resolves.toEqual(profile);
    const last = provider.calls[1]?.messages.at(-1)?.content ?? '';
    expect(last).toContain('(validation)');
    expect(last).toContain('age');
  });

  it('catch an impossible partial early, before the stream ends', async () => {
    const bad = JSON.stringify(
      { ...profile, address: { city: 'London', planet: 'Mars', country: 'UK' } },
      null,
      2,
    );
    const provider = createMockProvider({
      responses: [{ text: bad, chunkSize: 4 }, { json: profile }],
    });
    const responses = await collect(
      service(provider).routeStructuredStreaming({ prompt: 'Ada', responseModel: profileModel }),
    );
    const firstAttempt = responses.filter((r) => r.attempt === 1);
    const sent = firstAttempt.flatMap((r) => r.rawChunks ?? []).join('');
    expect(sent.length).toBeLessThan(bad.length);
    expect(responses.at(-1)).toMatchObject({ attempt: 2, partialResult: profile });
  });

  it('catch an enum value no prefix can complete while its string is still growing', async () => {
    const mood = jsonSchema({
      type: 'object',
      properties: {
        note: { type: 'string' },
        mood: { type: 'string', enum: ['calm', 'cheerful'] },
      },
      required: ['note', 'mood'],
    });
    // A long string first (checked rarely), then a new string that goes wrong after 3
    // characters and never closes: it must be caught long before the stream ends.
    const bad = `{"note": "${'n'.repeat(500)}", "mood": "chx${'x'.repeat(2_000)}`;
    const provider = createMockProvider({
      responses: [{ text: bad, chunkSize: 1 }, { json: { note: 'ok', mood: 'calm' } }],
    });
    const responses = await collect(
      service(provider).routeStructuredStreaming({ prompt: 'How?', responseModel: mood }),
    );
    const firstAttempt = responses.filter((r) => r.attempt === 1);
    const sent = firstAttempt.flatMap((r) => r.rawChunks ?? []).join('');
    const moodStart = bad.indexOf('"chx') + 1;
    // Checked again each time the string doubles: caught within 2× the bad prefix.
    expect(sent.length).toBeGreaterThanOrEqual(moodStart + 3);
    expect(sent.length).toBeLessThanOrEqual(moodStart + 8);
    expect(provider.calls[1]?.messages.at(-1)?.content).toContain('mood');
    expect(responses.at(-1)).toMatchObject({
      attempt: 2,
      partialResult: { note: 'ok', mood: 'calm' },
    });
  });

  it('report a length cut as category length', async () => {
    const text = JSON.stringify(profile);
    const provider = createMockProvider({
      responses: [{ text: text.slice(0, 30), finishReason: 'length' }],
    });
    await expect(
      service(provider).routeStructured({ prompt: 'Ada', responseModel: profileModel }),
    ).rejects.toMatchObject({ category: 'length' });
    expect(provider.calls).toHaveLength(1);
  });

  it('report a refusal as content_filter without retrying', async () => {
    const provider = createMockProvider({
      responses: [{ text: '', finishReason: 'content_filter' }],
    });
    await expect(
      service(provider).routeStructured({ prompt: 'Ada', responseModel: profileModel }),
    ).rejects.toMatchObject({ category: 'content_filter' });
    expect(provider.calls).toHaveLength(1);
  });

  it('retry a truncated stream (connection dropped without finish) as a parse failure', async () => {
    const provider = createMockProvider({
      responses: [{ json: profile, truncateAfterChunks: 4 }, { json: profile }],
    });
    const stream = service(provider).routeStructuredStreaming({
      prompt: 'Ada',
      responseModel: profileModel,
    });
    await expect(stream.result).resolves.toEqual(profile);
    expect(stream.attempts[0]?.category).toBe('parse');
  });
});

describe('fallbacks and the circuit breaker', () => {
  it('fall back to the next model once the primary is exhausted', async () => {
    const primary = createMockProvider({ id: 'a', responses: [{ error: { status: 503 } }] });
    const backup = createMockProvider({ id: 'b', responses: [{ json: profile }] });
    const { events, callback } = recordEvents();
    const stream = service([primary, backup]).routeStructuredStreaming({
      prompt: 'Ada',
      responseModel: profileModel,
      model: 'a/big',
      fallbackModels: ['b/small'],
      maxRetries: 1,
      progressCallback: callback,
    });
    const responses = await collect(stream);
    expect(responses.at(-1)).toMatchObject({
      model: 'b/small',
      attempt: 3,
      partialResult: profile,
    });
    expect(primary.calls).toHaveLength(2);
    expect(backup.calls[0]?.model).toBe('small');
    expect(events.find((e) => e.eventType === 'fallback')?.data).toMatchObject({
      from: 'a/big',
      to: 'b/small',
    });
  });

  it('skip a model whose breaker is open without calling it', async () => {
    const primary = createMockProvider({ id: 'a', responses: [{ error: { status: 500 } }] });
    const backup = createMockProvider({ id: 'b', responses: [{ json: profile }] });
    const breaker = createCircuitBreaker({ minimumCalls: 2, cooldownMs: 60_000 });
    const llm = service([primary, backup], { breaker });
    const request = {
      prompt: 'Ada',
      responseModel: profileModel,
      model: 'a/big',
      fallbackModels: ['b/small'],
      maxRetries: 1,
    };
    await expect(llm.routeStructured(request)).resolves.toEqual(profile);
    expect(primary.calls).toHaveLength(2);
    expect(await breaker.state('a:big')).toBe('open');
    const stream = llm.routeStructuredStreaming(request);
    await expect(stream.result).resolves.toEqual(profile);
    expect(primary.calls).toHaveLength(2); // refused by the open breaker
    expect(stream.attempts[0]).toMatchObject({ category: 'circuit_open', model: 'a/big' });
  });

  it('does not count validation failures against the breaker', async () => {
    const provider = createMockProvider({ responses: [{ json: { wrong: true } }] });
    const breaker = createCircuitBreaker({ minimumCalls: 1 });
    const llm = service(provider, { breaker });
    await expect(
      llm.routeStructured({ prompt: 'x', responseModel: profileModel, maxRetries: 2 }),
    ).rejects.toMatchObject({
      category: 'validation',
    });
    expect(await breaker.state('mock:model-a')).toBe('closed');
  });

  it('does not count the caller’s own timeouts.totalMs against the breaker', async () => {
    vi.useFakeTimers();
    const provider = createMockProvider({
      responses: [{ json: profile, chunkSize: 4, delayMs: 10 }],
    });
    const breaker = createCircuitBreaker({ minimumCalls: 1 });
    const llm = service(provider, { breaker });
    for (let i = 0; i < 2; i++) {
      const stream = llm.routeStructuredStreaming({
        prompt: 'x',
        responseModel: profileModel,
        timeouts: { totalMs: 25 },
      });
      const iterator = stream[Symbol.asyncIterator]();
      const first = iterator.next();
      await vi.advanceTimersByTimeAsync(10);
      await first;
      stream.pause(); // the consumer takes its time: the request's budget runs out
      await vi.advanceTimersByTimeAsync(100);
      stream.resume();
      const rest = collect({ [Symbol.asyncIterator]: () => iterator });
      await vi.advanceTimersByTimeAsync(100);
      expect((await rest).at(-1)?.error).toMatchObject({
        category: 'timeout',
        code: 'total_timeout',
      });
    }
    expect(await breaker.state('mock:model-a')).toBe('closed');
    const next = llm.routeStructured({ prompt: 'x', responseModel: profileModel });
    await vi.runAllTimersAsync();
    await expect(next).resolves.toEqual(profile);
  });

  it('says "service temporarily unavailable" when every model is refused', async () => {
    const provider = createMockProvider({ responses: [{ error: { status: 500 } }] });
    const warnings: string[] = [];
    const logger = {
      debug() {},
      info() {},
      warn: (m: string) => void warnings.push(m),
      error() {},
    };
    const llm = service(provider, { breaker: { minimumCalls: 1, cooldownMs: 30_000 }, logger });
    await expect(
      llm.routeStructured({ prompt: 'x', responseModel: profileModel, maxRetries: 0 }),
    ).rejects.toMatchObject({ category: 'server' });
    const refused = await failureOf(
      llm.routeStructured({ prompt: 'x', responseModel: profileModel }),
    );
    expect(refused.category).toBe('circuit_open');
    expect(refused.message).toMatch(/temporarily unavailable/i);
    expect(refused.retryAfterMs).toBeGreaterThan(29_000);
    expect(warnings.some((w) => /temporarily unavailable/i.test(w))).toBe(true);
  });

  it('degrades the mode when the model rejects it at run time', async () => {
    const provider = createMockProvider({
      responses: (call) =>
        call.mode === 'json_schema'
          ? {
              error: new StructuredLLMError({
                category: 'bad_request',
                code: 'unsupported_mode',
                message: 'response_format not supported',
              }),
            }
          : { json: profile },
    });
    await expect(
      service(provider).routeStructured({
        prompt: 'x',
        responseModel: profileModel,
        maxRetries: 0,
      }),
    ).resolves.toEqual(profile);
    expect(provider.calls.map((c) => c.mode)).toEqual(['json_schema', 'tool']);
  });
});

describe('routing', () => {
  it('routes a prefix to its provider and anything else to the default one', async () => {
    const openai = createMockProvider({ id: 'openai', responses: [{ json: profile }] });
    const openrouter = createMockProvider({ id: 'openrouter', responses: [{ json: profile }] });
    const llm = service([openai, openrouter], { defaultProvider: 'openrouter' });
    await llm.routeStructured({ prompt: 'x', responseModel: profileModel, model: 'openai/gpt-4o' });
    await llm.routeStructured({
      prompt: 'x',
      responseModel: profileModel,
      model: 'meta-llama/llama-3.1-70b',
    });
    await llm.routeStructured({ prompt: 'x', responseModel: profileModel, model: 'gpt-4o-mini' });
    expect(openai.calls.map((c) => c.model)).toEqual(['gpt-4o']);
    expect(openrouter.calls.map((c) => c.model)).toEqual([
      'meta-llama/llama-3.1-70b',
      'gpt-4o-mini',
    ]);
  });

  it('reports a provider whose supports() throws as that provider failing, and falls back', async () => {
    const broken = createMockProvider({ id: 'broken', responses: [{ json: profile }] });
    const faulty = {
      ...broken,
      supports(): never {
        throw new TypeError('capability table missing');
      },
    };
    const healthy = createMockProvider({ id: 'ok', responses: [{ json: profile }] });
    const stream = service([faulty, healthy]).routeStructuredStreaming({
      prompt: 'x',
      responseModel: profileModel,
      model: 'broken/m',
      fallbackModels: ['ok/m'],
    });
    await expect(stream.result).resolves.toEqual(profile);
    expect(stream.attempts[0]).toMatchObject({ model: 'broken/m', category: 'unknown' });
    expect(stream.attempts[0]?.message).toBe(
      'Provider "broken" failed for broken/m: capability table missing',
    );
    expect(broken.calls).toHaveLength(0);
  });

  it('keeps only a plain copy of what a custom provider threw: no headers or body', async () => {
    const token = 'tok-engine-5Hq8Lm2Vx7Rz';
    const thrown = Object.assign(new Error('401 Unauthorized'), {
      status: 401,
      headers: new Headers({ 'www-authenticate': `Bearer ${token}`, 'retry-after': '1' }),
      error: { param: token },
    });
    const raw = {
      specificationVersion: 'v1' as const,
      id: 'raw',
      supports: () => ({ streaming: true, modes: ['json_schema' as const] }),
      doStream: () => Promise.reject(thrown),
      doGenerate: () => Promise.reject(thrown),
    };
    const seen: unknown[] = [];
    const stream = service(raw, {
      retry: { maxRetries: 0 },
      observers: [{ onAttemptEnd: (event) => void seen.push(event) }],
    }).routeStructuredStreaming({ prompt: 'x', responseModel: profileModel, model: 'raw/m' });
    const responses = await collect(stream);
    const error = responses.at(-1)?.error;
    expect(error?.category).toBe('unknown');
    const cause = error?.cause as Error & Record<string, unknown>;
    expect(cause).not.toBe(thrown);
    expect(cause.message).toBe('401 Unauthorized');
    expect({ ...cause }).toEqual({ status: 401 });
    expect(seen).toHaveLength(1);
    for (const value of [error, seen, responses]) {
      expect(inspect(value, { depth: Number.POSITIVE_INFINITY, showHidden: true })).not.toContain(
        token,
      );
    }
  });

  it('fails clearly when nothing can serve the model', async () => {
    const a = createMockProvider({ id: 'a', responses: [{ json: profile }] });
    const b = createMockProvider({ id: 'b', responses: [{ json: profile }] });
    const error = await failureOf(
      service([a, b]).routeStructured({
        prompt: 'x',
        responseModel: profileModel,
        model: 'c/model',
      }),
    );
    expect(error.category).toBe('bad_request');
    expect(error.code).toBe('no_provider');
    expect(error.message).toContain('"a", "b"');
  });
});
