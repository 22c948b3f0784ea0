/**
 * Cuts `text` into pieces of `size` UTF-16 code units (the last may be
 * shorter) — what a mock response's `chunks` takes when a test needs to know
 * exactly where the cuts fall. `size` below 1 counts as 1, a fraction is
 * rounded down, `Infinity` gives one piece; `NaN` is a `RangeError`.
 */
export function chunkText(text: string, size: number): string[] {
  if (typeof size !== 'number' || Number.isNaN(size)) {
    throw new RangeError(`chunkText: size must be a number, got ${String(size)}`);
  }
  const step = Math.max(1, Math.floor(size));
  const chunks: string[] = [];
  for (let i = 0; i < text.length; i += step) chunks.push(text.slice(i, i + step));
  return chunks;
}
