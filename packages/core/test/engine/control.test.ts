import { afterEach, describe, expect, it, vi } from 'vitest';
import type { StructuredLLMError } from '../../src/index.ts';
import type { ProviderPart, StructuredProvider } from '../../src/provider/index.ts';
import { collect, profile, profileModel, service } from '../support/engine.ts';
import {
  type MockProviderOptions,
  createMockProvider as mockProvider,
} from '../support/mock-provider.ts';

afterEach(() => {
  vi.useRealTimers();
});

/** Lets pending promise callbacks run. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe.each([
  ['the consumer holds the provider read (abortEndsReads)', true],
  ['the engine watches the abort for every read', false],
])('%s', (_, abortEndsReads) => {
  const createMockProvider = (options: MockProviderOptions) =>
    mockProvider({ abortEndsReads, ...options });

  describe('pause and resume', () => {
    it('stop pulling from the provider while paused (backpressure), and continue after resume', async () => {
      let pulled = 0;
      const provider = createMockProvider({ responses: [{ json: profile, chunkSize: 4 }] });
      const counting = {
        ...provider,
        async doStream(call: Parameters<typeof provider.doStream>[0]) {
          const parts = await provider.doStream(call);
          return (async function* () {
            for await (const part of parts) {
              pulled++;
              yield part;
            }
          })();
        },
      };
      const stream = service(counting).routeStructuredStreaming({
        prompt: 'Ada',
        responseModel: profileModel,
      });
      const iterator = stream[Symbol.asyncIterator]();
      await iterator.next();
      await iterator.next();
      stream.pause();
      expect(stream.status).toBe('paused');
      const nextWhilePaused = iterator.next();
      await settle();
      const pulledWhilePaused = pulled;
      await settle();
      await settle();
      expect(pulled).toBe(pulledWhilePaused);
      let delivered = false;
      void nextWhilePaused.then(() => {
        delivered = true;
      });
      await settle();
      expect(delivered).toBe(false);
      stream.resume();
      await nextWhilePaused;
      expect(pulled).toBeGreaterThan(pulledWhilePaused);
      for (;;) {
        const next = await iterator.next();
        if (next.done === true) break;
      }
      await expect(stream.result).resolves.toEqual(profile);
    });

    it('suspend the idle timeout while paused', async () => {
      vi.useFakeTimers();
      const provider = createMockProvider({
        responses: [{ json: profile, chunkSize: 16, delayMs: 100 }],
      });
      const stream = service(provider).routeStructuredStreaming({
        prompt: 'Ada',
        responseModel: profileModel,
        timeouts: { idleMs: 1000 },
      });
      const iterator = stream[Symbol.asyncIterator]();
      const first = iterator.next();
      await vi.advanceTimersByTimeAsync(100);
      await first;
      stream.pause();
      await vi.advanceTimersByTimeAsync(10_000); // far beyond idleMs, but paused
      stream.resume();
      const rest: unknown[] = [];
      const drain = (async () => {
        for (;;) {
          const next = await iterator.next();
          if (next.done === true) break;
          rest.push(next.value);
        }
      })();
      await vi.advanceTimersByTimeAsync(10_000);
      await drain;
      await expect(stream.result).resolves.toEqual(profile);
      expect(provider.calls).toHaveLength(1);
    });
  });

  describe('abort', () => {
    it('abort() cancels the provider call and ends with category aborted', async () => {
      const provider = createMockProvider({
        responses: [{ json: profile, chunkSize: 4, stallAfterChunks: 3 }],
      });
      const stream = service(provider).routeStructuredStreaming({
        prompt: 'Ada',
        responseModel: profileModel,
      });
      const responses: Array<{ error?: StructuredLLMError | undefined; isComplete: boolean }> = [];
      const done = (async () => {
        for await (const response of stream) responses.push(response);
      })();
      await settle();
      stream.abort('user pressed stop');
      await done;
      expect(responses.at(-1)?.isComplete).toBe(true);
      expect(responses.at(-1)?.error?.category).toBe('aborted');
      expect(responses.at(-1)?.error?.message).toContain('user pressed stop');
      expect(provider.calls[0]?.signal.aborted).toBe(true);
      expect(stream.status).toBe('aborted');
      expect(provider.inFlight).toBe(0);
      await expect(stream.result).rejects.toMatchObject({ category: 'aborted' });
    });

    it('request.signal aborts the request, also during a backoff sleep', async () => {
      vi.useFakeTimers();
      const provider = createMockProvider({ responses: [{ error: { status: 503 } }] });
      const controller = new AbortController();
      const llm = service(provider, {
        retry: { baseDelayMs: 60_000, maxDelayMs: 60_000, random: () => 1 },
      });
      const result = llm.routeStructured({
        prompt: 'Ada',
        responseModel: profileModel,
        signal: controller.signal,
      });
      await vi.advanceTimersByTimeAsync(10);
      expect(provider.calls).toHaveLength(1); // now sleeping 60 s before the retry
      controller.abort();
      await expect(result).rejects.toMatchObject({ category: 'aborted' });
      expect(vi.getTimerCount()).toBe(0);
    });

    it('an already-aborted signal never calls the provider', async () => {
      const provider = createMockProvider({ responses: [{ json: profile }] });
      const stream = service(provider).routeStructuredStreaming({
        prompt: 'Ada',
        responseModel: profileModel,
        signal: AbortSignal.abort('too late'),
      });
      const responses = await collect(stream);
      expect(responses).toHaveLength(1);
      expect(responses[0]?.error?.category).toBe('aborted');
      expect(provider.calls).toHaveLength(0);
    });

    it('breaking out of the loop cancels the provider call', async () => {
      const provider = createMockProvider({ responses: [{ json: profile, chunkSize: 2 }] });
      const stream = service(provider).routeStructuredStreaming({
        prompt: 'Ada',
        responseModel: profileModel,
      });
      for await (const response of stream) {
        if ((response.partialResult as { name?: string } | undefined)?.name === 'Ada') break;
      }
      expect(provider.calls[0]?.signal.aborted).toBe(true);
      expect(provider.inFlight).toBe(0);
      await expect(stream.result).rejects.toMatchObject({ category: 'aborted' });
    });
  });

  describe('timeouts', () => {
    it('a stall before the first chunk times out and is retried', async () => {
      vi.useFakeTimers();
      const provider = createMockProvider({
        responses: [{ json: profile, stallAfterChunks: 0 }, { json: profile }],
      });
      const stream = service(provider).routeStructuredStreaming({
        prompt: 'Ada',
        responseModel: profileModel,
        timeouts: { firstChunkMs: 2000 },
      });
      const result = stream.result;
      await vi.advanceTimersByTimeAsync(2000);
      // The retry follows a macrotask (a timer of 0 ms, at least 1 ms under fake timers).
      await vi.advanceTimersByTimeAsync(1);
      await expect(result).resolves.toEqual(profile);
      expect(stream.attempts[0]).toMatchObject({ category: 'timeout' });
      expect(provider.calls[0]?.signal.aborted).toBe(true);
    });

    it('a stall mid-stream hits the idle timeout', async () => {
      vi.useFakeTimers();
      const provider = createMockProvider({
        responses: [{ json: profile, chunkSize: 8, stallAfterChunks: 5 }],
      });
      const stream = service(provider).routeStructuredStreaming({
        prompt: 'Ada',
        responseModel: profileModel,
        timeouts: { idleMs: 500 },
        maxRetries: 0,
      });
      const responses = collect(stream);
      await vi.advanceTimersByTimeAsync(500);
      const final = (await responses).at(-1);
      expect(final?.error).toMatchObject({ category: 'timeout', code: 'idle_timeout' });
    });

    it('the idle timeout fires idleMs after the last chunk, not before', async () => {
      vi.useFakeTimers();
      const provider = createMockProvider({
        responses: [{ json: profile, chunkSize: 8, delayMs: 300, stallAfterChunks: 5 }],
      });
      let ended = false;
      const stream = service(provider).routeStructuredStreaming({
        prompt: 'Ada',
        responseModel: profileModel,
        timeouts: { idleMs: 1000 },
        maxRetries: 0,
      });
      const responses = collect(stream).finally(() => {
        ended = true;
      });
      // Five chunks 300 ms apart: gaps shorter than idleMs, their sum far longer.
      await vi.advanceTimersByTimeAsync(5 * 300);
      expect(ended).toBe(false);
      await vi.advanceTimersByTimeAsync(999);
      expect(ended).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      expect(ended).toBe(true);
      expect((await responses).at(-1)?.error).toMatchObject({ code: 'idle_timeout' });
      expect(vi.getTimerCount()).toBe(0);
    });

    it('a slow consumer is not an idle provider', async () => {
      vi.useFakeTimers();
      const provider = createMockProvider({
        responses: [{ json: profile, chunkSize: 16, delayMs: 100 }],
      });
      const stream = service(provider).routeStructuredStreaming({
        prompt: 'Ada',
        responseModel: profileModel,
        timeouts: { idleMs: 500 },
        maxRetries: 0,
      });
      const consumed = (async () => {
        const seen = [];
        for await (const response of stream) {
          seen.push(response);
          await new Promise((resolve) => setTimeout(resolve, 2000)); // 4× idleMs per partial
        }
        return seen;
      })();
      await vi.runAllTimersAsync();
      const seen = await consumed;
      expect(seen.at(-1)).toMatchObject({ isComplete: true, error: undefined });
      expect(seen.length).toBeGreaterThan(3);
      await expect(stream.result).resolves.toEqual(profile);
      expect(seen.every((response) => response.attempt === 1)).toBe(true);
      expect(provider.calls).toHaveLength(1);
    });

    it('totalMs bounds the whole request and is not retried', async () => {
      vi.useFakeTimers();
      const provider = createMockProvider({ responses: [{ json: profile, delayMs: 1000 }] });
      const result = service(provider).routeStructured({
        prompt: 'Ada',
        responseModel: profileModel,
        timeouts: { totalMs: 3000 },
      });
      const outcome = result.catch((e: unknown) => e as StructuredLLMError);
      await vi.advanceTimersByTimeAsync(3000);
      expect(await outcome).toMatchObject({ category: 'timeout', code: 'total_timeout' });
      expect(provider.calls).toHaveLength(1);
      expect(vi.getTimerCount()).toBe(0);
    });
  });
});

describe('a provider that ignores its abort signal', () => {
  /** Streams `{"na` and then waits forever, whatever the signal says; `abortEndsReads` as given. */
  const deaf = (abortEndsReads?: boolean): StructuredProvider & { reads: number } => {
    const provider = {
      specificationVersion: 'v1' as const,
      id: 'deaf',
      reads: 0,
      ...(abortEndsReads === undefined ? {} : { abortEndsReads }),
      supports: () => ({ streaming: true, modes: ['json_schema' as const] }),
      doStream: async (): Promise<AsyncIterable<ProviderPart>> => ({
        [Symbol.asyncIterator]: () => ({
          next: (): Promise<IteratorResult<ProviderPart>> => {
            provider.reads++;
            return provider.reads === 1
              ? Promise.resolve({ value: { type: 'text-delta', delta: '{"na' }, done: false })
              : new Promise(() => {});
          },
        }),
      }),
      doGenerate: () => new Promise<never>(() => {}),
    };
    return provider;
  };

  it('cannot hold the consumer: the abort ends the pull waiting on its read', async () => {
    const provider = deaf();
    const stream = service(provider).routeStructuredStreaming({
      prompt: 'Ada',
      responseModel: profileModel,
      maxRetries: 0,
    });
    const iterator = stream[Symbol.asyncIterator]();
    expect((await iterator.next()).value?.partialResult).toEqual({});
    const waiting = iterator.next();
    await settle();
    expect(provider.reads).toBe(2); // the second read never settles
    stream.abort('user pressed stop');
    const last = await waiting;
    expect(last.value?.error).toMatchObject({ category: 'aborted' });
    expect(last.value?.error?.message).toContain('user pressed stop');
    expect(await iterator.next()).toEqual({ value: undefined, done: true });
    await expect(stream.result).rejects.toMatchObject({ category: 'aborted' });
  });

  it('cannot hold the consumer past the idle timeout either', async () => {
    vi.useFakeTimers();
    const stream = service(deaf()).routeStructuredStreaming({
      prompt: 'Ada',
      responseModel: profileModel,
      timeouts: { idleMs: 500 },
      maxRetries: 0,
    });
    const responses = collect(stream);
    await vi.advanceTimersByTimeAsync(500);
    expect((await responses).at(-1)?.error).toMatchObject({ code: 'idle_timeout' });
  });

  it('holds the consumer while its read waits when it says an abort ends its reads', async () => {
    // abortEndsReads is the provider's promise: the engine hands the consumer the read itself.
    const provider = deaf(true);
    const stream = service(provider).routeStructuredStreaming({
      prompt: 'Ada',
      responseModel: profileModel,
      maxRetries: 0,
    });
    const iterator = stream[Symbol.asyncIterator]();
    await iterator.next();
    let ended = false;
    void iterator.next().then(() => {
      ended = true;
    });
    await settle();
    stream.abort('user pressed stop');
    await settle();
    await settle();
    expect(ended).toBe(false);
  });
});
