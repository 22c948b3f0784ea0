import type { WriteChunking } from './types.ts';

/** A small seeded PRNG (mulberry32): the same seed gives the same pieces, so failures reproduce. */
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

/**
 * Cuts bytes at random boundaries (1..maxBytes bytes per piece), ignoring
 * UTF-8 character boundaries on purpose.
 */
export function splitAtRandom(bytes: Buffer, seed: number, maxBytes = 16): Buffer[] {
  const random = seededRandom(seed);
  const limit = Math.max(1, Math.floor(maxBytes));
  const pieces: Buffer[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const size = 1 + Math.floor(random() * limit);
    pieces.push(bytes.subarray(offset, offset + size));
    offset += size;
  }
  return pieces;
}

/** The writes for a list of SSE events under a chunking strategy (concatenated, they are the same bytes). */
export function piecesFor(events: readonly Buffer[], chunking: WriteChunking = 'events'): Buffer[] {
  if (chunking === 'events') return events.filter((event) => event.length > 0);
  const body = Buffer.concat(events);
  if (body.length === 0) return [];
  if (chunking === 'whole') return [body];
  if (chunking === 'bytes') {
    const pieces: Buffer[] = [];
    for (let i = 0; i < body.length; i++) pieces.push(body.subarray(i, i + 1));
    return pieces;
  }
  return splitAtRandom(body, chunking.seed, chunking.maxBytes);
}
