/**
 * `pnpm bench`: the incremental JSON parser side by side with JSON.parse, a
 * concat-only baseline and peer libraries, all reading the partial value after
 * every 4-character chunk. Prints a Markdown report to stdout (progress goes to
 * stderr).
 *
 *   node --conditions=@structllm/source --expose-gc src/parser-bench.ts [--json out.json] [--quick] [--full] [--check]
 *
 * The two quadratic peers (they re-parse the accumulated text per chunk) run at
 * 10 KB and 20 KB; `--full` also runs them at 100 KB, minutes each. `--check`
 * exits 1 when a goal fails.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, platform, release } from 'node:os';
import { parseArgs } from 'node:util';
import { createJsonStreamParser } from '@structllm/core';
import { type Contender, contenders, type RunResult, type StreamInput } from './contenders.ts';
import { generateCatalogue, splitChunks } from './documents.ts';
import { goalsExitCode } from './goals.ts';
import { hasGc, retainedSizeOf } from './heap.ts';
import {
  type BenchEntry,
  type Measurement,
  type MeasureOptions,
  measureInterleaved,
} from './measure.ts';
import { renderReport } from './report.ts';
import {
  type BenchResults,
  type ContenderResult,
  type DocumentInfo,
  evaluateGoals,
  type HeapResult,
  type SizeResult,
} from './results.ts';
import { heapProfile, perChunkCost } from './stream-profile.ts';
import { assertSameValue } from './verify.ts';

const CHUNK_SIZE = 4;
/** A contender whose time grows faster than size^this between the probe and 100 KB is capped. */
const SUPERLINEAR_EXPONENT = 1.5;
const SMALL_LABEL = '100 KB';
/** Where the quadratic peers stop without `--full`: at 100 KB they take seconds per document. */
const CAPPED_LABEL = '20 KB';

const { values: args } = parseArgs({
  // `pnpm bench -- --json x` forwards the `--` through the root script: ignore it.
  args: process.argv.slice(2).filter((arg) => arg !== '--'),
  options: {
    json: { type: 'string' },
    quick: { type: 'boolean', default: false },
    full: { type: 'boolean', default: false },
    check: { type: 'boolean', default: false },
    'gc-between': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (args.help) {
  process.stdout.write(
    'Usage: node --conditions=@structllm/source --expose-gc src/parser-bench.ts [--json <file>] [--quick] [--full] [--check]\n' +
      '  --json <file>  also write the results as JSON\n' +
      '  --quick        fewer iterations (smoke test; figures are noisier)\n' +
      `  --full         run the quadratic peers at ${SMALL_LABEL} too (minutes each), not only at ${CAPPED_LABEL}\n` +
      '  --check        exit 1 when a goal fails\n' +
      '  --gc-between   full gc before every timed run instead of a steady-state heap\n',
  );
  process.exit(0);
}
const quick = args.quick;
const full = args.full;
const gcBetween = args['gc-between'];

function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

interface PreparedDocument {
  readonly info: DocumentInfo;
  readonly input: StreamInput;
  readonly expected: unknown;
}

function prepare(label: string, targetBytes: number): PreparedDocument {
  const doc = generateCatalogue({ targetBytes, label });
  const chunks = splitChunks(doc.text, CHUNK_SIZE);
  return {
    info: {
      label,
      bytes: doc.bytes,
      chars: doc.text.length,
      records: doc.records,
      chunks: chunks.length,
    },
    input: { text: doc.text, chunks },
    expected: JSON.parse(doc.text),
  };
}

function readVersion(packageName: string | undefined): string | undefined {
  if (packageName === undefined || packageName.startsWith('@structllm/')) return undefined;
  const url = new URL(`../node_modules/${packageName}/package.json`, import.meta.url);
  return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
}

interface Observed {
  partials: number;
  prefixErrors: number;
}

/**
 * Times `list` on `doc`, interleaved. Every result that `measure` checks (warmups
 * and the first timed run) must reproduce JSON.parse exactly, or the run aborts.
 */
async function runSize(
  list: readonly Contender[],
  doc: PreparedDocument,
  optionsFor: (c: Contender) => MeasureOptions,
): Promise<Map<string, SizeResult>> {
  log(`${doc.info.label}: ${list.map((c) => c.id).join(', ')}`);
  const observed = new Map<string, Observed>();
  const entries: BenchEntry[] = list.map((c) => ({
    name: c.id,
    fn: () => c.run(doc.input),
    options: {
      gc: gcBetween ? 'run' : 'round',
      ...optionsFor(c),
      check: (result: unknown) => {
        const r = result as RunResult;
        assertSameValue(c.name, doc.info.label, r.value, doc.expected);
        observed.set(c.id, { partials: r.partials, prefixErrors: r.prefixErrors });
      },
    },
  }));
  const measurements = await measureInterleaved(entries, {
    onSample: (name, ms, i) => {
      if (ms > 1000 || i === 0) log(`  ${doc.info.label} ${name} #${i + 1}: ${ms.toFixed(1)} ms`);
    },
  });
  const out = new Map<string, SizeResult>();
  for (const [i, c] of list.entries()) {
    const seen = observed.get(c.id) ?? { partials: 0, prefixErrors: 0 };
    out.set(c.id, {
      document: doc.info.label,
      bytes: doc.info.bytes,
      measurement: measurements[i] as Measurement,
      ...seen,
    });
  }
  return out;
}

const started = performance.now();
if (!hasGc()) log('warning: no --expose-gc; heap figures are skipped and runs are not gc-isolated');

log('generating documents');
const probeDoc = prepare('10 KB', 10_000);
const smallDoc = prepare(SMALL_LABEL, 100_000);
const cappedDoc = full ? smallDoc : prepare(CAPPED_LABEL, 20_000);
const largeDoc = prepare('1 MB', 1_000_000);

// 1. Scaling probe (also the warmup of the quadratic contenders).
const probe = await runSize(contenders, probeDoc, (c) =>
  c.quadratic
    ? { warmup: 1, iterations: quick ? 1 : 3, batch: 1, maxTimeMs: 2_000 }
    : { warmup: 3, settle: 2, batch: 5, iterations: quick ? 5 : 15, maxTimeMs: 2_000 },
);

// 2. 100 KB, and the quadratic contenders at 20 KB unless --full: at 100 KB they
// take seconds per document. They are warm from the probe, so their first timed
// run is also the one verified.
const quadraticOptions = (): MeasureOptions => ({ warmup: 0, iterations: quick ? 1 : 3, batch: 1 });
const small = await runSize(
  contenders.filter((c) => full || !c.quadratic),
  smallDoc,
  (c) =>
    c.quadratic
      ? quadraticOptions()
      : { warmup: 2, settle: 2, batch: 10, iterations: quick ? 5 : 20, maxTimeMs: 4_000 },
);
if (!full) {
  const quadratic = contenders.filter((c) => c.quadratic);
  for (const [id, result] of await runSize(quadratic, cappedDoc, quadraticOptions)) {
    small.set(id, result);
  }
}

// 3. Classify, then 1 MB for everything that is not capped.
const growth = new Map<string, { exponent: number; timeRatio: number }>();
for (const c of contenders) {
  const t10 = (probe.get(c.id) as SizeResult).measurement.median;
  const measured = small.get(c.id) as SizeResult;
  const timeRatio = measured.measurement.median / t10;
  growth.set(c.id, {
    timeRatio,
    exponent: Math.log(timeRatio) / Math.log(measured.bytes / probeDoc.info.bytes),
  });
}
const capped = (c: Contender): 'declared' | 'measured' | undefined => {
  if (c.quadratic) return 'declared';
  if (c.reference) return undefined;
  return (growth.get(c.id)?.exponent ?? 0) > SUPERLINEAR_EXPONENT ? 'measured' : undefined;
};
const large = await runSize(
  contenders.filter((c) => capped(c) === undefined),
  largeDoc,
  () => ({ warmup: 1, settle: 2, batch: 10, iterations: quick ? 5 : 20, maxTimeMs: 6_000 }),
);

// 4. Ours in detail: work per chunk along the document, and retained heap.
log('structllm: per-chunk cost');
const perChunk = perChunkCost(
  () => createJsonStreamParser(),
  largeDoc.input.chunks,
  quick ? 5 : 15,
);
log('structllm: heap');
let heap: HeapResult | undefined;
const profile = heapProfile(() => createJsonStreamParser(), largeDoc.input.chunks, 10);
if (profile !== undefined) {
  const finalValueBytes = retainedSizeOf(() => JSON.parse(largeDoc.input.text), 3);
  heap = {
    finalValueBytes,
    samples: profile.samples,
    peakBytes: profile.peak,
    ratio: profile.peak / finalValueBytes,
  };
}

const contenderResults: ContenderResult[] = contenders.map((c) => {
  const g = growth.get(c.id) ?? { exponent: Number.NaN, timeRatio: Number.NaN };
  return {
    id: c.id,
    name: c.name,
    packageName: c.packageName,
    version: readVersion(c.packageName),
    reference: c.reference,
    perChunk: c.perChunk,
    quadratic: c.quadratic,
    capped: capped(c),
    probeExponent: g.exponent,
    probeTimeRatio: g.timeRatio,
    probe: probe.get(c.id) as SizeResult,
    small: small.get(c.id) as SizeResult,
    large: large.get(c.id),
  };
});

const cpuList = cpus();
const results: BenchResults = {
  meta: {
    date: new Date().toISOString(),
    node: process.version,
    platform: `${platform()} ${release()} ${process.arch}`,
    cpus: `${cpuList.length} × ${cpuList[0]?.model.trim() ?? 'unknown CPU'}`,
    chunkSize: CHUNK_SIZE,
    quick,
    full,
    gcBetween,
    elapsedMs: performance.now() - started,
    documents: { probe: probeDoc.info, small: smallDoc.info, large: largeDoc.info },
  },
  contenders: contenderResults,
  ours: { perChunk, heap },
  goals: evaluateGoals(contenderResults, heap),
};

process.stdout.write(renderReport(results));
process.exitCode = goalsExitCode(results.goals, args.check);
if (process.exitCode !== 0) log('--check: a goal failed');
if (args.json !== undefined) {
  writeFileSync(args.json, `${JSON.stringify(results, null, 2)}\n`);
  log(`wrote ${args.json}`);
}
