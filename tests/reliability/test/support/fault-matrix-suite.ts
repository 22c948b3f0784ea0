import { StructuredLLMError, StructuredLLMService } from '@structllm/core';
import type { WireServer } from '@structllm/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAULT_CASES } from '../../src/fault-matrix.ts';
import {
  activeResources,
  type BridgeName,
  consume,
  createProvider,
  disagreement,
  leakedResources,
  MODEL_OF,
  PERSON,
  type ProviderName,
  personRequest,
  startServer,
  waitFor,
} from '../../src/harness.ts';

/** Registers the whole fault matrix for one provider (one file per provider: they run in parallel). */
export function defineFaultMatrix(providerName: ProviderName | BridgeName): void {
  describe(`fault matrix: ${providerName}`, () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => {
      unhandled.push(reason);
    };
    let server: WireServer;
    let service: StructuredLLMService;
    let baseline: Map<string, number>;

    beforeAll(async () => {
      process.on('unhandledRejection', onUnhandled);
      baseline = activeResources();
      server = await startServer(providerName);
      server.setDefault({ kind: 'generate', json: PERSON, chunkSize: 6 });
      service = new StructuredLLMService({
        providers: [createProvider(providerName, server)],
        retry: { baseDelayMs: 1, maxDelayMs: 5 },
        breaker: false,
      });
      // Warm up (SDK import, JIT, first connection) so that no case pays for it against its timeouts.
      await service.routeStructured(personRequest(MODEL_OF[providerName]));
    });

    afterAll(async () => {
      await server.close();
      // Every socket (client and server side) and timer is gone once the server is closed.
      await waitFor(() => Object.keys(leakedResources(baseline, activeResources())).length === 0);
      process.off('unhandledRejection', onUnhandled);
      expect(unhandled).toEqual([]);
    });

    for (const streaming of [true, false]) {
      for (const fault of FAULT_CASES) {
        it(`${fault.name}, ${streaming ? 'streaming' : 'non-streaming'}`, async () => {
          server.reset();
          server.enqueue(fault.script);
          const timersBefore = activeResources().get('Timeout') ?? 0;

          const stream = service.routeStructuredStreaming(
            personRequest(MODEL_OF[providerName], {
              enableStreaming: streaming,
              // Short enough for the stalls, long enough for a loaded machine (2 cores, 3 files at once).
              timeouts: { firstChunkMs: 400, idleMs: 400 },
            }),
          );
          const outcome = await consume(stream);

          expect(outcome.problems).toEqual([]);
          const categories = outcome.attempts.map((attempt) => attempt.category ?? 'ok');
          if (fault.expect.outcome === 'value') {
            expect(outcome.error).toBeUndefined();
            expect(outcome.value).toEqual(PERSON);
            const first = fault.expect.firstCategory;
            if (first === undefined) {
              expect(categories).toEqual(['ok']);
            } else {
              expect(categories).toHaveLength(2);
              expect(first).toContain(categories[0]);
              expect(categories[1]).toBe('ok');
              expect(outcome.attempts[0]?.delayMs).toBeGreaterThanOrEqual(fault.minDelayMs ?? 0);
            }
            expect(await stream.result).toEqual(PERSON);
          } else {
            const error = outcome.error;
            expect(StructuredLLMError.is(error)).toBe(true);
            expect(error?.category).toBe(fault.expect.category);
            expect(error?.message.length).toBeGreaterThan(10);
            expect(categories).toEqual([fault.expect.category]);
            // Every attempt is listed on the error as well.
            expect(error?.attempts.map((attempt) => attempt.category)).toEqual([
              fault.expect.category,
            ]);
            await expect(stream.result).rejects.toBe(error);
          }
          // One request per attempt: the SDKs never retry on their own.
          expect(server.requests).toHaveLength(outcome.attempts.length);
          expect(server.requests.every((request) => request.stream === streaming)).toBe(true);
          for (const attempt of outcome.attempts)
            expect(attempt.model).toBe(MODEL_OF[providerName]);

          if (fault.writesPerson) {
            // The faulty attempt wrote the same value: none of its partials may contradict it.
            for (const response of outcome.responses) {
              if (response.isComplete) continue;
              expect(disagreement(response.partial, PERSON)).toBeUndefined();
            }
          }
          if (fault.clientMustDisconnect) {
            await waitFor(() => server.requests[0]?.clientDisconnected === true);
          }
          // Connections released, timers cleared.
          await waitFor(() => server.openResponses === 0);
          await waitFor(() => (activeResources().get('Timeout') ?? 0) <= timersBefore);
        });
      }
    }
  });
}
