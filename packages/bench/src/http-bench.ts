/**
 * `@structllm/http` on the wire: bytes, client CPU and end-to-end latency for
 * a structured answer sent as the protocol's event stream (docs/protocol.md),
 * side by side with the ways a partial object otherwise reaches a browser.
 *
 * Bytes: a real `StructuredLLMService` stream (100 KB and 1 MB catalogues in
 * 4-character chunks) through `toEventStreamResponse` with default options,
 * counting the response body, against `JSON.stringify(partial)` per chunk and
 * the AI SDK's text stream (the `useObject` path sends the model's text deltas
 * as plain text: its bytes are the raw text itself). The chunks arrive as fast
 * as the engine takes them (a burst); a second table paces them on a simulated
 * clock (the `now` option: the model writes N characters per second) to show
 * what the coalescing window costs a slow model in bytes and in waiting.
 *
 * Client CPU: the event stream is recorded once, then `readStructuredStream`
 * reads it from an in-memory `Response` (no network) and every response is
 * consumed, against core's bare parser fed the same 4-character chunks, and
 * `ai`'s `parsePartialJson` on the accumulated text per chunk (the `useObject`
 * path; quadratic, so capped at 100 KB unless `--full`).
 *
 * End to end, through real `node:http` servers on 127.0.0.1: the added
 * latency per chunk (from the model writing it to the client's partial
 * holding it) for one client in process, and 1,000 concurrent clients
 * (`fetch` + `readStructuredStream`) against one server process (this script
 * run with `--serve`), each streaming its own paced request: none may be lost,
 * within 120 s. `--clients N` changes their number (`--quick`: 200).
 *
 *   node --conditions=@structllm/source --expose-gc src/http-bench.ts [--quick] [--full] [--check] [--clients N] [--json out.json]
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import {
  createJsonStreamParser,
  StructuredLLMService,
  type StructuredProvider,
} from '@structllm/core';
import type { ProviderPart } from '@structllm/core/provider';
import { type EventStreamOptions, toEventStreamResponse, writeEventStream } from '@structllm/http';
import { readStructuredStream } from '@structllm/http/client';
import { parsePartialJson } from 'ai';
import { type BenchDocument, catalogueModel, generateCatalogue, splitChunks } from './documents.ts';
import { reportGoals } from './goals.ts';
import { measureInterleaved } from './measure.ts';
import { benchFlags, replayProvider } from './replay.ts';

const CHUNK = 4;
/** The paced model of the end-to-end runs: one 4-character chunk every this many ms. */
const PACE_MS = 10;

// --- A paced model (end to end) -------------------------------------------------

/**
 * A provider writing `chunks` one every `paceMs` (real time), calling
 * `onChunk(index)` just before each goes to the engine.
 */
function pacedProvider(
  chunks: readonly string[],
  paceMs: number,
  onChunk: (index: number) => void = () => undefined,
): StructuredProvider {
  async function* parts(): AsyncGenerator<ProviderPart> {
    for (let i = 0; i < chunks.length; i++) {
      await new Promise((resolve) => setTimeout(resolve, paceMs));
      onChunk(i);
      yield { type: 'text-delta', delta: chunks[i] as string };
    }
    yield { type: 'finish', finishReason: 'stop' };
  }
  return {
    specificationVersion: 'v1',
    id: 'paced',
    supports: () => ({ streaming: true, modes: ['json_schema'] }),
    doStream: async () => parts(),
    doGenerate: async () => ({ text: chunks.join(''), finishReason: 'stop' }),
  };
}

/** A small answer for the end-to-end runs (one catalogue record, ~3 KB). */
const smallDocument = generateCatalogue({ targetBytes: 1_000, seed: 0x5eed, label: 'small' });
const smallChunks = splitChunks(smallDocument.text, CHUNK);

/** `--serve`: one server process for the concurrency run; prints its port, ends with stdin. */
async function serve(): Promise<void> {
  const service = new StructuredLLMService({
    providers: [pacedProvider(smallChunks, PACE_MS)],
    defaultModel: 'paced/m',
  });
  const server = createServer((_req, res) => {
    void writeEventStream(
      service.routeStructuredStreaming({ prompt: 'x', responseModel: catalogueModel }),
      res,
      { heartbeatMs: 0 },
    );
  });
  server.maxConnections = 10_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', 4096, resolve));
  process.stdout.write(`${(server.address() as AddressInfo).port}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => process.exit(0));
}

if (process.argv.includes('--serve')) {
  await serve();
} else {
  await main();
}

async function main(): Promise<void> {
  const { quick, check, jsonOut } = benchFlags();
  const full = process.argv.includes('--full');
  /** `JSON.stringify(partial)` per chunk of 1 MB is ~125 GB of output: every this-many-th partial is measured. */
  const STRINGIFY_SAMPLE = 1_000;

  const stream = (chunks: readonly string[]) =>
    new StructuredLLMService({
      providers: [replayProvider(() => chunks[Symbol.iterator]())],
      defaultModel: 'replay/m',
    }).routeStructuredStreaming({ prompt: 'x', responseModel: catalogueModel });

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
   * The protocol's bytes for a model writing `charsPerSecond`, on a simulated
   * clock that moves on by one chunk's time as each chunk is read.
   */
  async function pacedWire(chunks: readonly string[], charsPerSecond: number) {
    let now = 0;
    const msPerChunk = (CHUNK * 1000) / charsPerSecond;
    const paced = new StructuredLLMService({
      providers: [
        replayProvider(() => {
          const source = chunks[Symbol.iterator]();
          return {
            next: () => {
              now += msPerChunk;
              return source.next();
            },
          };
        }),
      ],
      defaultModel: 'replay/m',
    }).routeStructuredStreaming({ prompt: 'x', responseModel: catalogueModel });
    const response = toEventStreamResponse(paced, { heartbeatMs: 0, now: () => now });
    return new Uint8Array(await response.arrayBuffer());
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

  /** Events of a recorded body (each ends with a blank line). */
  const eventsIn = (body: Uint8Array): number =>
    new TextDecoder().decode(body).split('\n\n').length - 1;

  // --- Contenders for client CPU ------------------------------------------------

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

  // --- Bytes --------------------------------------------------------------------

  interface BytesRow {
    readonly document: string;
    readonly rawBytes: number;
    readonly chunks: number;
    readonly protocolBytes: number;
    readonly events: number;
    readonly stringifyBytes: number;
    readonly stringifyExact: boolean;
  }

  const documents: BenchDocument[] = [
    generateCatalogue({ targetBytes: 100_000, seed: 0x5eed }),
    generateCatalogue({ targetBytes: 1_000_000, seed: 0x5eed }),
  ];

  const started = performance.now();
  const bytesRows: BytesRow[] = [];
  let recorded: { body: Uint8Array; headers: Headers } | undefined;
  for (const document of documents) {
    const chunks = splitChunks(document.text, CHUNK);
    const wire = await recordWire(chunks, {});
    if (document === documents[1]) recorded = wire;
    const exact = document === documents[0] || full;
    bytesRows.push({
      document: document.label,
      rawBytes: document.bytes,
      chunks: chunks.length,
      protocolBytes: wire.body.byteLength,
      events: eventsIn(wire.body),
      stringifyBytes: await stringifyBytes(chunks, exact ? 1 : STRINGIFY_SAMPLE),
      stringifyExact: exact,
    });
  }

  const mb = (bytes: number): string =>
    bytes >= 1e9 ? `${(bytes / 1e9).toFixed(1)} GB` : `${(bytes / 1e6).toFixed(2)} MB`;
  const times = (value: number): string => `×${value < 10 ? value.toFixed(2) : value.toFixed(0)}`;

  console.log(`## Bytes on the wire (${CHUNK}-character chunks, × the model's raw text)\n`);
  console.log(
    "Default options (`coalesceMs: 50`, `maxEventChars: 1024`), chunks arriving as fast as the engine takes them. The AI SDK's `useObject` path streams the model's text deltas as plain text: its bytes are the raw text itself (×1.00). `JSON.stringify(partial)` counts the JSON of each partial only, no framing (a lower bound for any transport sending whole partials).\n",
  );
  console.log(
    '| document | raw text (= AI SDK text stream) | @structllm/http | JSON.stringify(partial) per chunk |',
  );
  console.log('| --- | --- | --- | --- |');
  for (const row of bytesRows) {
    const stringify = `${mb(row.stringifyBytes)} ${times(row.stringifyBytes / row.rawBytes)}${row.stringifyExact ? '' : ` (estimated: every ${STRINGIFY_SAMPLE.toLocaleString('en')}th partial; --full for exact)`}`;
    console.log(
      `| ${row.document} (${row.chunks} chunks) | ${mb(row.rawBytes)} ×1.00 | ${mb(row.protocolBytes)} ${times(row.protocolBytes / row.rawBytes)} (${row.events} events) | ${stringify} |`,
    );
  }

  // A model paced on a simulated clock: what the coalescing window costs.
  const paceDocument = documents[0] as BenchDocument;
  const paceChunks = splitChunks(paceDocument.text, CHUNK);
  const rates = [200, 500, 2_000, 5_000, 20_000];
  const pacedRows: { charsPerSecond: number; bytes: number; events: number }[] = [];
  for (const charsPerSecond of rates) {
    const body = await pacedWire(paceChunks, charsPerSecond);
    pacedRows.push({
      charsPerSecond,
      bytes: body.byteLength,
      events: eventsIn(body),
    });
  }
  console.log(
    `\n### A paced model (${paceDocument.label}, ${CHUNK}-character chunks, simulated clock): bytes against waiting\n`,
  );
  console.log(
    'Text waits until 1,024 characters wait or 50 ms passed since its first character, whichever comes first: a slow model pays more framing per character (in absolute terms a few hundred bytes a second), a fast one next to none. What the window adds to latency is measured end to end below.\n',
  );
  console.log('| model writes | bytes × raw text | events | characters per event |');
  console.log('| --- | --- | --- | --- |');
  for (const row of pacedRows) {
    console.log(
      `| ${row.charsPerSecond.toLocaleString('en')} chars/s | ${times(row.bytes / paceDocument.bytes)} | ${row.events} | ${(paceDocument.bytes / row.events).toFixed(0)} |`,
    );
  }

  // --- Client CPU -----------------------------------------------------------------

  if (recorded === undefined) throw new Error('the 1 MB event stream was not recorded');
  const wire = recorded;
  const large = documents[1] as BenchDocument;
  const largeChunks = splitChunks(large.text, CHUNK);
  // The worst case: every chunk its own event (`coalesceMs: 0` with a model slower than a turn).
  const perChunkWire = await recordWire(largeChunks, { coalesceMs: 0, maxEventChars: 1 });
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
  const [parserRun, clientRun, perChunkRun, aiRun] = await measureInterleaved([
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
      name: 'client, 1 chunk/event',
      fn: () => client(perChunkWire),
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
  if (
    parserRun === undefined ||
    clientRun === undefined ||
    perChunkRun === undefined ||
    aiRun === undefined
  ) {
    throw new Error('a measurement is missing');
  }

  const perMb = (ms: number, bytes: number): string => `${((ms * 1e6) / bytes).toFixed(0)} ms/MB`;
  const clientRatio = clientRun.median / parserRun.median;
  console.log(
    `\n## Client CPU: rebuilding the partials of ${large.label} in ${CHUNK}-character chunks (in process, median of ${parserRun.samples.length})\n`,
  );
  console.log(
    `The client reads the event stream recorded above (default options: ${eventsIn(wire.body)} events, ${(wire.body.byteLength / 1e6).toFixed(2)} MB) from an in-memory \`Response\`, and, for the worst case, one recorded with every chunk in its own event (${eventsIn(perChunkWire.body)} events, ${(perChunkWire.body.byteLength / 1e6).toFixed(2)} MB).\n`,
  );
  console.log('| contender | median | per MB | × bare parser |');
  console.log('| --- | --- | --- | --- |');
  console.log(
    `| core \`createJsonStreamParser\` fed the chunks | ${parserRun.median.toFixed(1)} ms | ${perMb(parserRun.median, large.bytes)} | ×1.00 |`,
  );
  console.log(
    `| \`readStructuredStream\` (@structllm/http/client), default wire | ${clientRun.median.toFixed(1)} ms | ${perMb(clientRun.median, large.bytes)} | ${times(clientRatio)} |`,
  );
  console.log(
    `| \`readStructuredStream\`, 1 chunk per event | ${perChunkRun.median.toFixed(1)} ms | ${perMb(perChunkRun.median, large.bytes)} | ${times(perChunkRun.median / parserRun.median)} |`,
  );
  const aiPerMb = (aiRun.median * 1e6) / aiDocument.bytes;
  console.log(
    `| \`ai\` \`parsePartialJson\` on the accumulated text per chunk (useObject) | ${aiRun.median.toFixed(0)} ms at ${aiDocument.label}${full ? '' : ' (capped)'} | ${aiPerMb.toFixed(0)} ms/MB${full ? '' : ' (capped: measured at 100 KB; quadratic, so at 1 MB ~10× more per MB)'} | ${times(aiPerMb / ((parserRun.median * 1e6) / large.bytes))} (per MB${full ? '' : ', capped'}) |`,
  );

  // --- End to end -----------------------------------------------------------------

  const latency = await latencyRun(quick);
  console.log(
    `\n## End to end through node:http on 127.0.0.1 (${(smallDocument.bytes / 1000).toFixed(1)} KB answers, a ${CHUNK}-character chunk every ${PACE_MS} ms)\n`,
  );
  console.log(
    'Added latency: from the model handing a chunk to the engine to the client yielding a partial that holds it (server and client in one process, one request at a time).\n',
  );
  console.log('| server options | chunks timed | p50 | p99 |');
  console.log('| --- | --- | --- | --- |');
  for (const row of latency) {
    console.log(
      `| ${row.label} | ${row.samples} | ${row.p50.toFixed(1)} ms | ${row.p99.toFixed(1)} ms |`,
    );
  }
  const clientsAt = process.argv.indexOf('--clients');
  const clients = clientsAt === -1 ? (quick ? 200 : 1_000) : Number(process.argv[clientsAt + 1]);
  const crowd = await crowdRun(clients);
  console.log(
    `\n${clients.toLocaleString('en')} concurrent clients (\`fetch\` + \`readStructuredStream\`, this process) on one server process: ${crowd.ok} complete and equal to the answer, ${crowd.lost} lost, in ${(crowd.ms / 1000).toFixed(1)} s (each stream alone takes ${((smallChunks.length * PACE_MS) / 1000).toFixed(1)} s).`,
  );
  console.log(`\n(${((performance.now() - started) / 1000).toFixed(0)} s)\n`);

  const worst = Math.max(...bytesRows.map((row) => row.protocolBytes / row.rawBytes));
  const defaults = latency[0];
  reportGoals(
    [
      {
        name: `protocol bytes ≤ 1.3× raw text, ${CHUNK}-character chunks, default options (100 KB, 1 MB)`,
        actual: bytesRows.map((row) => times(row.protocolBytes / row.rawBytes)).join(', '),
        pass: worst <= 1.3,
      },
      {
        name: `client CPU ≤ 2× the bare parser (1 MB, ${CHUNK}-character chunks)`,
        actual: `${times(clientRatio)} (${clientRun.median.toFixed(1)} ms vs ${parserRun.median.toFixed(1)} ms)`,
        pass: clientRatio <= 2,
      },
      {
        name: 'added latency per chunk through loopback HTTP, default options: p50 ≤ coalesceMs (50 ms)',
        actual:
          defaults === undefined
            ? 'not measured'
            : `p50 ${defaults.p50.toFixed(1)} ms, p99 ${defaults.p99.toFixed(1)} ms`,
        pass: defaults === undefined ? undefined : defaults.p50 <= 50,
      },
      {
        name: `${clients.toLocaleString('en')} concurrent clients on one server process, 0 lost`,
        actual: `${crowd.lost} lost of ${clients} (${(crowd.ms / 1000).toFixed(1)} s)`,
        pass: crowd.lost === 0,
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
          paced: { document: paceDocument.label, rows: pacedRows },
          cpu: {
            document: large.label,
            parser: parserRun,
            client: clientRun,
            clientPerChunk: perChunkRun,
          },
          ai: { document: aiDocument.label, capped: !full, run: aiRun },
          latency,
          crowd: { clients, ...crowd },
        },
        null,
        2,
      )}\n`,
    );
  }
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

/** Added latency per chunk, one client at a time, for the default options and `coalesceMs: 0`. */
async function latencyRun(
  quick: boolean,
): Promise<{ label: string; samples: number; p50: number; p99: number }[]> {
  const ends: number[] = [];
  let end = 0;
  for (const chunk of smallChunks) {
    end += chunk.length;
    ends.push(end);
  }
  const rows = [];
  for (const { label, options } of [
    { label: 'default (`coalesceMs: 50`, `maxEventChars: 1024`)', options: {} },
    { label: '`coalesceMs: 0`', options: { coalesceMs: 0 } },
  ]) {
    const written: number[] = [];
    const service = new StructuredLLMService({
      providers: [pacedProvider(smallChunks, PACE_MS, (i) => (written[i] = performance.now()))],
      defaultModel: 'paced/m',
    });
    const server: Server = createServer((_req, res) => {
      void writeEventStream(
        service.routeStructuredStreaming({ prompt: 'x', responseModel: catalogueModel }),
        res,
        { heartbeatMs: 0, ...options },
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const samples: number[] = [];
    for (let run = 0; run < (quick ? 1 : 3); run++) {
      written.length = 0;
      let received = 0;
      let next = 0;
      for await (const response of readStructuredStream(url)) {
        if (response.error) throw response.error;
        const now = performance.now();
        for (const text of response.rawChunks ?? []) received += text.length;
        while (next < ends.length && (ends[next] as number) <= received) {
          samples.push(now - (written[next] as number));
          next++;
        }
      }
    }
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    samples.sort((a, b) => a - b);
    rows.push({
      label,
      samples: samples.length,
      p50: percentile(samples, 50),
      p99: percentile(samples, 99),
    });
  }
  return rows;
}

/** `clients` concurrent streams against one server process; bounded in time. */
async function crowdRun(clients: number): Promise<{ ok: number; lost: number; ms: number }> {
  const child = spawn(
    process.execPath,
    ['--conditions=@structllm/source', fileURLToPath(import.meta.url), '--serve'],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  try {
    const lines = createInterface({ input: child.stdout });
    const port = await new Promise<string>((resolve, reject) => {
      lines.once('line', resolve);
      child.once('exit', () => reject(new Error('the server process ended')));
    });
    const url = `http://127.0.0.1:${port}`;
    const expected = JSON.stringify(JSON.parse(smallDocument.text));
    const budgetMs = 120_000;
    const signal = AbortSignal.timeout(budgetMs);
    const started = performance.now();
    let firstError: unknown;
    const outcomes = await Promise.all(
      Array.from({ length: clients }, async () => {
        try {
          const stream = readStructuredStream(url, { signal, reconnect: false });
          return JSON.stringify(await stream.result) === expected;
        } catch (error) {
          firstError ??= error;
          return false;
        }
      }),
    );
    if (firstError !== undefined) {
      const e = firstError as { message?: string; code?: string; cause?: unknown };
      process.stderr.write(
        `[http-bench] a client failed: ${e.code ?? ''} ${e.message ?? String(firstError)}\n`,
      );
    }
    const ok = outcomes.filter(Boolean).length;
    return { ok, lost: clients - ok, ms: performance.now() - started };
  } finally {
    child.stdin?.end();
    child.kill();
  }
}
