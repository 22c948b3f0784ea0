/**
 * Element streaming in constant memory: a ~100 MB answer whose bulk is one array
 * of ~200,000 records, streamed through `routeStructuredStreaming(...).elements()`
 * with `retainElements: false`, against the bare parser (+ `releaseLast()`) fed
 * the same chunks from the same kind of async iterator.
 *
 * The text is generated lazily, chunk by chunk, from a deterministic pool of
 * records (each stamped with its own id), so the benchmark itself never holds the
 * 100 MB answer. Memory is measured in a separate, untimed run: `heapUsed` after a
 * full gc every 5,000 elements (what the request really keeps) and without gc
 * (live plus not yet collected garbage), relative to `heapUsed` before it started.
 *
 *   node --conditions=@structllm/source --expose-gc src/elements-bench.ts [--quick] [--check] [--json out.json]
 */
import { writeFileSync } from 'node:fs';
import { createJsonStreamParser, jsonSchema, StructuredLLMService } from '@structllm/core';
import type { ProviderCall } from '@structllm/core/provider';
import { seededRandom } from '@structllm/testing';
import { reportGoals } from './goals.ts';
import { collectGarbage, hasGc } from './heap.ts';
import { measureInterleaved } from './measure.ts';
import { benchFlags, replayProvider } from './replay.ts';

const { quick, check: checkGoals, jsonOut } = benchFlags();

const TARGET_BYTES = quick ? 20_000_000 : 100_000_000;
const CHUNK_SIZE = 256;
const POOL = 997;

const WORDS = (
  'premium lightweight durable ergonomic wireless stainless compact waterproof adjustable ' +
  'portable recycled modular quiet rechargeable steel cotton bamboo ceramic aluminium café ' +
  'naïve Zürich Kraków 東京 ✓ — … 🚀'
).split(' ');
const CATEGORIES = ['audio', 'kitchen', 'outdoor', 'office', 'apparel', 'lighting', 'travel'];

/** Record bodies (everything after the id), ~500 bytes each. */
function recordPool(): string[] {
  const rng = seededRandom(0xe1e5);
  const int = (min: number, max: number): number => min + Math.floor(rng() * (max - min + 1));
  const words = (n: number): string =>
    Array.from({ length: n }, () => WORDS[int(0, WORDS.length - 1)]).join(' ');
  const pool: string[] = [];
  for (let i = 0; i < POOL; i++) {
    const body = {
      name: words(int(2, 6)),
      category: CATEGORIES[int(0, CATEGORIES.length - 1)],
      price: Math.round(rng() * 200_000) / 100,
      rating: Math.round((1 + rng() * 4) * 10) / 10,
      inStock: rng() < 0.8,
      tags: Array.from({ length: int(0, 4) }, () => WORDS[int(0, WORDS.length - 1)]),
      dimensions: { widthCm: int(1, 120), heightCm: int(1, 80) },
      description: words(int(25, 45)),
    };
    pool.push(`${JSON.stringify(body).slice(1)}`); // `"name":…}`: the id goes in front
  }
  return pool;
}

const pool = recordPool();
const head = '{"source":"structllm elements bench","currency":"EUR","items":[';
const tail = (count: number): string => `],"count":${count}}`;

/** Record count and total size of the generated answer (the same on every run). */
function planDocument(): { records: number; chars: number } {
  let chars = head.length;
  let records = 0;
  while (chars < TARGET_BYTES - 100) {
    chars +=
      `${records === 0 ? '' : ','}{"id":${records},`.length +
      (pool[records % POOL] as string).length;
    records++;
  }
  chars += tail(records).length;
  return { records, chars };
}
const plan = planDocument();

/** The answer's chunks, generated as they are read. */
function* chunks(): Generator<string, void, undefined> {
  let buffer = head;
  let next = 0;
  for (;;) {
    while (buffer.length < CHUNK_SIZE && next <= plan.records) {
      if (next === plan.records) buffer += tail(plan.records);
      else buffer += `${next === 0 ? '' : ','}{"id":${next},${pool[next % POOL] as string}`;
      next++;
    }
    if (buffer.length === 0) return;
    yield buffer.slice(0, CHUNK_SIZE);
    buffer = buffer.slice(CHUNK_SIZE);
  }
}

const recordSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer', minimum: 0 },
    name: { type: 'string' },
    category: { type: 'string', enum: CATEGORIES },
    price: { type: 'number', minimum: 0 },
    rating: { type: 'number', minimum: 0, maximum: 5 },
    inStock: { type: 'boolean' },
    tags: { type: 'array', items: { type: 'string' } },
    dimensions: {
      type: 'object',
      properties: { widthCm: { type: 'number' }, heightCm: { type: 'number' } },
      required: ['widthCm', 'heightCm'],
    },
    description: { type: 'string' },
  },
  required: ['id', 'name', 'category', 'price'],
  additionalProperties: false,
};
const model = jsonSchema(
  {
    type: 'object',
    properties: {
      source: { type: 'string' },
      currency: { type: 'string' },
      items: { type: 'array', items: recordSchema },
      count: { type: 'integer' },
    },
    required: ['source', 'items', 'count'],
    additionalProperties: false,
  },
  { name: 'catalogue' },
);

const service = new StructuredLLMService({
  providers: [replayProvider(chunks)],
  defaultModel: 'replay/m',
  limits: { maxResponseChars: 1_000_000_000, maxChunks: 100_000_000 },
});

interface RunResult {
  readonly elements: number;
  readonly checksum: number;
}

/** The bare parser with the same async delivery, taking and releasing each element. */
async function bareParser(): Promise<RunResult> {
  let elements = 0;
  let checksum = 0;
  const parser = createJsonStreamParser({
    maxLength: 1_000_000_000,
    onValue: (value, depth) => {
      if (depth !== 2) return;
      elements++;
      checksum += (value as { id: number }).id;
      parser.releaseLast();
    },
  });
  for await (const part of await replayProvider(chunks).doStream({} as ProviderCall)) {
    if (part.type === 'text-delta') parser.write(part.delta);
  }
  parser.end();
  return { elements, checksum };
}

/** `elements()` with `retainElements: false`; `sample` is called every 5,000 elements. */
async function throughEngine(sample?: () => void, streamingChunkSize = 0): Promise<RunResult> {
  const stream = service.routeStructuredStreaming({
    prompt: 'catalogue',
    responseModel: model,
    elementPath: 'items',
    retainElements: false,
    streamingChunkSize,
  });
  let elements = 0;
  let checksum = 0;
  for await (const element of stream.elements<{ id: number }>()) {
    if (element.error !== undefined) throw element.error;
    elements++;
    checksum += element.value.id;
    if (sample !== undefined && elements % 5_000 === 0) sample();
  }
  const result = (await stream.result) as { count: number; items: unknown[] };
  if (result.count !== elements || result.items.length !== 0 || stream.elementCount !== elements) {
    throw new Error('the engine lost or kept elements');
  }
  return { elements, checksum };
}

const expected = { elements: plan.records, checksum: (plan.records * (plan.records - 1)) / 2 };
const check = (result: unknown): void => {
  const { elements, checksum } = result as RunResult;
  if (elements !== expected.elements || checksum !== expected.checksum) {
    throw new Error(`wrong elements: ${elements} (checksum ${checksum})`);
  }
};

console.error(
  `elements bench: ${(plan.chars / 1e6).toFixed(1)} M chars, ${plan.records} records, ${CHUNK_SIZE}-char chunks`,
);

// Memory first, on a fresh heap: peak growth over the baseline, after gc and without.
collectGarbage();
const baseline = process.memoryUsage().heapUsed;
let peakRetained = 0;
let peakRaw = 0;
const memoryRun = await throughEngine(() => {
  peakRaw = Math.max(peakRaw, process.memoryUsage().heapUsed - baseline);
  if (hasGc()) {
    collectGarbage();
    peakRetained = Math.max(peakRetained, process.memoryUsage().heapUsed - baseline);
  }
});
check(memoryRun);

// Throughput: interleaved rounds of the bare parser and the engine.
const options = {
  iterations: quick ? 3 : 5,
  warmup: 1,
  maxTimeMs: quick ? 30_000 : 120_000,
  minIterations: 3,
  check,
};
const THINNED = 16_384;
const [parser, engine, thinned] = await measureInterleaved([
  { name: 'parser + releaseLast', fn: bareParser, options },
  { name: 'elements()', fn: () => throughEngine(), options },
  { name: 'elements(), thinned partials', fn: () => throughEngine(undefined, THINNED), options },
]);
if (parser === undefined || engine === undefined || thinned === undefined) {
  throw new Error('measurement missing');
}
const ratio = engine.median / parser.median;
const thinnedRatio = thinned.median / parser.median;
const mbPerSecond = (ms: number): number => plan.chars / 1e6 / (ms / 1000);
const MB = 1_000_000;

console.log(
  `## Element streaming (${(plan.chars / 1e6).toFixed(0)} MB array answer, ${plan.records} records, ${CHUNK_SIZE}-char chunks, Node ${process.version})`,
);
console.log('| run | median ms | MB/s |');
console.log('| --- | --- | --- |');
console.log(
  `| bare parser + releaseLast | ${parser.median.toFixed(0)} | ${mbPerSecond(parser.median).toFixed(1)} |`,
);
console.log(
  `| elements(), retainElements: false | ${engine.median.toFixed(0)} | ${mbPerSecond(engine.median).toFixed(1)} |`,
);
console.log(
  `| the same with streamingChunkSize: ${THINNED} (fewer partial responses) | ${thinned.median.toFixed(0)} | ${mbPerSecond(thinned.median).toFixed(1)} |`,
);
const heapNote = hasGc() ? '' : ' (run with --expose-gc for the retained figure)';
console.log(
  `\nPeak heap growth while streaming: ${(peakRetained / MB).toFixed(1)} MB retained (after gc), ${(peakRaw / MB).toFixed(1)} MB including uncollected garbage${heapNote}`,
);
reportGoals(
  [
    {
      name: 'peak heap growth ≤ 32 MB',
      actual: hasGc()
        ? `${(peakRetained / MB).toFixed(1)} MB`
        : 'not measured (run with --expose-gc)',
      pass: hasGc() ? peakRetained <= 32 * MB : undefined,
    },
    {
      name: 'elements() ≤ 1.5× the bare parser (+releaseLast)',
      actual: `×${ratio.toFixed(2)} (×${thinnedRatio.toFixed(2)} with streamingChunkSize ${THINNED})`,
      pass: ratio <= 1.5,
    },
  ],
  checkGoals,
);
if (jsonOut !== undefined) {
  writeFileSync(
    jsonOut,
    `${JSON.stringify(
      {
        chars: plan.chars,
        records: plan.records,
        chunkSize: CHUNK_SIZE,
        parserMs: parser.median,
        engineMs: engine.median,
        ratio,
        thinnedMs: thinned.median,
        thinnedRatio,
        peakRetainedBytes: peakRetained,
        peakRawBytes: peakRaw,
      },
      null,
      2,
    )}\n`,
  );
}
