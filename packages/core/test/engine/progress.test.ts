import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import {
  createProgressEstimator,
  type Observer,
  type ProgressEvent,
  type ProgressFilter,
  ProgressTracker,
} from '../../src/index.ts';
import { createInMemoryProgressStatsStore } from '../../src/progress-stats.ts';
import { collect, profile, profileModel, recordEvents, service } from '../support/engine.ts';
import { createMockProvider } from '../support/mock-provider.ts';

describe('progress callbacks', () => {
  it('a callback that throws never breaks the stream and is reported once', async () => {
    const provider = createMockProvider({ responses: [{ json: profile, chunkSize: 4 }] });
    const warn = vi.fn();
    const llm = service(provider, { logger: { debug() {}, info() {}, warn, error() {} } });
    const result = await llm.routeStructured({
      prompt: 'Ada',
      responseModel: profileModel,
      progressCallback: () => {
        throw new Error('callback bug');
      },
    });
    expect(result).toEqual(profile);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]?.[1]).toMatchObject({ error: 'callback bug' });
  });

  it('a slow async callback never stalls the stream', async () => {
    const provider = createMockProvider({ responses: [{ json: profile, chunkSize: 4 }] });
    let calls = 0;
    const result = await service(provider).routeStructured({
      prompt: 'Ada',
      responseModel: profileModel,
      progressCallback: () => {
        calls++;
        return new Promise<void>(() => {}); // never settles
      },
    });
    expect(result).toEqual(profile);
    expect(calls).toBeGreaterThan(10);
  });

  it('progressFilter keeps lifecycle events and thins progress events', async () => {
    const provider = createMockProvider({ responses: [{ json: profile, chunkSize: 2 }] });
    const all = recordEvents();
    const filtered = recordEvents();
    const llm = service(provider);
    await llm.routeStructured({
      prompt: 'a',
      responseModel: profileModel,
      progressCallback: all.callback,
    });
    await llm.routeStructured({
      prompt: 'b',
      responseModel: profileModel,
      progressCallback: filtered.callback,
      progressFilter: { minPercentStep: 10 },
    });
    const progress = filtered.events.filter((e) => e.eventType === 'progress');
    expect(progress.length).toBeLessThan(12);
    for (let i = 1; i < progress.length; i++) {
      expect(
        (progress[i]?.progressPercent ?? 0) - (progress[i - 1]?.progressPercent ?? 0),
      ).toBeGreaterThanOrEqual(10);
    }
    expect(filtered.events[0]?.eventType).toBe('start');
    expect(filtered.events.at(-1)?.eventType).toBe('complete');
    const only = recordEvents();
    await llm.routeStructured({
      prompt: 'c',
      responseModel: profileModel,
      progressCallback: only.callback,
      progressFilter: { eventTypes: ['complete'] },
    });
    expect(only.events.map((e) => e.eventType)).toEqual(['complete']);
    const predicate = recordEvents();
    await llm.routeStructured({
      prompt: 'd',
      responseModel: profileModel,
      progressCallback: predicate.callback,
      progressFilter: (event) => event.eventType !== 'progress',
    });
    expect(predicate.events.map((e) => e.eventType)).toEqual(['start', 'complete']);
  });
});

describe('ProgressTracker on its own', () => {
  it('emits start, monotonic progress held below 100, then complete', () => {
    const { events, callback } = recordEvents();
    const tracker = new ProgressTracker({ callback, now: () => 42 });
    tracker.startOperation('Processing request');
    tracker.updateProgress('Halfway done', 50);
    tracker.updateProgress('Went backwards?', 30);
    tracker.updateProgress('Claims done', 100);
    tracker.completeOperation('Finished successfully');
    expect(events.map((e) => [e.eventType, e.progressPercent])).toEqual([
      ['start', 0],
      ['progress', 50],
      ['progress', 50],
      ['progress', 99.9],
      ['complete', 100],
    ]);
    expect(events[1]).toEqual({
      eventType: 'progress',
      message: 'Halfway done',
      progressPercent: 50,
      timestamp: 42,
    });
  });

  it('reports a failed operation with the progress reached', () => {
    const { events, callback } = recordEvents();
    const tracker = new ProgressTracker(callback);
    tracker.startOperation('go');
    tracker.updateProgress('some', 20);
    tracker.failOperation('broke', { category: 'server' });
    expect(events.at(-1)).toMatchObject({
      eventType: 'error',
      progressPercent: 20,
      data: { category: 'server' },
    });
  });
});

describe('ProgressTracker.reportProgress', () => {
  it('builds an event only when the callback’s filter will let it through', () => {
    const { events, callback } = recordEvents();
    const tracker = new ProgressTracker({ callback, filter: { minPercentStep: 10 } });
    const describe = vi.fn((): { message: string } => ({ message: 'working' }));
    for (const percent of [1, 3, 8, 12, 14, 30, 31, 20]) tracker.reportProgress(percent, describe);
    expect(events.map((e) => e.progressPercent)).toEqual([1, 12, 30]);
    expect(describe).toHaveBeenCalledTimes(3);
    expect(tracker.progressPercent).toBe(31);
    const lifecycleOnly = new ProgressTracker({ callback, filter: { eventTypes: ['complete'] } });
    lifecycleOnly.reportProgress(50, describe);
    const timeThinned = new ProgressTracker({
      callback,
      filter: { minIntervalMs: 100 },
      now: () => 7,
    });
    timeThinned.reportProgress(10, describe);
    timeThinned.reportProgress(20, describe);
    expect(describe).toHaveBeenCalledTimes(4);
  });

  it('builds none without a listener, every one for an event listener', () => {
    const describe = vi.fn((): { message: string } => ({ message: 'working' }));
    const silent = new ProgressTracker();
    expect(silent.reportProgress(40, describe)).toBe(40);
    expect(silent.reportProgress(20, describe)).toBe(40);
    expect(describe).not.toHaveBeenCalled();
    const seen: ProgressEvent[] = [];
    const observed = new ProgressTracker({
      filter: { eventTypes: ['complete'] },
      onEvent: (event) => seen.push(event),
    });
    observed.reportProgress(5, () => ({ message: 'five', data: { chars: 5 } }));
    expect(seen).toEqual([
      {
        eventType: 'progress',
        message: 'five',
        progressPercent: 5,
        data: { chars: 5 },
        timestamp: expect.any(Number),
      },
    ]);
  });

  it('delivers exactly what updateProgress would, for any filter and sequence', () => {
    const filter: fc.Arbitrary<ProgressFilter | undefined> = fc.option(
      fc.record(
        {
          eventTypes: fc.subarray(['start', 'progress', 'complete'] as const),
          minPercentStep: fc.constantFrom(0, 1, 5, 12.5),
          minIntervalMs: fc.constantFrom(0, 5, 10, 20), // on the steps' grid: ties happen
        },
        { requiredKeys: [] },
      ),
      { nil: undefined },
    );
    const step = fc.record({
      percent: fc.oneof(
        fc.double({ min: -10, max: 120, noNaN: true }),
        fc.constantFrom(0, 5, 10, 12.5, 25, 50),
      ),
      afterMs: fc.constantFrom(0, 5, 10),
    });
    fc.assert(
      fc.property(filter, fc.array(step, { maxLength: 60 }), (progressFilter, steps) => {
        const run = (lazy: boolean): ProgressEvent[] => {
          const { events, callback } = recordEvents();
          let time = 1000;
          const tracker = new ProgressTracker({
            callback,
            now: () => time,
            ...(progressFilter === undefined ? {} : { filter: progressFilter }),
          });
          tracker.startOperation('start');
          for (const { percent, afterMs } of steps) {
            time += afterMs;
            if (lazy) tracker.reportProgress(percent, () => ({ message: 'm', data: { at: time } }));
            else tracker.updateProgress('m', percent, { at: time });
          }
          tracker.completeOperation('done');
          return events;
        };
        expect(run(true)).toEqual(run(false));
      }),
      { numRuns: 300 },
    );
  });
});

describe('progress estimates through the engine', () => {
  it('say they rest on the schema for the first answer of a model, then on learned sizes', async () => {
    const provider = createMockProvider({ responses: [{ json: profile, chunkSize: 4 }] });
    const llm = service(provider);
    const bases = async (): Promise<Set<string | undefined>> => {
      const events: ProgressEvent[] = [];
      await llm.routeStructured({
        prompt: 'Ada',
        responseModel: profileModel,
        progressCallback: (event) => void events.push(event),
      });
      const progress = events.filter((event) => event.eventType === 'progress');
      expect(progress.length).toBeGreaterThan(3);
      // Lifecycle events carry no basis: their percent is no estimate.
      for (const event of events) {
        if (event.eventType !== 'progress') expect(event.estimate).toBeUndefined();
      }
      return new Set(progress.map((event) => event.estimate));
    };
    expect(await bases()).toEqual(new Set(['schema']));
    expect(await bases()).toEqual(new Set(['learned']));
  });

  it('a custom estimator returning a bare number is reported as learned', async () => {
    const provider = createMockProvider({ responses: [{ json: profile, chunkSize: 4 }] });
    const events: ProgressEvent[] = [];
    await service(provider, {
      progressEstimator: { estimate: ({ receivedChars }) => receivedChars / 1000, learn() {} },
    }).routeStructured({
      prompt: 'Ada',
      responseModel: profileModel,
      progressCallback: (event) => void events.push(event),
    });
    const progress = events.filter((event) => event.eventType === 'progress');
    expect(progress.every((event) => event.estimate === 'learned')).toBe(true);
  });

  it('a store holding corrupt statistics costs a warning, never the request', async () => {
    const provider = createMockProvider({ responses: [{ json: profile, chunkSize: 4 }] });
    const warn = vi.fn();
    const logger = { debug() {}, info() {}, warn, error() {} };
    const store = { get: () => ({ version: 1, count: 'many', meanChars: -4, paths: 7 }), set() {} };
    const events: ProgressEvent[] = [];
    const result = await service(provider, {
      logger,
      progressEstimator: createProgressEstimator({ store: store as never, logger }),
    }).routeStructured({
      prompt: 'Ada',
      responseModel: profileModel,
      progressCallback: (event) => void events.push(event),
    });
    expect(result).toEqual(profile);
    expect(warn).toHaveBeenCalledWith(
      'Ignored stored progress statistics that are corrupt or of another version',
      expect.objectContaining({ key: expect.stringContaining(profileModel.name) }),
    );
    const progress = events.filter((event) => event.eventType === 'progress');
    expect(progress.every((event) => event.estimate === 'schema')).toBe(true);
  });

  it('what one service learned warms another through a shared store', async () => {
    const provider = createMockProvider({ responses: [{ json: profile, chunkSize: 4 }] });
    const shared = createInMemoryProgressStatsStore();
    await service(provider, {
      progressEstimator: createProgressEstimator({ store: shared }),
    }).routeStructured({ prompt: 'Ada', responseModel: profileModel });
    // Persisted as JSON and restored in a new process.
    const restored = createInMemoryProgressStatsStore({
      initial: JSON.parse(JSON.stringify(shared.snapshot())) as Record<string, unknown>,
    });
    const events: ProgressEvent[] = [];
    await service(provider, {
      progressEstimator: createProgressEstimator({ store: restored }),
    }).routeStructured({
      prompt: 'Ada',
      responseModel: profileModel,
      progressCallback: (event) => void events.push(event),
    });
    const progress = events.filter((event) => event.eventType === 'progress');
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.every((event) => event.estimate === 'learned')).toBe(true);
  });

  it('progress stays monotonic, below 100 until validated, over any chunking', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 40 }), async (chunkSize) => {
        const provider = createMockProvider({ responses: [{ json: profile, chunkSize }] });
        const llm = service(provider);
        for (let run = 0; run < 2; run++) {
          let previous = 0;
          for await (const response of llm.routeStructuredStreaming({
            prompt: 'Ada',
            responseModel: profileModel,
          })) {
            expect(response.progressPercent).toBeGreaterThanOrEqual(previous);
            if (!response.isComplete) expect(response.progressPercent).toBeLessThan(100);
            else expect(response.progressPercent).toBe(100);
            previous = response.progressPercent;
          }
        }
      }),
      { numRuns: 25 },
    );
  });
});

describe('observers', () => {
  it('see the lifecycle, and one that throws is isolated and reported once', async () => {
    const provider = createMockProvider({
      responses: [{ error: { status: 500 } }, { json: profile, chunkSize: 8 }],
    });
    const seen: string[] = [];
    const recorder: Observer = {
      name: 'recorder',
      onRequestStart: () => void seen.push('start'),
      onAttemptStart: (e) => void seen.push(`attempt ${e.attempt}`),
      onRetry: (e) => void seen.push(`retry ${e.error.category}`),
      onPartial: (e) => {
        if (e.first) seen.push('first partial');
      },
      onRequestEnd: (e) => void seen.push(`end ${e.status} after ${e.attempts.length}`),
    };
    const broken: Observer = {
      name: 'broken',
      onChunk: () => {
        throw new Error('observer bug');
      },
    };
    const warn = vi.fn();
    const llm = service(provider, {
      observers: [broken, recorder],
      logger: { debug() {}, info() {}, warn, error() {} },
    });
    const responses = await collect(
      llm.routeStructuredStreaming({ prompt: 'Ada', responseModel: profileModel }),
    );
    expect(responses.at(-1)?.partialResult).toEqual(profile);
    expect(seen).toEqual([
      'start',
      'attempt 1',
      'retry server',
      'attempt 2',
      'first partial',
      'end success after 2',
    ]);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]?.[0])).toContain('broken');
  });

  it('an async hook that rejects is caught and reported once, like one that throws', async () => {
    const provider = createMockProvider({ responses: [{ json: profile, chunkSize: 8 }] });
    const rejecting: Observer = {
      name: 'exporter',
      onPartial: async () => {
        throw new Error('collector unreachable');
      },
      onRequestEnd: () => Promise.reject(new Error('flush failed')),
    };
    const warn = vi.fn();
    const llm = service(provider, {
      observers: [rejecting],
      logger: { debug() {}, info() {}, warn, error() {} },
    });
    await expect(
      llm.routeStructured({ prompt: 'Ada', responseModel: profileModel }),
    ).resolves.toEqual(profile);
    await new Promise((resolve) => setImmediate(resolve)); // let the rejections arrive
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]?.[0])).toContain('exporter failed in onPartial');
    expect(warn.mock.calls[0]?.[1]).toMatchObject({ error: 'collector unreachable' });
  });

  it('call methods of class instances, and only the hooks an observer has', async () => {
    class ChunkCounter implements Observer {
      readonly name = 'counter';
      chunks = 0;
      chars = 0;
      partialTimes: number[] = [];
      onChunk(event: { readonly chars: number }): void {
        this.chunks++;
        this.chars += event.chars;
      }
      onPartial(event: { readonly elapsedMs: number }): void {
        this.partialTimes.push(event.elapsedMs);
      }
    }
    const counter = new ChunkCounter();
    const provider = createMockProvider({ responses: [{ json: profile, chunkSize: 5 }] });
    const responses = await collect(
      service(provider, { observers: [counter] }).routeStructuredStreaming({
        prompt: 'Ada',
        responseModel: profileModel,
      }),
    );
    const chunks = responses.flatMap((r) => (r.isComplete ? [] : (r.rawChunks ?? [])));
    expect(counter.chunks).toBe(chunks.length);
    expect(counter.chars).toBe(chunks.join('').length);
    expect(counter.partialTimes).toHaveLength(counter.chunks);
    expect(counter.partialTimes.every((ms) => ms >= 0)).toBe(true);
  });

  it('report each attempt once: first chunk, first partial, and its end with counts', async () => {
    const provider = createMockProvider({
      responses: [
        { json: profile, chunkSize: 6, failAfterChunks: 3 },
        { json: profile, chunkSize: 6 },
      ],
    });
    const seen: string[] = [];
    let ended: Array<{ status: string; chunks: number; partials: number; chars: number }> = [];
    const observer: Observer = {
      onFirstChunk: (e) => void seen.push(`first chunk ${e.attempt} ${e.attemptElapsedMs >= 0}`),
      onFirstPartial: (e) => void seen.push(`first partial ${e.attempt}`),
      onAttemptEnd: (e) => {
        seen.push(`end ${e.attempt} ${e.status}${e.error ? ` ${e.error.category}` : ''}`);
        ended = [
          ...ended,
          { status: e.status, chunks: e.chunks, partials: e.partials, chars: e.chars },
        ];
      },
    };
    const responses = await collect(
      service(provider, { observers: [observer] }).routeStructuredStreaming({
        prompt: 'Ada',
        responseModel: profileModel,
      }),
    );
    expect(seen).toEqual([
      'first chunk 1 true',
      'first partial 1',
      'end 1 error server',
      'first chunk 2 true',
      'first partial 2',
      'end 2 success',
    ]);
    const second = responses.filter((r) => r.attempt === 2 && !r.isComplete);
    const text = second.flatMap((r) => r.rawChunks ?? []).join('');
    expect(ended[0]).toMatchObject({ status: 'error', chunks: 3, partials: 3, chars: 18 });
    expect(ended[1]).toEqual({
      status: 'success',
      chunks: second.length,
      partials: second.length,
      chars: text.length,
    });
  });
});
