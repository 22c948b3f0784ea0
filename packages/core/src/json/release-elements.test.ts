import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { splitAt } from '../../test/support/chunking.ts';
import { createJsonStreamParser, type JsonPath } from './index.ts';

/** Streams `text`, taking and releasing every element of the array at `arrayPath`. */
function streamElements(chunks: readonly string[], arrayPath: JsonPath) {
  const taken: Array<{ index: number; value: unknown }> = [];
  let largestLive = 0;
  const parser = createJsonStreamParser({
    onValue: (value, depth) => {
      if (depth !== arrayPath.length + 1) return;
      const path = parser.path;
      if (!arrayPath.every((segment, i) => path[i] === segment)) return;
      const index = path[arrayPath.length];
      if (typeof index !== 'number') return;
      taken.push({ index, value });
      expect(parser.releaseLast()).toBe(true);
    },
  });
  for (const chunk of chunks) {
    parser.write(chunk);
    const live = arrayPath.reduce<unknown>(
      (node, key) => (node as Record<string | number, unknown>)?.[key],
      parser.value,
    );
    if (Array.isArray(live)) largestLive = Math.max(largestLive, live.length);
  }
  parser.end();
  return { taken, largestLive, final: parser.value };
}

describe('JsonStreamParser.releaseLast', () => {
  it('hands over each element once, with its index, and keeps none of them', () => {
    const text = JSON.stringify({ items: [{ a: 1 }, 'two', 3, [4], null, { b: [5, 6] }], n: 6 });
    const { taken, largestLive, final } = streamElements([...text], ['items']);
    expect(taken).toEqual([
      { index: 0, value: { a: 1 } },
      { index: 1, value: 'two' },
      { index: 2, value: 3 },
      { index: 3, value: [4] },
      { index: 4, value: null },
      { index: 5, value: { b: [5, 6] } },
    ]);
    expect(largestLive).toBeLessThanOrEqual(1); // only the element still being written
    expect(final).toEqual({ items: [], n: 6 });
  });

  it('keeps path indices those of the text after releasing', () => {
    const paths: JsonPath[] = [];
    const parser = createJsonStreamParser({
      onValue: (_value, depth) => {
        if (depth === 1) {
          paths.push(parser.path);
          parser.releaseLast();
        }
        if (depth === 2) paths.push(parser.path);
      },
    });
    parser.write('[{"x": 1}, {"x": 2}, "s"]');
    parser.end();
    expect(paths).toEqual([[0, 'x'], [0], [1, 'x'], [1], [2]]);
  });

  it('does nothing for values that are not array elements, and refuses outside onValue', () => {
    const results: boolean[] = [];
    const parser = createJsonStreamParser({
      onValue: () => results.push(parser.releaseLast()),
    });
    parser.write('{"a": {"b": 1}}');
    parser.end();
    expect(results).toEqual([false, false, false]);
    expect(parser.value).toEqual({ a: { b: 1 } });
    expect(() => parser.releaseLast()).toThrow(TypeError);
  });

  it('delivers exactly the array elements at any chunking (property)', () => {
    const element = fc.jsonValue({ maxDepth: 3 });
    fc.assert(
      fc.property(
        fc.array(element, { maxLength: 20 }),
        fc.array(fc.nat(), { maxLength: 30 }),
        fc.boolean(),
        (items, cuts, nested) => {
          const document = nested ? { meta: { k: 1 }, items } : items;
          const text = JSON.stringify(document, null, nested ? 2 : undefined);
          const arrayPath = nested ? ['items'] : [];
          const { taken, largestLive } = streamElements(splitAt(text, cuts), arrayPath);
          const expected = JSON.parse(JSON.stringify(items)) as unknown[];
          expect(taken.map((t) => t.index)).toEqual(expected.map((_, i) => i));
          expect(taken.map((t) => t.value)).toEqual(expected);
          expect(largestLive).toBeLessThanOrEqual(1);
        },
      ),
    );
  });
});
