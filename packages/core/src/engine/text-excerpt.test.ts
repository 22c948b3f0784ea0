import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TextExcerpt } from './text-excerpt.ts';

/** The excerpt of `pieces`, appended one by one, is their whole text, or its head and tail. */
function expectExcerpt(pieces: readonly string[], head: number, tail: number): void {
  const excerpt = new TextExcerpt(head, tail);
  for (const piece of pieces) excerpt.append(piece);
  const text = pieces.join('');
  expect(excerpt.length).toBe(text.length);
  expect(excerpt.toString()).toBe(
    text.length <= head + tail ? text : `${text.slice(0, head)}\n…\n${text.slice(-tail)}`,
  );
}

describe('TextExcerpt', () => {
  it('keeps a short text whole, at any chunking', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 7 }), { maxLength: 20 }), (pieces) =>
        expectExcerpt(pieces, 50, 30),
      ),
    );
  });

  it('keeps the exact head and tail of a long text, at any chunking', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ maxLength: 300 }), { maxLength: 60 }),
        fc.constantFrom([50, 30], [500, 300], [0, 700]),
        (pieces, [head, tail]) => expectExcerpt(pieces, head as number, tail as number),
      ),
    );
  });

  it('keeps the exact tail when short pieces go round the ring and long ones cut it, at any chunking', () => {
    const piece = fc.oneof(
      { weight: 6, arbitrary: fc.string({ minLength: 1, maxLength: 4 }) },
      { weight: 1, arbitrary: fc.string({ minLength: 17, maxLength: 600 }) },
    );
    fc.assert(
      fc.property(
        fc.array(piece, { maxLength: 400 }),
        fc.constantFrom([0, 5], [3, 30], [10, 64], [0, 200]),
        (pieces, [head, tail]) => expectExcerpt(pieces, head as number, tail as number),
      ),
    );
  });

  it('holds a bounded part of the answer in memory, whatever the size of its pieces', () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    // A flat string of its own (`repeat` would share one piece among many).
    const piece = (i: number, size: number): string =>
      Buffer.alloc(size, 48 + (i % 10)).toString('latin1');
    for (const size of [64, 5000]) {
      const excerpt = new TextExcerpt();
      gc();
      const before = process.memoryUsage().heapUsed;
      // 8 MB of pieces.
      for (let i = 0; i < 8_000_000 / size; i++) excerpt.append(piece(i, size));
      gc();
      // The head (3,000), and 16 characters a slot of the ring (1,024) besides the last pieces.
      expect(process.memoryUsage().heapUsed - before).toBeLessThan(500_000);
      expect(excerpt.length).toBe(8_000_000);
      const pieces = 8_000_000 / size;
      const head = Array.from({ length: Math.ceil(3000 / size) }, (_, i) => piece(i, size));
      const tail = Array.from({ length: Math.ceil(1000 / size) }, (_, i) =>
        piece(pieces - Math.ceil(1000 / size) + i, size),
      );
      expect(excerpt.toString()).toBe(
        `${head.join('').slice(0, 3000)}\n…\n${tail.join('').slice(-1000)}`,
      );
    }
  });

  it('holds a bounded number of pieces for a long answer', () => {
    const excerpt = new TextExcerpt(10, 10);
    for (let i = 0; i < 100_000; i++) excerpt.append('abcd');
    expect(excerpt.length).toBe(400_000);
    expect(excerpt.toString()).toBe('abcdabcdab\n…\ncdabcdabcd');
  });

  it('keeps the exact tail when every piece is one character', () => {
    const excerpt = new TextExcerpt(5, 30);
    const text = Array.from({ length: 500 }, (_, i) => String.fromCharCode(97 + (i % 26))).join('');
    for (const char of text) excerpt.append(char);
    expect(excerpt.toString()).toBe(`${text.slice(0, 5)}\n…\n${text.slice(-30)}`);
  });

  it('keeps no tail when asked for none', () => {
    const excerpt = new TextExcerpt(4, 0);
    for (let i = 0; i < 10; i++) excerpt.append('abc');
    expect(excerpt.toString()).toBe('abca\n…\n');
  });
});
