/**
 * Profiles of an incremental parser beyond its total time: how the cost of one
 * `write` evolves along the document, and how much heap it retains meanwhile.
 */
import { hasGc, keepAlive, retainedHeap } from './heap.ts';
import { median } from './stats.ts';

/** The part of a streaming parser these profiles drive. */
export interface StreamingParser {
  write(chunk: string): void;
  end(): void;
  readonly value: unknown;
}

export interface PerChunkCost {
  /** Median (over repeats) mean µs per `write` + `value` read, for each tenth of the chunks. */
  readonly decileMicros: readonly number[];
  readonly firstTenthMicros: number;
  readonly lastTenthMicros: number;
  /** last / first: about 1 when work per chunk does not grow with the document. */
  readonly ratio: number;
  readonly repeats: number;
}

/**
 * Times each tenth of the chunks as one block (timer overhead stays negligible) and
 * divides by its chunk count. Repeats the whole document `repeats` times (after one
 * discarded pass) and keeps the median per tenth. No forced gc: steady-state heap.
 */
export function perChunkCost(
  create: () => StreamingParser,
  chunks: readonly string[],
  repeats = 7,
): PerChunkCost {
  const parts = 10;
  const bounds = Array.from({ length: parts + 1 }, (_, i) =>
    Math.round((chunks.length * i) / parts),
  );
  const perPart: number[][] = Array.from({ length: parts }, () => []);
  let seen = 0;
  // One extra, discarded pass first: the JIT settles before anything counts.
  for (let r = -1; r < repeats; r++) {
    const parser = create();
    for (let p = 0; p < parts; p++) {
      const from = bounds[p] as number;
      const to = bounds[p + 1] as number;
      const start = performance.now();
      for (let i = from; i < to; i++) {
        parser.write(chunks[i] as string);
        if (parser.value !== undefined) seen++;
      }
      const ms = performance.now() - start;
      if (r >= 0) (perPart[p] as number[]).push((ms * 1000) / Math.max(1, to - from));
    }
    parser.end();
  }
  keepAlive(seen);
  const decileMicros = perPart.map((samples) => median(samples));
  const firstTenthMicros = decileMicros[0] as number;
  const lastTenthMicros = decileMicros[parts - 1] as number;
  return {
    decileMicros,
    firstTenthMicros,
    lastTenthMicros,
    ratio: lastTenthMicros / firstTenthMicros,
    repeats,
  };
}

export interface HeapProfile {
  /** Bytes retained (after gc) above the baseline at each sample point, in order. */
  readonly samples: readonly number[];
  /** Largest sample. */
  readonly peak: number;
  /** Retained above baseline after `end()`, parser and value still held. */
  readonly final: number;
}

/**
 * Feeds all chunks to a fresh parser (untimed) and samples the retained heap
 * (after a full gc) at `points` evenly spaced positions and after `end()`. The
 * chunks and text are allocated before the baseline, so only what the parser
 * holds is counted. Returns `undefined` without `--expose-gc`.
 */
export function heapProfile(
  create: () => StreamingParser,
  chunks: readonly string[],
  points = 10,
): HeapProfile | undefined {
  if (!hasGc()) return undefined;
  const baseline = retainedHeap();
  const parser = create();
  const samples: number[] = [];
  const every = Math.max(1, Math.floor(chunks.length / points));
  for (let i = 0; i < chunks.length; i++) {
    parser.write(chunks[i] as string);
    if ((i + 1) % every === 0 && samples.length < points) samples.push(retainedHeap() - baseline);
  }
  parser.end();
  const final = retainedHeap() - baseline;
  samples.push(final);
  keepAlive(parser);
  return { samples, peak: Math.max(...samples), final };
}
