import { StructuredLLMService } from '@structllm/core';
import type { WireServer } from '@structllm/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  activeResources,
  consume,
  createProvider,
  leakedResources,
  MODEL_OF,
  PERSON,
  PROVIDERS,
  type ProviderName,
  personRequest,
  type RunOutcome,
  startServer,
  waitFor,
} from '../src/harness.ts';

/** Far beyond any abort in these tests: an abort that is not prompt shows up as a failure. */
const ABORT_BOUND_MS = 2000;
const PATIENT = { firstChunkMs: 30_000, idleMs: 30_000 } as const;

/** Resolves with the outcome, or rejects when the stream did not end within `ms`. */
function within<T>(promise: Promise<T>, ms = ABORT_BOUND_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`did not end within ${ms} ms of the abort`)), ms);
  });
  return Promise.race([promise, bound]).finally(() => clearTimeout(timer));
}

function expectAborted(outcome: RunOutcome<unknown>): void {
  expect(outcome.error?.category).toBe('aborted');
  expect(outcome.error?.retryable).toBe(false);
  expect(outcome.problems).toEqual([]);
  expect(outcome.attempts.at(-1)?.category).toBe('aborted');
}

describe('abort anywhere', () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => {
    unhandled.push(reason);
  };
  const primary = new Map<ProviderName, WireServer>();
  const secondary = new Map<ProviderName, WireServer>();
  let baseline: Map<string, number>;

  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled);
    baseline = activeResources();
    for (const name of PROVIDERS) {
      primary.set(name, await startServer(name));
      secondary.set(name, await startServer(name));
    }
  });

  afterAll(async () => {
    for (const server of [...primary.values(), ...secondary.values()]) await server.close();
    await waitFor(() => Object.keys(leakedResources(baseline, activeResources())).length === 0);
    process.off('unhandledRejection', onUnhandled);
    expect(unhandled).toEqual([]);
  });

  function serviceFor(name: ProviderName): StructuredLLMService {
    const main = primary.get(name) as WireServer;
    const backup = secondary.get(name) as WireServer;
    main.reset();
    backup.reset();
    return new StructuredLLMService({
      // The fallback model lives on a second server, under another provider id.
      providers: [createProvider(name, main), createProvider(name, backup, 'test-key', 'backup')],
      retry: { baseDelayMs: 1, maxDelayMs: 5 },
      breaker: false,
    });
  }

  const backupModel = (name: ProviderName): string =>
    `backup/${MODEL_OF[name].slice(MODEL_OF[name].indexOf('/') + 1)}`;

  for (const name of PROVIDERS) {
    for (const streaming of [true, false]) {
      const label = `${name}, ${streaming ? 'streaming' : 'non-streaming'}`;

      it(`before the first byte (${label})`, async () => {
        const service = serviceFor(name);
        const server = primary.get(name) as WireServer;
        server.enqueue({ kind: 'generate', json: PERSON, fault: { type: 'stall-before-headers' } });
        const controller = new AbortController();
        const stream = service.routeStructuredStreaming(
          personRequest(MODEL_OF[name], {
            enableStreaming: streaming,
            signal: controller.signal,
            timeouts: PATIENT,
          }),
        );
        const done = consume(stream);
        await waitFor(() => server.requests.length === 1);
        controller.abort();
        const outcome = await within(done);
        expectAborted(outcome);
        expect(outcome.attempts).toHaveLength(1);
        expect(stream.status).toBe('aborted');
        await waitFor(() => server.requests[0]?.clientDisconnected === true);
        await waitFor(() => server.openResponses === 0);
      });

      it(`mid-stream (${label})`, async () => {
        const service = serviceFor(name);
        const server = primary.get(name) as WireServer;
        server.enqueue({
          kind: 'generate',
          json: PERSON,
          chunkSize: 4,
          fault: { type: 'stall', afterChunks: 5 },
        });
        const stream = service.routeStructuredStreaming(
          personRequest(MODEL_OF[name], { enableStreaming: streaming, timeouts: PATIENT }),
        );
        if (streaming) {
          // Abort from inside the loop, once partials flow.
          let partials = 0;
          const done = (async () => {
            for await (const response of stream) {
              if (!response.isComplete && ++partials === 2) stream.abort();
              if (response.isComplete) return response;
            }
            return undefined;
          })();
          const last = await within(done);
          expect(partials).toBeGreaterThanOrEqual(2);
          expect(last?.error?.category).toBe('aborted');
          // The last valid partial is kept, and it agrees with the value being written.
          expect(last?.partialResult).toBeDefined();
        } else {
          const done = consume(stream);
          await waitFor(() => server.requests.length === 1);
          stream.abort();
          expectAborted(await within(done));
        }
        await expect(stream.result).rejects.toMatchObject({ category: 'aborted' });
        await waitFor(() => server.requests[0]?.clientDisconnected === true);
        await waitFor(() => server.openResponses === 0);
      });

      it(`during the backoff sleep (${label})`, async () => {
        const service = serviceFor(name);
        const server = primary.get(name) as WireServer;
        // The server asks for 20 s: the engine sleeps that long before its retry.
        server.enqueue({ kind: 'error', status: 429, retryAfterMs: 20_000 });
        server.setDefault({ kind: 'generate', json: PERSON });
        const controller = new AbortController();
        const stream = service.routeStructuredStreaming(
          personRequest(MODEL_OF[name], {
            enableStreaming: streaming,
            signal: controller.signal,
            timeouts: PATIENT,
          }),
        );
        const done = consume(stream);
        await waitFor(
          () => stream.attempts.length === 1 && stream.attempts[0]?.category !== undefined,
        );
        controller.abort();
        const outcome = await within(done);
        expect(outcome.error?.category).toBe('aborted');
        expect(outcome.attempts[0]?.category).toBe('rate_limit');
        // The retry never happened.
        expect(server.requests).toHaveLength(1);
      });

      it(`during the fallback (${label})`, async () => {
        const service = serviceFor(name);
        const main = primary.get(name) as WireServer;
        const backup = secondary.get(name) as WireServer;
        main.setDefault({ kind: 'error', status: 503 });
        backup.enqueue({
          kind: 'generate',
          json: PERSON,
          fault: { type: 'stall', afterChunks: 2 },
        });
        const stream = service.routeStructuredStreaming(
          personRequest(MODEL_OF[name], {
            enableStreaming: streaming,
            maxRetries: 1,
            fallbackModels: [backupModel(name)],
            timeouts: PATIENT,
          }),
        );
        const done = consume(stream);
        await waitFor(() => backup.requests.length === 1);
        stream.abort();
        const outcome = await within(done);
        expectAborted(outcome);
        expect(outcome.attempts.map((attempt) => attempt.category)).toEqual([
          'server',
          'server',
          'aborted',
        ]);
        expect(outcome.attempts.at(-1)?.model).toBe(backupModel(name));
        expect(main.requests).toHaveLength(2);
        await waitFor(() => backup.requests[0]?.clientDisconnected === true);
        await waitFor(() => backup.openResponses === 0);
      });
    }

    it(`with a signal aborted before the call (${name})`, async () => {
      const service = serviceFor(name);
      const server = primary.get(name) as WireServer;
      server.setDefault({ kind: 'generate', json: PERSON });
      const outcome = await within(
        consume(
          service.routeStructuredStreaming(
            personRequest(MODEL_OF[name], { signal: AbortSignal.abort() }),
          ),
        ),
      );
      expect(outcome.error?.category).toBe('aborted');
      expect(server.requests).toHaveLength(0);
    });

    it(`by breaking out of the loop (${name})`, async () => {
      const service = serviceFor(name);
      const server = primary.get(name) as WireServer;
      server.enqueue({
        kind: 'generate',
        json: PERSON,
        chunkSize: 4,
        fault: { type: 'stall', afterChunks: 5 },
      });
      const stream = service.routeStructuredStreaming(
        personRequest(MODEL_OF[name], { timeouts: PATIENT }),
      );
      for await (const response of stream) {
        if (response.partialResult !== undefined) break;
      }
      await expect(within(stream.result)).rejects.toMatchObject({ category: 'aborted' });
      await waitFor(() => server.requests[0]?.clientDisconnected === true);
      await waitFor(() => server.openResponses === 0);
    });
  }
});
