import { describe, expect, it } from 'vitest';
import { DEFAULT_LOAD, runLoad } from '../src/load.ts';

/**
 * The bounded version of `pnpm stress`: 200 concurrent streams, a primary that
 * fails often (and has an outage), a fallback that fails too, one retry each, so
 * that requests end both ways. No timing assertions: only that nothing is lost.
 */
describe('breaker and fallback under load', () => {
  it('200 concurrent streams: every request completes or fails with a category, none lost', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => {
      unhandled.push(reason);
    };
    process.on('unhandledRejection', onUnhandled);
    try {
      const report = await runLoad({
        ...DEFAULT_LOAD,
        requests: 200,
        failShare: 0.3,
        midStreamShare: 0.1,
        outage: [0.2, 0.5],
        fallbackFailShare: 0.3,
        maxRetries: 1,
        breaker: { minimumCalls: 3, cooldownMs: 20, halfOpenMaxProbes: 1 },
        deadlineMs: 30_000,
      });
      const failed = Object.values(report.failures).reduce((sum, n) => sum + n, 0);
      expect(report.lost).toBe(0);
      expect(report.successes + failed).toBe(200);
      expect(report.wrongValues).toBe(0);
      // Both outcomes happen, and failures carry only the categories these faults can cause.
      expect(report.successes).toBeGreaterThan(0);
      expect(failed).toBeGreaterThan(0);
      for (const category of Object.keys(report.failures)) {
        expect(['server', 'circuit_open']).toContain(category);
      }
      // The breaker opened for the outage once its failure rate over ended and running calls
      // was certain (here only after the burst's calls had ended); the fallback took over.
      const transitions = Object.keys(report.breakerTransitions).join('\n');
      expect(transitions).toContain('primary/gpt-4o: closed → open');
      expect(report.servedByFallback).toBeGreaterThan(0);
      // Every attempt reached a server, except those the open breaker refused.
      expect(report.serverRequests.primary + report.serverRequests.fallback).toBe(
        report.attempts - report.breakerRefusals,
      );
      // Nothing left open, memory back near the baseline (generous: the heap is shared with vitest).
      expect(report.leakedHandles).toEqual({});
      expect(report.heap.afterGcMB).toBeLessThan(report.heap.baselineMB + 25);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  }, 60_000);
});
