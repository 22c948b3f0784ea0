import { describe, expect, it } from 'vitest';
import type { AttemptEndEvent, Observer, RequestObserver } from '../../src/index.ts';
import { collect, profile, profileModel, service } from '../support/engine.ts';
import { createMockProvider } from '../support/mock-provider.ts';

describe('request-scoped observers', () => {
  it('hooks returned by onRequestStart see their own request only, beside the global hooks', async () => {
    const provider = createMockProvider({
      responses: [
        { json: profile, chunkSize: 8 },
        { json: { ...profile, name: 'Grace' }, chunkSize: 8 },
      ],
    });
    const global: string[] = [];
    const perRequest = new Map<string, string[]>();
    const observer: Observer = {
      name: 'scoped',
      onAttemptStart: (e) => void global.push(`attempt ${e.requestId}`),
      onRequestStart(start): RequestObserver {
        const seen: string[] = [];
        perRequest.set(start.requestId, seen);
        return {
          onAttemptStart: (e) => void seen.push(`attempt ${e.attempt} ${e.requestId}`),
          onAttemptEnd: (e) => void seen.push(`attempt end ${e.status} ${e.requestId}`),
          onRequestEnd: (e) => void seen.push(`end ${e.status} ${e.requestId}`),
        };
      },
    };
    const svc = service(provider, { observers: [observer] });
    const [a, b] = await Promise.all([
      svc.routeStructured({ prompt: 'a', responseModel: profileModel }),
      svc.routeStructured({ prompt: 'b', responseModel: profileModel }),
    ]);
    expect([a.name, b.name].sort()).toEqual(['Ada Lovelace', 'Grace']);
    expect(perRequest.size).toBe(2);
    for (const [id, seen] of perRequest) {
      expect(seen).toEqual([`attempt 1 ${id}`, `attempt end success ${id}`, `end success ${id}`]);
    }
    expect(global.sort()).toEqual([...perRequest.keys()].map((id) => `attempt ${id}`).sort());
  });

  it('a returned hook that throws is reported once, and neither the request nor other observers suffer', async () => {
    const provider = createMockProvider({
      responses: [
        { json: profile, chunkSize: 8 },
        { json: profile, chunkSize: 8 },
      ],
    });
    const warnings: string[] = [];
    const logger = {
      debug: () => {},
      info: () => {},
      warn: (message: string) => void warnings.push(message),
      error: (message: string) => void warnings.push(message),
    };
    let ends = 0;
    const svc = service(provider, {
      logger,
      observers: [
        {
          name: 'broken',
          onRequestStart: () => ({
            onFirstChunk: () => {
              throw new Error('boom');
            },
          }),
        },
        { name: 'counter', onRequestStart: () => ({ onRequestEnd: () => void ends++ }) },
      ],
    });
    await svc.routeStructured({ prompt: 'a', responseModel: profileModel });
    await svc.routeStructured({ prompt: 'b', responseModel: profileModel });
    expect(ends).toBe(2);
    expect(warnings.filter((w) => w.includes('broken'))).toHaveLength(1);
    expect(warnings[0]).toContain('onFirstChunk');
  });
});

describe('what each attempt cost', () => {
  it('onAttemptEnd carries the usage, finish reason and server of failed and successful attempts', async () => {
    const provider = Object.assign(
      createMockProvider({
        responses: [
          // Invalid (no age): re-asked, but its tokens were paid for.
          {
            json: { name: 'Ada', tags: [], address: profile.address },
            usage: { inputTokens: 10, outputTokens: 4 },
          },
          { json: profile, usage: { inputTokens: 30, outputTokens: 12 } },
        ],
      }),
      { server: { address: 'llm.internal', port: 8443 } },
    );
    const ended: AttemptEndEvent[] = [];
    const responses = await collect(
      service(provider, {
        observers: [{ onAttemptEnd: (e) => void ended.push(e) }],
      }).routeStructuredStreaming({ prompt: 'Ada', responseModel: profileModel }),
    );
    expect(
      ended.map((e) => ({
        status: e.status,
        usage: e.usage,
        finishReason: e.finishReason,
        server: e.server,
      })),
    ).toEqual([
      {
        status: 'error',
        usage: { inputTokens: 10, outputTokens: 4 },
        finishReason: 'stop',
        server: { address: 'llm.internal', port: 8443 },
      },
      {
        status: 'success',
        usage: { inputTokens: 30, outputTokens: 12 },
        finishReason: 'stop',
        server: { address: 'llm.internal', port: 8443 },
      },
    ]);
    const final = responses.at(-1);
    expect(final?.isComplete).toBe(true);
    expect(final?.usage).toEqual({
      inputTokens: 40,
      outputTokens: 16,
      attempts: [
        { attempt: 1, model: 'mock/model-a', inputTokens: 10, outputTokens: 4 },
        { attempt: 2, model: 'mock/model-a', inputTokens: 30, outputTokens: 12 },
      ],
    });
    // Partial responses do not carry it.
    expect(responses.slice(0, -1).every((r) => r.usage === undefined)).toBe(true);
  });

  it('a failed request reports the tokens its attempts cost on its final response', async () => {
    const invalid = { json: { name: 'Ada' }, usage: { inputTokens: 7, outputTokens: 3 } };
    const provider = createMockProvider({ responses: [invalid, invalid] });
    const responses = await collect(
      service(provider).routeStructuredStreaming({
        prompt: 'Ada',
        responseModel: profileModel,
        maxRetries: 1,
      }),
    );
    const final = responses.at(-1);
    expect(final?.error?.category).toBe('validation');
    expect(final?.usage).toMatchObject({ inputTokens: 14, outputTokens: 6 });
    expect(final?.usage?.attempts).toHaveLength(2);
  });

  it('no usage reported: the final response has none', async () => {
    const provider = createMockProvider({ responses: [{ json: profile }] });
    const responses = await collect(
      service(provider).routeStructuredStreaming({ prompt: 'Ada', responseModel: profileModel }),
    );
    expect(responses.at(-1)?.usage).toBeUndefined();
  });
});
