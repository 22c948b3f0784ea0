/**
 * `@structllm/http` on the wire: bytes and client CPU for a structured answer
 * sent as the protocol's event stream (docs/protocol.md), side by side with the
 * ways a partial object otherwise reaches a browser.
 *
 * Bytes: a real `StructuredLLMService` stream (100 KB and 1 MB catalogues in
 * 4-character chunks) through `toEventStreamResponse`, counting the response
 * body, against `JSON.stringify(partial)` per chunk and the AI SDK's text
 * stream (the `useObject` path sends the model's text deltas as plain text:
 * its bytes are the raw text itself). How many chunks share an event depends
 * on when they arrive, so the protocol is measured with chunks arriving in one
 * burst (faster than the event loop turns: default options) and with a fixed
 * number of chunks per event (`maxEventChars` = 4 × that number, which is what
 * the default `coalesceMs: 0` does with a model paced slower than a turn, or a
 * `coalesceMs` window holding that many chunks — fixed so the figure does not
 * depend on this machine's timing).
 *
 * Client CPU: the event stream is recorded once, then `readStructuredStream`
 * reads it from an in-memory `Response` (no network) and every response is
 * consumed, against core's bare parser fed the same 4-character chunks, and
 * `ai`'s `parsePartialJson` on the accumulated text per chunk (the `useObject`
 * path; quadratic, so capped at 100 KB unless `--full`).
 *
 *   node --conditions=@structllm/source --expose-gc src/http-bench.ts [--quick] [--full] [--check] [--json out.json]
 */
import { writeFileSync } from 'node:fs';
import { createJsonStreamParser, StructuredLLMService } from '@structllm/core';
import { type EventStreamOptions, toEventStreamResponse } from '@structllm/http';
import { readStructuredStream } from '@structllm/http/client';
import { parsePartialJson } from 'ai';
import { type BenchDocument, catalogueModel, generateCatalogue, splitChunks } from './documents.ts';
import { reportGoals } from './goals.ts';
import { measureInterleaved } from './measure.ts';
import { benchFlags, replayProvider } from './replay.ts';

const { quick, check, jsonOut } = benchFlags();
const full = process.argv.includes('--full');
const CHUNK = 4;
/** `JSON.stringify(partial)` per chunk of 1 MB is ~125 GB of output: every this-many-th partial is measured. */
const STRINGIFY_SAMPLE = 1_000;

function service(chunks: readonly string[]): StructuredLLMService {
  return new StructuredLLMService({
    providers: [replayProvider(() => chunks[Symbol.iterator]())],
    defaultModel: 'replay/m',
  });
}

const stream = (chunks: readonly string[]) =>
  service(chunks).routeStructuredStreaming({ prompt: 'x', responseModel: catalogueModel });

/** The protocol's response for the request, with its body read whole. */
async function recordWire(
  chunks: readonly string[],
  options: EventStreamOptions,
): Promise<{ body: Uint8Array; headers: Headers }> {
  const response = toEventStreamResponse(stream(chunks), { heartbeatMs: 0, ...options });
  const body = new Uint8Array(await response.arrayBuffer());
  return { body, headers: response.headers };
}

/**
 * UTF-8 bytes of `JSON.stringify(partialResult)` over every response of the
 * request: exact when `every` is 1, otherwise every `every`-th partial × `every`.
 */
async function stringifyBytes(chunks: readonly string[], every: number): Promise<number> {
  let total = 0;
  let index = 0;
  for await (const response of stream(chunks)) {
    if (response.error) throw response.error;
    if (index++ % every !== 0) continue;
    total += Buffer.byteLength(JSON.stringify(response.partialResult) ?? '') * every;
  }
  return total;
}

function textOf(body: Uint8Array): string {
  return new TextDecoder().decode(body);
}

const events = (body: Uint8Array): number => (textOf(body).match(/^event: text$/gm) ?? []).length;

// --- Contenders for client CPU --------------------------------------------------

async function client(wire: { body: Uint8Array; headers: Headers }): Promise<unknown> {
  let last: unknown;
  for await (const response of readStructuredStream(
    new Response(wire.body, { headers: wire.headers }),
  )) {
    if (response.error) throw response.error;
    last = response.partialResult;
  }
  return last;
}

function bareParser(chunks: readonly string[]): unknown {
  const parser = createJsonStreamParser();
  let seen: unknown;
  for (const chunk of chunks) {
    parser.write(chunk);
    seen = parser.value;
  }
  parser.end();
  return seen ?? parser.value;
}

async function aiPartials(chunks: readonly string[]): Promise<unknown> {
  let text = '';
  let value: unknown;
  for (const chunk of chunks) {
    text += chunk;
    const result = await parsePartialJson(text);
    if (result.state !== 'failed-parse') value = result.value;
  }
  return value;
}

// --- Bytes ----------------------------------------------------------------------

interface BytesRow {
  readonly document: string;
  readonly rawBytes: number;
  readonly chunks: number;
  /** Protocol bytes and text events per pacing, keyed by its label. */
  readonly protocol: Record<string, { bytes: number; textEvents: number }>;
  readonly stringifyBytes: number;
  readonly stringifyExact: boolean;
}

const PACINGS: ReadonlyArray<{ readonly label: string; readonly options: EventStreamOptions }> = [
  { label: 'burst', options: {} },
  { label: '1 chunk/event', options: { maxEventChars: CHUNK } },
  { label: '4 chunks/event', options: { maxEventChars: 4 * CHUNK } },
  { label: '16 chunks/event', options: { maxEventChars: 16 * CHUNK } },
];

const documents: BenchDocument[] = [
  generateCatalogue({ targetBytes: 100_000, seed: 0x5eed }),
  generateCatalogue({ targetBytes: 1_000_000, seed: 0x5eed }),
];

const started = performance.now();
const bytesRows: BytesRow[] = [];
let recorded: { body: Uint8Array; headers: Headers } | undefined;
for (const document of documents) {
  const chunks = splitChunks(document.text, CHUNK);
  const protocol: BytesRow['protocol'] = {};
  for (const pacing of PACINGS) {
    const wire = await recordWire(chunks, pacing.options);
    protocol[pacing.label] = { bytes: wire.body.byteLength, textEvents: events(wire.body) };
    if (document === documents[1] && pacing.label === '1 chunk/event') recorded = wire;
  }
  const exact = document === documents[0] || full;
  bytesRows.push({
    document: document.label,
    rawBytes: document.bytes,
    chunks: chunks.length,
    protocol,
    stringifyBytes: await stringifyBytes(chunks, exact ? 1 : STRINGIFY_SAMPLE),
    stringifyExact: exact,
  });
}

const mb = (bytes: number): string =>
  bytes >= 1e9 ? `${(bytes / 1e9).toFixed(1)} GB` : `${(bytes / 1e6).toFixed(2)} MB`;
const times = (value: number): string => `×${value < 10 ? value.toFixed(2) : value.toFixed(0)}`;

console.log(`## Bytes on the wire (${CHUNK}-character chunks, × the model's raw text)\n`);
console.log(
  "The AI SDK's `useObject` path streams the model's text deltas as plain text: its bytes are modelled as the raw text itself (×1.00). `JSON.stringify(partial)` counts the JSON of each partial only, no framing (a lower bound for any transport sending whole partials). The protocol's events: **burst** = chunks arriving faster than the event loop turns (default options: one event per ≤ 65,536 characters); **N chunks/event** = what the default `coalesceMs: 0` sends for a model paced slower than an event-loop turn (1), or a `coalesceMs` window holding N chunks.\n",
);
console.log(
  `| document | raw text (= AI SDK text stream) | ${PACINGS.map((p) => `protocol, ${p.label}`).join(' | ')} | JSON.stringify(partial) per chunk |`,
);
console.log(`| --- | --- | ${PACINGS.map(() => '---').join(' | ')} | --- |`);
for (const row of bytesRows) {
  const cells = PACINGS.map((p) => {
    const { bytes, textEvents } = row.protocol[p.label] as { bytes: number; textEvents: number };
    return `${mb(bytes)} ${times(bytes / row.rawBytes)} (${textEvents} text events)`;
  });
  const stringify = `${mb(row.stringifyBytes)} ${times(row.stringifyBytes / row.rawBytes)}${row.stringifyExact ? '' : ` (estimated: every ${STRINGIFY_SAMPLE.toLocaleString('en')}th partial; --full for exact)`}`;
  console.log(
    `| ${row.document} (${row.chunks} chunks) | ${mb(row.rawBytes)} ×1.00 | ${cells.join(' | ')} | ${stringify} |`,
  );
}

// --- Client CPU -----------------------------------------------------------------

if (recorded === undefined) throw new Error('the 1 MB event stream was not recorded');
const wire = recorded;
const large = documents[1] as BenchDocument;
const largeChunks = splitChunks(large.text, CHUNK);
const aiDocument = full ? large : (documents[0] as BenchDocument);
const aiChunks = splitChunks(aiDocument.text, CHUNK);
const expected = JSON.parse(large.text) as unknown;
const same = (label: string, want: unknown) => (value: unknown) => {
  if (JSON.stringify(value) !== JSON.stringify(want)) {
    throw new Error(`${label} did not rebuild the document`);
  }
};
const options = {
  iterations: quick ? 3 : 9,
  warmup: 1,
  maxTimeMs: quick ? 5_000 : 30_000,
};
const [parserRun, clientRun, aiRun] = await measureInterleaved([
  {
    name: 'parser',
    fn: () => bareParser(largeChunks),
    options: { ...options, check: same('the bare parser', expected) },
  },
  {
    name: 'client',
    fn: () => client(wire),
    options: { ...options, check: same('readStructuredStream', expected) },
  },
  {
    name: 'ai',
    fn: () => aiPartials(aiChunks),
    options: {
      ...options,
      iterations: quick ? 1 : 3,
      // Seconds per run: the first timed run is checked instead of a warmup.
      warmup: 0,
      check: same('parsePartialJson', JSON.parse(aiDocument.text)),
    },
  },
]);
if (parserRun === undefined || clientRun === undefined || aiRun === undefined) {
  throw new Error('a measurement is missing');
}

const perMb = (ms: number, bytes: number): string => `${((ms * 1e6) / bytes).toFixed(0)} ms/MB`;
const clientRatio = clientRun.median / parserRun.median;
console.log(
  `\n## Client CPU: rebuilding every partial of ${large.label} in ${CHUNK}-character chunks (in process, median of ${parserRun.samples.length})\n`,
);
console.log(
  `The client reads the event stream recorded at 1 chunk/event (${(recorded.body.byteLength / 1e6).toFixed(2)} MB, one partial per chunk) from an in-memory \`Response\`.\n`,
);
console.log('| contender | median | per MB | × bare parser |');
console.log('| --- | --- | --- | --- |');
console.log(
  `| core \`createJsonStreamParser\` fed the chunks | ${parserRun.median.toFixed(1)} ms | ${perMb(parserRun.median, large.bytes)} | ×1.00 |`,
);
console.log(
  `| \`readStructuredStream\` (@structllm/http/client) | ${clientRun.median.toFixed(1)} ms | ${perMb(clientRun.median, large.bytes)} | ${times(clientRatio)} |`,
);
const aiPerMb = (aiRun.median * 1e6) / aiDocument.bytes;
console.log(
  `| \`ai\` \`parsePartialJson\` on the accumulated text per chunk (useObject) | ${aiRun.median.toFixed(0)} ms at ${aiDocument.label}${full ? '' : ' (capped)'} | ${aiPerMb.toFixed(0)} ms/MB${full ? '' : ' (capped: measured at 100 KB; quadratic, so at 1 MB ~10× more per MB)'} | ${times(aiPerMb / ((parserRun.median * 1e6) / large.bytes))} (per MB${full ? '' : ', capped'}) |`,
);
console.log(`\n(${((performance.now() - started) / 1000).toFixed(0)} s)\n`);

const at1mb = bytesRows[1] as BytesRow;
const ratioOf = (row: BytesRow, label: string): number =>
  (row.protocol[label] as { bytes: number }).bytes / row.rawBytes;
const burstWorst = Math.max(...bytesRows.map((row) => ratioOf(row, 'burst')));
const pacedWorst = Math.max(...bytesRows.map((row) => ratioOf(row, '1 chunk/event')));
reportGoals(
  [
    {
      name: 'protocol bytes ≤ 1.3× raw text, chunks arriving in a burst (100 KB, 1 MB)',
      actual: bytesRows.map((row) => times(ratioOf(row, 'burst'))).join(', '),
      pass: burstWorst <= 1.3,
    },
    {
      name: 'protocol bytes ≤ 1.3× raw text, one chunk per event (default options, a paced model)',
      actual: bytesRows.map((row) => times(ratioOf(row, '1 chunk/event'))).join(', '),
      pass: pacedWorst <= 1.3,
    },
    {
      name: `client CPU ≤ 2× the bare parser (1 MB, ${CHUNK}-character chunks)`,
      actual: `${times(clientRatio)} (${clientRun.median.toFixed(1)} ms vs ${parserRun.median.toFixed(1)} ms)`,
      pass: clientRatio <= 2,
    },
  ],
  check,
);
if (jsonOut !== undefined) {
  writeFileSync(
    jsonOut,
    `${JSON.stringify(
      {
        chunkSize: CHUNK,
        bytes: bytesRows,
        cpu: { document: large.label, parser: parserRun, client: clientRun },
        ai: { document: aiDocument.label, capped: !full, run: aiRun },
        wireBytes1Mb: at1mb.protocol,
      },
      null,
      2,
    )}\n`,
  );
}
