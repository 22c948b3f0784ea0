/** Splits text at the given cut points (any order, duplicates and out-of-range points ignored). */
export function splitAt(text: string, cuts: readonly number[]): string[] {
  const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
  const chunks: string[] = [];
  let last = 0;
  for (const point of points) {
    if (point > last) {
      chunks.push(text.slice(last, point));
      last = point;
    }
  }
  chunks.push(text.slice(last));
  return chunks;
}

/** Splits text into chunks of `size` UTF-16 code units (so surrogate pairs may be split). */
export function splitEvery(text: string, size: number): string[] {
  const chunks: string[] = [];
  for (let i = 0; i < text.length; i += size) chunks.push(text.slice(i, i + size));
  return chunks;
}

/** A small deterministic PRNG (mulberry32) so "random" chunkings are reproducible. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Splits text into random-sized chunks of 1..maxSize code units. */
export function splitRandomly(text: string, random: () => number, maxSize = 16): string[] {
  const chunks: string[] = [];
  for (let i = 0; i < text.length; ) {
    const size = 1 + Math.floor(random() * maxSize);
    chunks.push(text.slice(i, i + size));
    i += size;
  }
  return chunks;
}
