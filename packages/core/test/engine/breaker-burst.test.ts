import { afterEach, describe, expect, it, vi } from 'vitest';
import { type Message, StructuredLLMError } from '../../src/index.ts';
import { type Profile, profile, profileModel, service } from '../support/engine.ts';
import { createMockProvider } from '../support/mock-provider.ts';

/*
 * The default breaker under bursts of concurrent streams (issue #24): a few streams reset
 * early among many healthy ones must not open it, so their retries are served; a
 * provider that fails every call must still open it, so the fallback takes over.
 */

afterEach(() => {
  vi.useRealTimers();
});

const profileFor = (index: number): Profile => ({ ...profile, name: `Ada #${index}` });

function indexOf(messages: readonly Message[]): number {
  const match = /stream #(\d+)/.exec(JSON.stringify(messages));
  if (match === null) throw new Error('no stream index in the prompt');
  return Number(match[1]);
}

const reset = () =>
  new StructuredLLMError({
    category: 'network',
    code: 'ECONNRESET',
    retryable: true,
    message: 'socket hang up',
  });

/**
 * `total` concurrent streams with default service options; every `total / resets`-th one
 * is reset after its first chunk on its first attempt. The resets end long before the
 * healthy streams (one chunk against fourteen).
 */
async function burst(total: number, resets: number) {
  // Fourteen chunk timers per stream: more than the default limit of 10,000.
  vi.useFakeTimers({ loopLimit: 100_000 });
  const attempts = new Map<number, number>();
  const provider = createMockProvider({
    responses: (call) => {
      const index = indexOf(call.messages);
      const attempt = (attempts.get(index) ?? 0) + 1;
      attempts.set(index, attempt);
      const json = profileFor(index);
      return attempt === 1 && index % (total / resets) === 0
        ? { json, chunkSize: 8, delayMs: 5, failAfterChunks: 1, midStreamError: reset() }
        : { json, chunkSize: 8, delayMs: 5 };
    },
  });
  const llm = service(provider);
  const transitions: string[] = [];
  llm.breaker?.onStateChange(({ from, to }) => transitions.push(`${from}->${to}`));
  const results = Promise.allSettled(
    Array.from({ length: total }, (_, index) =>
      llm.routeStructured({ prompt: `stream #${index}`, responseModel: profileModel }),
    ),
  );
  await vi.runAllTimersAsync();
  const settled = await results;
  const wrong = settled.filter(
    (result, index) =>
      result.status === 'rejected' ||
      JSON.stringify(result.value) !== JSON.stringify(profileFor(index)),
  );
  const categories = settled.flatMap((result) =>
    result.status === 'rejected' && StructuredLLMError.is(result.reason)
      ? [result.reason.category]
      : [],
  );
  const retried = [...attempts.values()].filter((count) => count > 1).length;
  return { wrong: wrong.length, categories, retried, transitions };
}

// Hundreds of concurrent requests on fake timers: quick on an idle machine, slow on a loaded one.
/**
 * Advances fake time until `promise` settles: requests yield to the event loop between
 * tries, so timers keep appearing after any one `runAllTimersAsync` has found none.
 */
async function settled<T>(promise: Promise<T>): Promise<T> {
  let done = false;
  promise.then(
    () => {
      done = true;
    },
    () => {
      done = true;
    },
  );
  for (let step = 0; !done; step++) {
    if (step > 10_000) throw new Error('the requests did not settle within 1,000 s of fake time');
    await vi.advanceTimersByTimeAsync(100);
  }
  return promise;
}

describe('default breaker under bursts', { timeout: 60_000 }, () => {
  it('1,000 concurrent streams, 5 % reset mid-stream: all 1,000 values correct', async () => {
    const outcome = await burst(1000, 50);
    expect(outcome.categories).toEqual([]);
    expect(outcome.wrong).toBe(0);
    expect(outcome.retried).toBe(50);
    expect(outcome.transitions).toEqual([]);
  });

  it('20 concurrent streams, 5 reset mid-stream: all 20 values correct', async () => {
    const outcome = await burst(20, 5);
    expect(outcome.categories).toEqual([]);
    expect(outcome.wrong).toBe(0);
    expect(outcome.retried).toBe(5);
    expect(outcome.transitions).toEqual([]);
  });

  it('a provider failing every call still opens it, and the fallback serves every request', async () => {
    vi.useFakeTimers();
    const primary = createMockProvider({
      id: 'a',
      responses: [{ json: profile, chunkSize: 8, failAfterChunks: 1, midStreamError: reset() }],
    });
    const backup = createMockProvider({
      id: 'b',
      responses: (call) => ({ json: profileFor(indexOf(call.messages)), chunkSize: 8 }),
    });
    const llm = service([primary, backup]);
    const transitions: string[] = [];
    llm.breaker?.onStateChange(({ from, to }) => transitions.push(`${from}->${to}`));
    const results = Promise.all(
      Array.from({ length: 200 }, (_, index) =>
        llm.routeStructured({
          prompt: `stream #${index}`,
          responseModel: profileModel,
          model: 'a/big',
          fallbackModels: ['b/small'],
        }),
      ),
    );
    const values = await settled(results);
    expect(values).toEqual(Array.from({ length: 200 }, (_, index) => profileFor(index)));
    expect(transitions).toEqual(['closed->open']);
    expect(await llm.breaker?.state('a:big')).toBe('open');
    // Only the first attempts reached the dead provider: every retry was refused at once.
    expect(primary.calls).toHaveLength(200);
    expect(backup.calls).toHaveLength(200);

    // Later requests skip it without calling it, until the cooldown lets a probe through.
    const later = llm.routeStructuredStreaming({
      prompt: 'stream #7',
      responseModel: profileModel,
      model: 'a/big',
      fallbackModels: ['b/small'],
    });
    await expect(settled(later.result)).resolves.toEqual(profileFor(7));
    expect(later.attempts[0]).toMatchObject({ category: 'circuit_open', model: 'a/big' });
    expect(primary.calls).toHaveLength(200);
  });
});
