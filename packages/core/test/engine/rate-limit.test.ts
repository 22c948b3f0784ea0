import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RateLimiter } from '../../src/index.ts';
import { createRateLimiter } from '../../src/rate-limit.ts';
import { failureOf, profile, profileModel, service } from '../support/engine.ts';
import { createMockProvider } from '../support/mock-provider.ts';

afterEach(() => {
  vi.useRealTimers();
});

const KEY = 'mock:model-a';

function recordingLogger(): {
  warnings: { message: string; data: unknown }[];
  logger: { debug(): void; info(): void; warn(m: string, d?: unknown): void; error(): void };
} {
  const warnings: { message: string; data: unknown }[] = [];
  return {
    warnings,
    logger: {
      debug() {},
      info() {},
      warn: (message, data) => void warnings.push({ message, data }),
      error() {},
    },
  };
}

describe('rateLimiter', () => {
  it('holds an attempt back until the limiter lets it start', async () => {
    vi.useFakeTimers();
    const provider = createMockProvider({ responses: () => ({ json: profile }) });
    const llm = service(provider, {
      rateLimiter: createRateLimiter({ requestsPerMinute: 2, marginMs: 0 }),
    });
    const results = [1, 2, 3].map(() =>
      llm.routeStructured({ prompt: 'x', responseModel: profileModel }),
    );
    await vi.advanceTimersByTimeAsync(1_000);
    expect(provider.calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(58_000);
    expect(provider.calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(provider.calls).toHaveLength(3);
    await expect(Promise.all(results)).resolves.toEqual([profile, profile, profile]);
  });

  it('pauses the model for every service sharing the limiter after a 429 with retry-after', async () => {
    vi.useFakeTimers();
    const limiter = createRateLimiter();
    const first = createMockProvider({
      responses: [{ error: { status: 429, retryAfterMs: 5_000 } }, { json: profile }],
    });
    const second = createMockProvider({ responses: () => ({ json: profile }) });
    const a = service(first, { rateLimiter: limiter });
    const b = service(second, { rateLimiter: limiter });
    const pending = a.routeStructured({ prompt: 'x', responseModel: profileModel });
    await vi.advanceTimersByTimeAsync(10);
    expect(first.calls).toHaveLength(1);
    // Another "process" asks now: it waits for the provider's time instead of calling.
    const other = b.routeStructured({ prompt: 'y', responseModel: profileModel });
    await vi.advanceTimersByTimeAsync(4_900);
    expect(second.calls).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(200);
    expect(second.calls).toHaveLength(1);
    await expect(Promise.all([pending, other])).resolves.toEqual([profile, profile]);
    expect(first.calls).toHaveLength(2);
  });

  it('counts the tokens a call used against tokensPerMinute', async () => {
    vi.useFakeTimers();
    const provider = createMockProvider({
      responses: () => ({ json: profile, usage: { inputTokens: 70, outputTokens: 40 } }),
    });
    const llm = service(provider, {
      rateLimiter: createRateLimiter({ tokensPerMinute: 100, marginMs: 0 }),
    });
    await llm.routeStructured({ prompt: 'x', responseModel: profileModel });
    const next = llm.routeStructured({ prompt: 'y', responseModel: profileModel });
    await vi.advanceTimersByTimeAsync(59_000);
    expect(provider.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1_000);
    await expect(next).resolves.toEqual(profile);
    expect(provider.calls).toHaveLength(2);
  });

  it('ends a wait when the request is aborted, without calling the provider', async () => {
    vi.useFakeTimers();
    const provider = createMockProvider({ responses: () => ({ json: profile }) });
    const limiter = createRateLimiter();
    limiter.penalize(KEY, 60_000);
    const controller = new AbortController();
    const pending = failureOf(
      service(provider, { rateLimiter: limiter }).routeStructured({
        prompt: 'x',
        responseModel: profileModel,
        signal: controller.signal,
      }),
    );
    await vi.advanceTimersByTimeAsync(1_000);
    controller.abort();
    expect((await pending).category).toBe('aborted');
    expect(provider.calls).toHaveLength(0);
  });

  it('goes on without a limiter that fails, and logs it', async () => {
    const provider = createMockProvider({
      responses: [{ error: { status: 429, retryAfterMs: 1 } }, { json: profile }],
    });
    const broken: RateLimiter = {
      acquire: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379')),
      penalize: () => {
        throw new Error('connection is closed');
      },
      record: () => Promise.reject(new Error('connection is closed')),
    };
    const { warnings, logger } = recordingLogger();
    const llm = service(provider, { rateLimiter: broken, logger });
    await expect(
      llm.routeStructured({ prompt: 'x', responseModel: profileModel }),
    ).resolves.toEqual(profile);
    expect(provider.calls).toHaveLength(2);
    const messages = warnings.map((w) => w.message);
    expect(messages).toContain(
      'Rate limiter acquire failed; the request goes on without the limiter',
    );
    expect(messages).toContain(
      'Rate limiter penalize failed; the request goes on without the limiter',
    );
    expect(warnings[0]?.data).toMatchObject({ error: expect.stringContaining('ECONNREFUSED') });
  });

  it('rejects limiter options that cannot work, and a rateLimiter that is no limiter', () => {
    const provider = createMockProvider({ responses: () => ({ json: profile }) });
    expect(() => createRateLimiter({ requestsPerMinute: 0 })).toThrow(
      expect.objectContaining({ category: 'bad_request', code: 'invalid_options' }),
    );
    expect(() =>
      service(provider, { rateLimiter: { requestsPerMinute: 10 } as unknown as RateLimiter }),
    ).toThrow(
      expect.objectContaining({
        category: 'bad_request',
        code: 'invalid_options',
        message: expect.stringContaining('@structllm/core/rate-limit'),
      }),
    );
  });
});
