import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ErrorCategory } from '../errors/index.ts';
import { type BreakerState, createInMemoryBreakerStore } from './breaker-store.ts';
import {
  type BreakerCall,
  type BreakerStateChange,
  countsAsBreakerFailure,
  createCircuitBreaker,
} from './circuit-breaker.ts';

const KEY = 'openai:gpt-4o';

type Command =
  | { readonly kind: 'acquire'; readonly instance: 0 | 1 }
  | {
      readonly kind: 'end';
      readonly pick: number;
      readonly outcome: 'success' | 'release' | ErrorCategory;
    }
  | { readonly kind: 'advance'; readonly ms: number };

const command: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('acquire' as const),
      instance: fc.constantFrom(0 as const, 1 as const),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('end' as const),
      pick: fc.nat(),
      outcome: fc.constantFrom(
        'success' as const,
        'release' as const,
        'network' as const,
        'rate_limit' as const,
        'server' as const,
        'validation' as const,
        'aborted' as const,
      ),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.nat({ max: 60 }) }),
  },
);

const config = fc.record({
  failureRate: fc.constantFrom(0.25, 0.5, 1),
  minimumCalls: fc.integer({ min: 1, max: 4 }),
  windowMs: fc.integer({ min: 10, max: 100 }),
  cooldownMs: fc.integer({ min: 0, max: 40 }),
  halfOpenMaxProbes: fc.integer({ min: 1, max: 3 }),
});

/** A call the test made and has not ended yet. */
interface Running {
  readonly instance: 0 | 1;
  readonly call: BreakerCall;
  /** The half-open episode it probes (counted by the test), if it was a probe. */
  readonly episode: number | undefined;
  readonly startedAt: number;
}

const holdsInvariants = fc.asyncProperty(
  config,
  fc.array(command, { minLength: 20, maxLength: 80 }),
  async (settings, commands) => {
    const clock = { time: 0 };
    const store = createInMemoryBreakerStore();
    const options = { ...settings, store, now: () => clock.time };
    // Two breakers over one store: two processes sharing state.
    const breakers = [createCircuitBreaker(options), createCircuitBreaker(options)] as const;
    const announced: BreakerStateChange[] = [];
    for (const breaker of breakers) breaker.onStateChange((change) => announced.push(change));
    const running: Running[] = [];
    /** Ends the test saw, with their time: what a window could hold. */
    const ended: { readonly at: number; readonly failed: boolean }[] = [];
    let episode = 0;
    let state: BreakerState = 'closed';

    for (const step of commands) {
      if (step.kind === 'advance') {
        clock.time += step.ms;
      } else if (step.kind === 'acquire') {
        const decision = await breakers[step.instance].acquire(KEY);
        const now = await breakers[0].state(KEY);
        if (now === 'half_open' && state !== 'half_open') episode += 1;
        if (decision.allowed) {
          const probe = decision.state === 'half_open';
          if (probe) {
            const probes = running.filter((entry) => entry.episode === episode).length;
            expect(probes).toBeLessThan(settings.halfOpenMaxProbes);
          }
          running.push({
            instance: step.instance,
            call: decision.call,
            episode: probe ? episode : undefined,
            startedAt: clock.time,
          });
        } else if (decision.state === 'half_open') {
          // Refusing a probe is only allowed while a probe of this episode still runs.
          expect(running.some((entry) => entry.episode === episode)).toBe(true);
        }
      } else if (running.length > 0) {
        const [entry] = running.splice(step.pick % running.length, 1);
        if (entry === undefined) throw new Error('unreachable');
        if (step.outcome === 'success') await entry.call.succeeded();
        else if (step.outcome === 'release') await entry.call.released();
        else await entry.call.failed(step.outcome);
        const failed =
          step.outcome !== 'success' &&
          step.outcome !== 'release' &&
          countsAsBreakerFailure(step.outcome);
        // Only successes and infrastructure failures count.
        if (step.outcome === 'success' || failed) ended.push({ at: clock.time, failed });
      }

      const now = await breakers[0].state(KEY);
      expect(await breakers[1].state(KEY)).toBe(now);
      if (now === 'open' && state === 'closed') {
        // Never opens early: at least minimumCalls ended, counted calls lie within reach of
        // the window (its current bucket and the nine before, a tenth of windowMs each).
        const reach = 10 * Math.ceil(settings.windowMs / 10);
        const inWindow = ended.filter((end) => end.at > clock.time - reach);
        expect(inWindow.length).toBeGreaterThanOrEqual(settings.minimumCalls);
        expect(inWindow.some((end) => end.failed)).toBe(true);
      }
      if (now === 'half_open' && state !== 'half_open' && state !== 'open') {
        throw new Error(`${state} -> half_open`);
      }
      state = now;
    }

    // Every announcement starts where the previous one ended.
    let from: BreakerState = 'closed';
    for (const change of announced) {
      expect(change.from).toBe(from);
      expect(change.to).not.toBe(change.from);
      from = change.to;
    }
    expect(from).toBe(state);
  },
);

describe('createCircuitBreaker properties', () => {
  it('never over-admits probes, never opens early, agrees across processes, announces every move', async () => {
    await fc.assert(holdsInvariants, { numRuns: 300 });
  });
});
