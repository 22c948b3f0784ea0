/** Renders a parser benchmark run as Markdown. */
import { formatGoal } from './goals.ts';
import type { BenchResults, ContenderResult, DocumentInfo, SizeResult } from './results.ts';

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** Milliseconds with about three significant digits. */
function formatMs(ms: number): string {
  if (ms < 1) return ms.toFixed(3);
  if (ms < 10) return ms.toFixed(2);
  if (ms < 100) return ms.toFixed(1);
  return integer.format(ms);
}

function formatBytes(bytes: number): string {
  if (Math.abs(bytes) >= 1_000_000) return `${(bytes / 1_000_000).toFixed(2)} MB`;
  return `${(bytes / 1_000).toFixed(1)} KB`;
}

function times(value: number): string {
  if (value < 10) return `×${value.toFixed(2)}`;
  return value < 100 ? `×${value.toFixed(1)}` : `×${integer.format(value)}`;
}

function msPerMb(result: SizeResult): number {
  return result.measurement.median / (result.bytes / 1_000_000);
}

function row(
  c: ContenderResult,
  base: ContenderResult | undefined,
  results: BenchResults,
): string[] {
  const label = c.version === undefined ? c.name : `${c.name} ${c.version}`;
  const { small, probe } = results.meta.documents;
  const at = c.small.document;
  const smallMs =
    at === small.label
      ? formatMs(c.small.measurement.median)
      : `not run (${formatMs(c.small.measurement.median)} at ${at}; \`--full\` runs it)`;
  if (c.large === undefined) {
    const baseSmall = base?.small.measurement.median;
    const why = c.capped === 'measured' ? 'quadratic, measured superlinear' : 'quadratic';
    return [
      label,
      smallMs,
      `capped at ${at} (${why})`,
      `${integer.format(msPerMb(c.small))} (at ${at})`,
      baseSmall === undefined || at !== small.label
        ? 'n/a'
        : `${times(c.small.measurement.median / baseSmall)} (at ${at})`,
      `n/a (${probe.label}→${at}: ${times(c.probeTimeRatio)} for ${times(c.small.bytes / probe.bytes)} bytes)`,
    ];
  }
  const baseLarge = base?.large?.measurement.median;
  return [
    label,
    smallMs,
    formatMs(c.large.measurement.median),
    formatMs(msPerMb(c.large)),
    baseLarge === undefined ? 'n/a' : times(c.large.measurement.median / baseLarge),
    times(c.large.measurement.median / c.small.measurement.median),
  ];
}

function describeRuns(s: SizeResult): string {
  const n = s.measurement.samples.length;
  const rejected =
    s.prefixErrors > 0 ? `, ${integer.format(s.prefixErrors)} prefixes rejected` : '';
  return (
    `${s.document} ${n} run${n === 1 ? '' : 's'} (min ${formatMs(s.measurement.min)}, max ` +
    `${formatMs(s.measurement.max)} ms), ${integer.format(s.partials)} partials read${rejected}`
  );
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const lines = [header, header.map(() => '---'), ...rows];
  return lines.map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

function describeDocument(doc: DocumentInfo): string {
  return (
    `${doc.label}: ${integer.format(doc.bytes)} bytes UTF-8, ${integer.format(doc.chars)} UTF-16 ` +
    `chars, ${doc.records} records, ${integer.format(doc.chunks)} chunks`
  );
}

export function renderReport(results: BenchResults): string {
  const { meta, contenders, ours, goals } = results;
  const { small, large, probe } = meta.documents;
  const base = contenders.find((c) => c.id === 'json-parse');
  const out: string[] = [];
  out.push('## structllm incremental JSON parser vs peers', '');
  out.push(
    `${meta.date} · Node ${meta.node} · ${meta.platform} · ${meta.cpus}` +
      `${meta.quick ? ' · --quick (fewer iterations)' : ''}` +
      `${meta.full ? ' · --full' : ''}` +
      ` · ${meta.gcBetween ? 'full gc before every timed run' : 'full gc + 2 untimed settling runs before each batch of timed runs'}` +
      ` · ran in ${(meta.elapsedMs / 1000).toFixed(0)} s`,
    '',
  );
  out.push(
    `Each contender gets the document as ${meta.chunkSize}-character chunks and reads the partial ` +
      'value after every chunk; times are the median ms per document (after warmup).',
    '',
  );
  for (const doc of [small, large, probe])
    out.push(`- ${describeDocument(doc)}${doc === probe ? ' (scaling probe only)' : ''}`);
  out.push('');
  out.push(
    table(
      [
        'contender',
        `100 KB ms (${integer.format(small.bytes)} B)`,
        `1 MB ms (${integer.format(large.bytes)} B)`,
        'ms per MB',
        '× JSON.parse (1 MB)',
        'scaling 1 MB/100 KB',
      ],
      contenders.map((c) => row(c, base, results)),
    ),
  );
  out.push(
    '',
    `Size ratio 1 MB/100 KB: ${times(large.bytes / small.bytes)} (linear scaling ≈ that).`,
    '',
  );

  out.push('### Goals for structllm', '');
  for (const goal of goals) out.push(formatGoal(goal));
  out.push('');

  const pc = ours.perChunk;
  out.push(`### Work per chunk (structllm, ${large.label} document)`, '');
  out.push(
    `Mean µs per \`write\` + \`value\` read, by tenth of the document (median of ${pc.repeats} runs):`,
    '',
    pc.decileMicros.map((us) => us.toFixed(3)).join(' · '),
    '',
    `First 10%: ${pc.firstTenthMicros.toFixed(3)} µs · last 10%: ${pc.lastTenthMicros.toFixed(3)} µs · ` +
      `ratio ${pc.ratio.toFixed(2)} (≈1 means work per chunk does not grow with the document).`,
    '',
  );

  out.push(`### Heap (structllm, ${large.label} document)`, '');
  if (ours.heap === undefined) {
    out.push('Not measured: run with `node --expose-gc`.', '');
  } else {
    const h = ours.heap;
    out.push(
      `Final value retained (heapUsed delta of holding JSON.parse(text)): ${formatBytes(h.finalValueBytes)}. ` +
        `Parser's retained heap above baseline, sampled after gc at ${h.samples.length - 1} points and after end(): ` +
        `${h.samples.map(formatBytes).join(' · ')}. Peak ${formatBytes(h.peakBytes)} = ${times(h.ratio)} the final value.`,
      '',
    );
  }

  out.push('### Contenders', '');
  for (const c of contenders) {
    const sizes = [c.small, c.large].filter((s): s is SizeResult => s !== undefined);
    const runs = sizes.map(describeRuns).join('; ');
    const growth =
      `${probe.label}→${c.small.document}: time ${times(c.probeTimeRatio)} for ` +
      `${times(c.small.bytes / probe.bytes)} bytes, exponent ${c.probeExponent.toFixed(2)}`;
    const pkg = c.version === undefined ? '' : ` (${c.packageName}@${c.version})`;
    out.push(`- **${c.name}**${pkg}: ${c.perChunk}`, `  Runs: ${runs}. Growth ${growth}.`);
  }
  return `${out.join('\n')}\n`;
}
