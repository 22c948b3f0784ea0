/**
 * Observer overhead: the 1 MB catalogue streamed through `routeStructuredStreaming`
 * with no observer, with @structllm/prometheus, with @structllm/otel (no SDK
 * registered, and with an SDK recording spans and metrics), and with both; then
 * each observer's own cost per chunk, calling its `onChunk` hook directly.
 *
 *   node --conditions=@structllm/source --expose-gc src/observer-bench.ts [--quick] [--check] [--json out.json]
 */
import { writeFileSync } from 'node:fs';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { type Observer, type RequestObserver, StructuredLLMService } from '@structllm/core';
import { createOpenTelemetryObserver } from '@structllm/otel';
import { createPrometheusObserver } from '@structllm/prometheus';
import { createMockProvider } from '@structllm/testing';
import { catalogueModel, generateCatalogue, splitChunks } from './documents.ts';
import { reportGoals } from './goals.ts';
import { measureInterleaved } from './measure.ts';
import { benchFlags } from './replay.ts';

const { quick, check, jsonOut } = benchFlags();

/** A metric reader nobody collects from: the cost measured is recording, not exporting. */
class IdleReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

const spanExporter = new InMemorySpanExporter();
const sdkTracing = new BasicTracerProvider({
  spanProcessors: [new SimpleSpanProcessor(spanExporter)],
});
const sdkMetrics = new MeterProvider({ readers: [new IdleReader()] });

const prometheus = createPrometheusObserver();
const otelNoSdk = createOpenTelemetryObserver();
const otelSdk = createOpenTelemetryObserver({
  tracerProvider: sdkTracing,
  meterProvider: sdkMetrics,
});

const variants: ReadonlyArray<{ readonly name: string; readonly observers: Observer[] }> = [
  { name: 'no observer', observers: [] },
  // An observer with no hooks: what the engine itself spends once anyone observes.
  { name: 'empty observer', observers: [{ name: 'empty' }] },
  { name: 'prometheus', observers: [prometheus] },
  { name: 'otel, no SDK', observers: [otelNoSdk] },
  { name: 'otel + SDK', observers: [otelSdk] },
  { name: 'prometheus + otel + SDK', observers: [prometheus, otelSdk] },
];

async function run(chunks: readonly string[], observers: Observer[]): Promise<unknown> {
  const service = new StructuredLLMService({
    providers: [createMockProvider({ id: 'replay', responses: [{ chunks }] })],
    defaultModel: 'replay/m',
    observers,
  });
  let last: unknown;
  for await (const response of service.routeStructuredStreaming({
    prompt: 'x',
    responseModel: catalogueModel,
  })) {
    if (response.error) throw response.error;
    last = response.partialResult;
  }
  spanExporter.reset();
  return last;
}

const document = generateCatalogue({ targetBytes: 1_000_000, seed: 0x5eed });
interface Row {
  readonly chunkSize: number;
  readonly chunks: number;
  readonly medians: Record<string, number>;
  readonly minimums: Record<string, number>;
}
const rows: Row[] = [];
for (const chunkSize of [64, 4]) {
  const chunks = splitChunks(document.text, chunkSize);
  // Short interleaved rounds (a gc, two settling runs, five timed runs) spread the
  // shared machine's load over all variants; the variants differ by a fraction of a
  // microsecond per chunk, so both the median and the minimum are reported.
  const options = {
    iterations: quick ? 10 : 30,
    warmup: 2,
    batch: 5,
    settle: 2,
    maxTimeMs: quick ? 10_000 : 60_000,
  };
  const measured = await measureInterleaved(
    variants.map((variant) => ({
      name: variant.name,
      fn: () => run(chunks, variant.observers),
      options,
    })),
  );
  rows.push({
    chunkSize,
    chunks: chunks.length,
    medians: Object.fromEntries(measured.map((m) => [m.name, m.median])),
    minimums: Object.fromEntries(measured.map((m) => [m.name, m.min])),
  });
}

/** Each observer's own cost per chunk: its onChunk hook called directly, as the engine calls it. */
function hookNanos(observer: Observer, label: string): number | undefined {
  const requestId = `bench-${label}`;
  // A request-scoped observer returns that request's hooks; a global one is its own.
  const hooks: RequestObserver =
    observer.onRequestStart?.({
      requestId,
      schemaName: 'catalogue',
      streaming: true,
      model: 'replay/m',
    }) ?? observer;
  const event = {
    requestId,
    schemaName: 'catalogue',
    streaming: true,
    attempt: 1,
    model: 'replay/m',
    provider: 'replay',
    mode: 'json_schema' as const,
    server: undefined,
    chars: 64,
  };
  hooks.onAttemptStart?.(event);
  const onChunk = hooks.onChunk?.bind(hooks);
  if (onChunk === undefined) return undefined; // no per-chunk hook: the engine never calls it per chunk
  const calls = quick ? 1_000_000 : 5_000_000;
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 5; round++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) onChunk(event);
    best = Math.min(best, Number(process.hrtime.bigint() - start) / calls);
  }
  return best;
}
const hooks = {
  prometheus: hookNanos(createPrometheusObserver(), 'prometheus'),
  'otel, no SDK': hookNanos(createOpenTelemetryObserver(), 'otel-nosdk'),
  'otel + SDK': hookNanos(
    createOpenTelemetryObserver({ tracerProvider: sdkTracing, meterProvider: sdkMetrics }),
    'otel-sdk',
  ),
};

console.log(
  `## Observer overhead (${(document.bytes / 1e6).toFixed(2)} MB catalogue through routeStructuredStreaming, MockProvider, Node ${process.version})`,
);
console.log(
  '| chunk size | chunks | observers | median ms | added (median) | per chunk (median) | min ms | added (min) | per chunk (min) |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
const percent = (ms: number, base: number) => `${(((ms - base) / base) * 100).toFixed(1)} %`;
const perChunk = (ms: number, base: number, chunks: number) =>
  `${(((ms - base) * 1000) / chunks).toFixed(3)} µs`;
for (const row of rows) {
  const base = row.medians['no observer'] ?? Number.NaN;
  const baseMin = row.minimums['no observer'] ?? Number.NaN;
  for (const variant of variants) {
    const ms = row.medians[variant.name] ?? Number.NaN;
    const min = row.minimums[variant.name] ?? Number.NaN;
    const none = variant.observers.length === 0;
    console.log(
      `| ${row.chunkSize} chars | ${row.chunks} | ${variant.name} | ${ms.toFixed(1)} | ${none ? '—' : percent(ms, base)} | ${none ? '—' : perChunk(ms, base, row.chunks)} | ${min.toFixed(1)} | ${none ? '—' : percent(min, baseMin)} | ${none ? '—' : perChunk(min, baseMin, row.chunks)} |`,
    );
  }
}
console.log('\nEach observer’s own onChunk cost (hook called directly, best of 5 rounds):');
for (const [name, ns] of Object.entries(hooks))
  console.log(
    ns === undefined
      ? `- ${name}: no onChunk hook (counts come from onAttemptEnd): nothing per chunk`
      : `- ${name}: ${ns.toFixed(1)} ns per chunk`,
  );

const coarse = rows.find((row) => row.chunkSize === 64);
const both = 'prometheus + otel + SDK';
const coarseBase = coarse?.medians['no observer'] ?? Number.NaN;
const coarseBoth = coarse?.medians[both] ?? Number.NaN;
const addedPercent = ((coarseBoth - coarseBase) / coarseBase) * 100;
const worstPerChunkUs = Math.max(
  ...rows.map(
    (row) =>
      (((row.medians[both] ?? Number.NaN) - (row.medians['no observer'] ?? Number.NaN)) * 1000) /
      row.chunks,
  ),
);
reportGoals(
  [
    {
      name: 'both observers add ≤ 5 % to the 1 MB stream (64-char chunks)',
      actual: `${addedPercent.toFixed(1)} %`,
      pass: addedPercent <= 5,
    },
    {
      name: 'both observers add ≤ 1 µs per chunk (end to end, worst chunk size)',
      actual: `${worstPerChunkUs.toFixed(3)} µs`,
      pass: worstPerChunkUs <= 1,
    },
  ],
  check,
);
if (jsonOut !== undefined)
  writeFileSync(
    jsonOut,
    `${JSON.stringify({ rows, hooks, addedPercent, worstPerChunkUs }, null, 2)}\n`,
  );
