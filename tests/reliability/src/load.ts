/**
 * Load with faults: many concurrent streams through the engine against a fake
 * OpenAI server that fails a share of requests, with the circuit breaker on and
 * a fallback model on a second fake server. Used by `pnpm stress` (1,000
 * streams) and by a smaller vitest test.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type {
  ErrorCategory,
  Observer,
  StreamingResponse,
  StructuredProvider,
} from '@structllm/core';
import { StructuredLLMError, StructuredLLMService } from '@structllm/core';
import type { ProviderCall, ProviderPart } from '@structllm/core/provider';
import { createOpenAIProvider } from '@structllm/openai';
import type { WireScript } from '@structllm/testing';
import { seededRandom, startOpenAIServer } from '@structllm/testing';
import { disagreement, PERSON, type Person, personModel } from './harness.ts';

export interface LoadOptions {
  /** Streams started at once. */
  readonly requests: number;
  /** Share of primary requests answered 503. */
  readonly failShare: number;
  /** Share of primary requests that fail mid-stream with an error event. */
  readonly midStreamShare: number;
  /**
   * An outage: the primary answers 503 to every request whose arrival index falls
   * in [start, end) of the request count (as shares, e.g. [0.3, 0.5]). Makes the breaker open.
   */
  readonly outage?: readonly [number, number];
  /** Share of fallback requests answered 503. */
  readonly fallbackFailShare: number;
  readonly seed: number;
  readonly breaker: {
    readonly minimumCalls: number;
    readonly cooldownMs: number;
    readonly halfOpenMaxProbes: number;
  };
  readonly maxRetries: number;
  /** Hard bound on the whole run; requests still open then are counted as lost. */
  readonly deadlineMs: number;
}

export const DEFAULT_LOAD: LoadOptions = {
  requests: 1000,
  failShare: 0.2,
  midStreamShare: 0.05,
  outage: [0.3, 0.5],
  fallbackFailShare: 0.02,
  seed: 20_240_101,
  breaker: { minimumCalls: 5, cooldownMs: 100, halfOpenMaxProbes: 2 },
  maxRetries: 2,
  deadlineMs: 120_000,
};

export interface LoadReport {
  readonly requests: number;
  readonly successes: number;
  readonly failures: Readonly<Partial<Record<ErrorCategory, number>>>;
  /** Requests that neither succeeded nor failed with a category by the deadline. */
  readonly lost: number;
  /** Successful values that differ from the scripted one, or partials that disagree with it. */
  readonly wrongValues: number;
  readonly servedByFallback: number;
  readonly attempts: number;
  readonly serverRequests: { readonly primary: number; readonly fallback: number };
  readonly breakerTransitions: Readonly<Record<string, number>>;
  readonly breakerRefusals: number;
  /** Per request, wall time minus time spent waiting on the provider and sleeping in backoff. */
  readonly engineMs: { readonly p50: number; readonly p99: number; readonly max: number };
  readonly totalMs: { readonly p50: number; readonly p99: number; readonly max: number };
  readonly wallMs: number;
  readonly heap: {
    readonly baselineMB: number;
    readonly peakMB: number;
    readonly afterGcMB: number;
  };
  /** Sockets and timers still open once the servers are closed. */
  readonly leakedHandles: Readonly<Record<string, number>>;
}

/** `global.gc`, enabled at run time when the process was not started with `--expose-gc`. */
function gcFunction(): () => void {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (typeof existing === 'function') return existing;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

async function settleHeap(gc: () => void): Promise<number> {
  for (let i = 0; i < 4; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return process.memoryUsage().heapUsed;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)] as number;
}

const round = (n: number): number => Math.round(n * 100) / 100;
const mb = (bytes: number): number => Math.round((bytes / 1024 / 1024) * 10) / 10;

/** Time each request spends waiting on its provider, by request number (from the prompt). */
type ProviderTime = Map<number, number>;

function requestNumber(call: ProviderCall): number {
  const match = /request #(\d+)/.exec(JSON.stringify(call.messages));
  return match === null ? -1 : Number(match[1]);
}

/** Delegates to `inner`, adding up the time spent awaiting it per request. */
function timedProvider(inner: StructuredProvider, time: ProviderTime): StructuredProvider {
  const add = (call: ProviderCall, ms: number): void => {
    const n = requestNumber(call);
    time.set(n, (time.get(n) ?? 0) + ms);
  };
  return {
    specificationVersion: 'v1',
    id: inner.id,
    supports: (model) => inner.supports(model),
    // Its reads are the inner provider's.
    abortEndsReads: inner.abortEndsReads,
    async doStream(call) {
      const started = performance.now();
      let source: AsyncIterable<ProviderPart>;
      try {
        source = await inner.doStream(call);
      } finally {
        add(call, performance.now() - started);
      }
      return {
        [Symbol.asyncIterator]() {
          const iterator = source[Symbol.asyncIterator]();
          return {
            async next() {
              const t = performance.now();
              try {
                return await iterator.next();
              } finally {
                add(call, performance.now() - t);
              }
            },
            async return(value?: unknown) {
              await iterator.return?.(value);
              return { done: true as const, value: undefined };
            },
          };
        },
      };
    },
    async doGenerate(call) {
      const started = performance.now();
      try {
        return await inner.doGenerate(call);
      } finally {
        add(call, performance.now() - started);
      }
    },
  };
}

export async function runLoad(options: LoadOptions = DEFAULT_LOAD): Promise<LoadReport> {
  const gc = gcFunction();
  const handlesBefore = new Map<string, number>();
  for (const kind of process.getActiveResourcesInfo()) {
    handlesBefore.set(kind, (handlesBefore.get(kind) ?? 0) + 1);
  }
  const random = seededRandom(options.seed);
  const ok: WireScript = { kind: 'generate', json: PERSON, chunkSize: 16 };
  const unavailable: WireScript = { kind: 'error', status: 503, message: 'overloaded' };
  const midStream: WireScript = {
    kind: 'generate',
    json: PERSON,
    chunkSize: 16,
    fault: { type: 'error-event', afterChunks: 2 },
  };
  const [outageStart, outageEnd] = options.outage ?? [0, 0];
  let primaryArrivals = 0;
  const primary = await startOpenAIServer({
    defaultScript: () => {
      const share = primaryArrivals++ / options.requests;
      if (share >= outageStart && share < outageEnd) return unavailable;
      const roll = random();
      if (roll < options.failShare) return unavailable;
      if (roll < options.failShare + options.midStreamShare) return midStream;
      return ok;
    },
  });
  const fallback = await startOpenAIServer({
    defaultScript: () => (random() < options.fallbackFailShare ? unavailable : ok),
  });

  const providerTime: ProviderTime = new Map();
  const transitions: Record<string, number> = {};
  const breakerObserver: Observer = {
    name: 'stress-breaker',
    onBreakerStateChange(event) {
      const key = `${event.provider}/${event.model}: ${event.from} → ${event.to}`;
      transitions[key] = (transitions[key] ?? 0) + 1;
    },
  };
  let service: StructuredLLMService | undefined = new StructuredLLMService({
    providers: [
      timedProvider(
        createOpenAIProvider({ id: 'primary', apiKey: 'stress-key', baseURL: primary.baseURL }),
        providerTime,
      ),
      timedProvider(
        createOpenAIProvider({ id: 'fallback', apiKey: 'stress-key', baseURL: fallback.baseURL }),
        providerTime,
      ),
    ],
    retry: { baseDelayMs: 5, maxDelayMs: 40, maxRetries: options.maxRetries },
    breaker: options.breaker,
    observers: [breakerObserver],
  });

  // Warm up (SDK, JIT, connections), then measure the baseline.
  await service.routeStructured({
    prompt: 'request #-1',
    responseModel: personModel,
    model: 'fallback/gpt-4o',
  });
  providerTime.clear();
  primary.reset();
  fallback.reset();
  primaryArrivals = 0;
  const baseline = await settleHeap(gc);
  let peak = baseline;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().heapUsed);
  }, 5);

  const failures: Partial<Record<ErrorCategory, number>> = {};
  let successes = 0;
  let wrongValues = 0;
  let servedByFallback = 0;
  let attempts = 0;
  let breakerRefusals = 0;
  const engineMs: number[] = [];
  const totalMs: number[] = [];
  const settled = new Set<number>();

  const started = performance.now();
  const runs = Array.from({ length: options.requests }, async (_, n) => {
    const t0 = performance.now();
    const stream = (service as StructuredLLMService).routeStructuredStreaming<Person>({
      prompt: `request #${n}`,
      responseModel: personModel,
      model: 'primary/gpt-4o',
      fallbackModels: ['fallback/gpt-4o'],
      timeouts: { firstChunkMs: 10_000, idleMs: 10_000 },
    });
    // A light consumer: every partial is checked against the scripted value in place.
    let last: StreamingResponse<Person> | undefined;
    let disagreeing = 0;
    for await (const response of stream) {
      if (!response.isComplete && disagreement(response.partialResult, PERSON) !== undefined) {
        disagreeing++;
      }
      last = response;
    }
    const elapsed = performance.now() - t0;
    const tries = stream.attempts;
    attempts += tries.length;
    breakerRefusals += tries.filter((a) => a.category === 'circuit_open').length;
    if (last?.isComplete === true && last.error === undefined) {
      successes++;
      if (disagreement(last.partialResult, PERSON) !== undefined || disagreeing > 0) wrongValues++;
      if (tries.at(-1)?.model === 'fallback/gpt-4o') servedByFallback++;
    } else if (last?.isComplete === true && StructuredLLMError.is(last.error)) {
      failures[last.error.category] = (failures[last.error.category] ?? 0) + 1;
    } else {
      return; // neither a value nor a categorised error: counted as lost
    }
    const sleeping = tries.reduce((sum, a) => sum + (a.delayMs ?? 0), 0);
    totalMs.push(elapsed);
    engineMs.push(Math.max(0, elapsed - (providerTime.get(n) ?? 0) - sleeping));
    settled.add(n);
  });
  let deadlineTimer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.allSettled(runs),
    new Promise((resolve) => {
      deadlineTimer = setTimeout(resolve, options.deadlineMs);
    }),
  ]);
  clearTimeout(deadlineTimer);
  const wallMs = performance.now() - started;
  clearInterval(sampler);
  const serverRequests = { primary: primary.requests.length, fallback: fallback.requests.length };

  await primary.close();
  await fallback.close();
  service = undefined;
  providerTime.clear();
  const afterGc = await settleHeap(gc);

  const leakedHandles: Record<string, number> = {};
  for (let wait = 0; wait < 100; wait++) {
    const now = new Map<string, number>();
    for (const kind of process.getActiveResourcesInfo()) now.set(kind, (now.get(kind) ?? 0) + 1);
    for (const key of Object.keys(leakedHandles)) delete leakedHandles[key];
    for (const [kind, count] of now) {
      const grown = count - (handlesBefore.get(kind) ?? 0);
      if (grown > 0) leakedHandles[kind] = grown;
    }
    if (Object.keys(leakedHandles).length === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }

  engineMs.sort((a, b) => a - b);
  totalMs.sort((a, b) => a - b);
  return {
    requests: options.requests,
    successes,
    failures,
    lost: options.requests - settled.size,
    wrongValues,
    servedByFallback,
    attempts,
    serverRequests,
    breakerTransitions: transitions,
    breakerRefusals,
    engineMs: {
      p50: round(percentile(engineMs, 50)),
      p99: round(percentile(engineMs, 99)),
      max: round(engineMs.at(-1) ?? 0),
    },
    totalMs: {
      p50: round(percentile(totalMs, 50)),
      p99: round(percentile(totalMs, 99)),
      max: round(totalMs.at(-1) ?? 0),
    },
    wallMs: Math.round(wallMs),
    heap: { baselineMB: mb(baseline), peakMB: mb(peak), afterGcMB: mb(afterGc) },
    leakedHandles,
  };
}

/**
 * The engine's own cost without contention: `count` requests one after the
 * other against a fault-free server; per request, wall time minus the time
 * spent awaiting the provider (SDK, HTTP, server).
 */
export async function measureOverhead(
  count: number,
): Promise<{ readonly p50: number; readonly p99: number; readonly max: number }> {
  const server = await startOpenAIServer({
    defaultScript: { kind: 'generate', json: PERSON, chunkSize: 16 },
  });
  const providerTime: ProviderTime = new Map();
  const service = new StructuredLLMService({
    providers: [
      timedProvider(
        createOpenAIProvider({ apiKey: 'stress-key', baseURL: server.baseURL }),
        providerTime,
      ),
    ],
  });
  const engineMs: number[] = [];
  try {
    for (let n = -20; n < count; n++) {
      const t0 = performance.now();
      const stream = service.routeStructuredStreaming<Person>({
        prompt: `request #${n}`,
        responseModel: personModel,
        model: 'openai/gpt-4o',
      });
      for await (const _ of stream) {
        // drain
      }
      const elapsed = performance.now() - t0;
      if (n >= 0) engineMs.push(Math.max(0, elapsed - (providerTime.get(n) ?? 0)));
    }
  } finally {
    await server.close();
  }
  engineMs.sort((a, b) => a - b);
  return {
    p50: round(percentile(engineMs, 50)),
    p99: round(percentile(engineMs, 99)),
    max: round(engineMs.at(-1) ?? 0),
  };
}
