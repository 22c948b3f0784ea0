/**
 * Reusable timing helpers for every benchmark in this package.
 *
 * `measureInterleaved(entries)` times functions in rounds: each round gives every entry a full gc, a few untimed
 * settling runs and a batch of timed runs. Rounds spread background load on a
 * shared machine over all entries, and the gc + settling runs make each entry
 * pay for its own garbage only, on a heap in its own steady state.
 */
import { collectGarbage } from './heap.ts';
import { mean, median, relativeSpread } from './stats.ts';

/** A benchmarked function: sync, or async (its promise is awaited and timed). */
type BenchFn = () => unknown;

export interface MeasureOptions {
  /** Timed iterations to aim for. */
  readonly iterations: number;
  /** Untimed runs before the first round's batch, to let the JIT settle. Default 1. */
  readonly warmup?: number;
  /** Timed runs per round. Default `iterations` (a single round). */
  readonly batch?: number;
  /**
   * Untimed runs at the start of every round, after its gc, so the heap reaches
   * this entry's steady state before timing. Default 0.
   */
  readonly settle?: number;
  /**
   * When to force a full gc (needs `--expose-gc`): `round` (default) before each
   * round, `run` before every timed run, `never`. Note that a forced full gc
   * restarts V8's heap-growth heuristics: code that builds a large retained
   * value runs slower for a run or two afterwards, hence `settle`.
   */
  readonly gc?: 'round' | 'run' | 'never';
  /**
   * Stop taking samples once the timed runs have used this many milliseconds
   * (but not before `minIterations`). Keeps slow entries bounded.
   */
  readonly maxTimeMs?: number;
  /** Fewest timed runs when `maxTimeMs` cuts the measurement short. Default 3. */
  readonly minIterations?: number;
  /**
   * Called with the (awaited) result of every warmup run and of the first timed
   * run; throw to abort. With `warmup >= 1` this verifies before anything is timed.
   */
  readonly check?: (result: unknown) => void;
}

export interface Measurement {
  readonly name: string;
  /** Milliseconds per timed run, in run order. */
  readonly samples: readonly number[];
  readonly median: number;
  readonly mean: number;
  readonly min: number;
  readonly max: number;
  /** Interquartile range / median. */
  readonly spread: number;
}

export interface BenchEntry {
  readonly name: string;
  readonly fn: BenchFn;
  readonly options: MeasureOptions;
}

export interface InterleaveOptions {
  /** Called after each timed run, e.g. to print progress. */
  readonly onSample?: (name: string, ms: number, sampleIndex: number) => void;
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/** Runs `fn` once; returns the elapsed milliseconds and its (awaited) result. */
async function timeOnce(fn: BenchFn): Promise<{ ms: number; result: unknown }> {
  const start = performance.now();
  let result = fn();
  if (isPromiseLike(result)) result = await result;
  return { ms: performance.now() - start, result };
}

function summarize(name: string, samples: readonly number[]): Measurement {
  return {
    name,
    samples,
    median: median(samples),
    mean: mean(samples),
    min: Math.min(...samples),
    max: Math.max(...samples),
    spread: relativeSpread(samples),
  };
}

interface EntryState {
  readonly entry: BenchEntry;
  readonly samples: number[];
  spent: number;
  warmedUp: boolean;
}

function wantsMore({ entry: { options }, samples, spent }: EntryState): boolean {
  if (samples.length >= options.iterations) return false;
  const minIterations = Math.min(options.minIterations ?? 3, options.iterations);
  return !(
    options.maxTimeMs !== undefined &&
    spent >= options.maxTimeMs &&
    samples.length >= minIterations
  );
}

async function runRound(state: EntryState, interleave: InterleaveOptions): Promise<void> {
  const { name, fn, options } = state.entry;
  const gc = options.gc ?? 'round';
  if (gc !== 'never') collectGarbage();
  if (!state.warmedUp) {
    state.warmedUp = true;
    for (let i = 0; i < (options.warmup ?? 1); i++) {
      const { result } = await timeOnce(fn);
      options.check?.(result);
    }
  }
  for (let i = 0; i < (options.settle ?? 0); i++) await timeOnce(fn);
  const batch = options.batch ?? options.iterations;
  for (let i = 0; i < batch && wantsMore(state); i++) {
    if (gc === 'run') collectGarbage();
    const { ms, result } = await timeOnce(fn);
    if (state.samples.length === 0) options.check?.(result);
    state.samples.push(ms);
    state.spent += ms;
    interleave.onSample?.(name, ms, state.samples.length - 1);
  }
}

/**
 * Times several functions in rounds (see the module comment) until each has its
 * `iterations` (or has used its `maxTimeMs`). Returns one {@link Measurement}
 * per entry, in entry order.
 */
export async function measureInterleaved(
  entries: readonly BenchEntry[],
  interleave: InterleaveOptions = {},
): Promise<Measurement[]> {
  const states: EntryState[] = entries.map((entry) => ({
    entry,
    samples: [],
    spent: 0,
    warmedUp: false,
  }));
  let pending = states.filter(wantsMore);
  while (pending.length > 0) {
    for (const state of pending) await runRound(state, interleave);
    pending = states.filter(wantsMore);
  }
  return states.map(({ entry, samples }) => summarize(entry.name, samples));
}
