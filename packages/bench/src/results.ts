/**
 * The shape of a parser benchmark run (also what `--json` writes) and the
 * evaluation of structllm's goals against it.
 */
import type { Goal } from './goals.ts';
import type { Measurement } from './measure.ts';
import type { PerChunkCost } from './stream-profile.ts';

export interface DocumentInfo {
  readonly label: string;
  readonly bytes: number;
  readonly chars: number;
  readonly records: number;
  readonly chunks: number;
}

export interface SizeResult {
  readonly document: string;
  readonly bytes: number;
  readonly measurement: Measurement;
  /** Partial values read during one run. */
  readonly partials: number;
  /** Prefixes the contender could not parse during one run. */
  readonly prefixErrors: number;
}

export interface ContenderResult {
  readonly id: string;
  readonly name: string;
  readonly packageName: string | undefined;
  readonly version: string | undefined;
  readonly reference: boolean;
  readonly perChunk: string;
  /** Declared quadratic (re-parses the accumulated text). */
  readonly quadratic: boolean;
  /** Not run at 1 MB; `measured` when the 10 KB → 100 KB probe showed superlinear time. */
  readonly capped: 'declared' | 'measured' | undefined;
  /** log(time ratio) / log(size ratio) between the probe and `small`: 1 linear, 2 quadratic. */
  readonly probeExponent: number;
  readonly probeTimeRatio: number;
  readonly probe: SizeResult;
  /** At 100 KB; at 20 KB for a quadratic contender without `--full`. */
  readonly small: SizeResult;
  readonly large: SizeResult | undefined;
}

export interface HeapResult {
  /** heapUsed delta (after gc) of holding `JSON.parse(text)` of the 1 MB document. */
  readonly finalValueBytes: number;
  /** Retained above baseline at each sample point of ours' 1 MB run. */
  readonly samples: readonly number[];
  readonly peakBytes: number;
  readonly ratio: number;
}

export interface BenchResults {
  readonly meta: {
    readonly date: string;
    readonly node: string;
    readonly platform: string;
    readonly cpus: string;
    readonly chunkSize: number;
    readonly quick: boolean;
    /** `--full`: the quadratic peers ran at 100 KB too (else they stop at 20 KB). */
    readonly full: boolean;
    /** Full gc before every timed run (`--gc-between`); otherwise before each batch, then settling runs. */
    readonly gcBetween: boolean;
    readonly elapsedMs: number;
    readonly documents: {
      readonly probe: DocumentInfo;
      readonly small: DocumentInfo;
      readonly large: DocumentInfo;
    };
  };
  readonly contenders: readonly ContenderResult[];
  readonly ours: {
    readonly perChunk: PerChunkCost;
    readonly heap: HeapResult | undefined;
  };
  readonly goals: readonly Goal[];
}

function find(contenders: readonly ContenderResult[], id: string): ContenderResult | undefined {
  return contenders.find((c) => c.id === id);
}

const ratio = (value: number): string => `×${value.toFixed(2)}`;

export function evaluateGoals(
  contenders: readonly ContenderResult[],
  heap: HeapResult | undefined,
): Goal[] {
  const ours = find(contenders, 'ours');
  const base = find(contenders, 'json-parse');
  const concat = find(contenders, 'concat-only');
  const oursLarge = ours?.large?.measurement.median;
  const goals: Goal[] = [];
  const against = (name: string, other: ContenderResult | undefined, limit: number): void => {
    const otherLarge = other?.large?.measurement.median;
    if (oursLarge === undefined || otherLarge === undefined) {
      goals.push({ name, actual: 'no 1 MB figure', pass: false });
      return;
    }
    const value = oursLarge / otherLarge;
    goals.push({ name, actual: ratio(value), pass: value <= limit });
  };
  against('1 MB ≤ 8× JSON.parse', base, 8);
  against('1 MB ≤ 5× concat-only', concat, 5);

  const oursSmall = ours?.small.measurement.median;
  if (oursLarge === undefined || oursSmall === undefined) {
    goals.push({ name: 'scaling 1 MB/100 KB ≤ 11', actual: 'no 1 MB figure', pass: false });
  } else {
    const scaling = oursLarge / oursSmall;
    goals.push({ name: 'scaling 1 MB/100 KB ≤ 11', actual: ratio(scaling), pass: scaling <= 11 });
  }

  const peers = ['streamparser', 'jsonriver']
    .map((id) => find(contenders, id))
    .filter((c): c is ContenderResult => c !== undefined);
  const comparisons: string[] = [];
  let faster = ours !== undefined && peers.length === 2;
  for (const peer of peers) {
    for (const size of ['small', 'large'] as const) {
      const mine = ours?.[size]?.measurement.median;
      const theirs = peer[size]?.measurement.median;
      if (mine === undefined || theirs === undefined) {
        faster = false;
        continue;
      }
      if (mine >= theirs) faster = false;
      comparisons.push(
        `${(theirs / mine).toFixed(1)}× faster than ${peer.name} at ${ours?.[size]?.document}`,
      );
    }
  }
  goals.push({
    name: 'faster than @streamparser/json and jsonriver (100 KB and 1 MB)',
    actual: comparisons.join('; '),
    pass: faster,
  });

  if (heap === undefined) {
    goals.push({
      name: 'peak retained heap (1 MB) ≤ 3× final value',
      actual: 'not measured (run with --expose-gc)',
      pass: undefined,
    });
  } else {
    goals.push({
      name: 'peak retained heap (1 MB) ≤ 3× final value',
      actual: ratio(heap.ratio),
      pass: heap.ratio <= 3,
    });
  }
  return goals;
}
