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

/** The testing kit's seeded PRNG (mulberry32), by path: core cannot depend on @structllm/testing. */
export { seededRandom } from '../../../testing/src/wire/chunking.ts';

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
