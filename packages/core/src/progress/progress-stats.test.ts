import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { learnAnswer, type PathStats } from './progress-stats.ts';

/**
 * What one answer teaches, written the plain way: every value's path spelled out
 * (`a.*.b`), its JSON length (escapes not counted) and element count summed per
 * path, paths in the order their first value ended. The walk in the source must
 * agree with it on every value.
 */
function plainSamples(value: unknown): Map<string, { n: number; chars: number; items: number }> {
  const samples = new Map<string, { n: number; chars: number; items: number }>();
  const visit = (node: unknown, path: string): number => {
    let chars: number;
    let items = -1;
    if (typeof node === 'string') chars = node.length + 2;
    else if (typeof node !== 'object' || node === null) chars = String(node).length;
    else if (Array.isArray(node)) {
      chars = 1 + Math.max(1, node.length);
      for (const element of node) chars += visit(element, path === '' ? '*' : `${path}.*`);
      items = node.length;
    } else {
      const keys = Object.keys(node);
      chars = keys.length === 0 ? 2 : 1;
      for (const key of keys) {
        const inner = path === '' ? key : `${path}.${key}`;
        chars += key.length + 4 + visit((node as Record<string, unknown>)[key], inner);
      }
    }
    if (path !== '') {
      const sample = samples.get(path) ?? { n: 0, chars: 0, items: -1 };
      samples.set(path, sample);
      sample.n++;
      sample.chars += chars;
      if (items >= 0) sample.items = Math.max(0, sample.items) + items;
    }
    return chars;
  };
  visit(value, '');
  return samples;
}

describe('learnAnswer', () => {
  it('learns each path once per answer: its mean size and element count, in the order values ended', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 5 }), (value) => {
        const learned = learnAnswer(undefined, 100, value).paths;
        const expected: Record<string, PathStats> = {};
        for (const [path, sample] of [...plainSamples(value)].slice(0, 256)) {
          expected[path] = {
            count: 1,
            chars: sample.chars / sample.n,
            ...(sample.items >= 0 ? { items: sample.items / sample.n } : {}),
          };
        }
        expect(Object.keys(learned)).toEqual(Object.keys(expected));
        for (const [path, stats] of Object.entries(expected)) {
          expect(learned[path]).toMatchObject(stats);
        }
      }),
    );
  });

  it('counts a path reached two ways (a key named "" at the root) as one path', () => {
    const learned = learnAnswer(undefined, 30, { '': { x: 1 }, x: 22 }).paths;
    expect(Object.keys(learned)).toEqual(['x']);
    expect(learned.x).toEqual({ count: 1, chars: 1.5 });
  });

  it('learns a long array from evenly spaced elements: its means, and its size scaled from them', () => {
    // 10,000 records whose names alternate between 4 and 8 characters and whose tags
    // grow with the index: the means must come out right without walking them all.
    const records = Array.from({ length: 10_000 }, (_, i) => ({
      name: i % 2 === 0 ? 'abcd' : 'abcdefgh',
      tags: Array.from({ length: i % 5 }, () => 'x'),
    }));
    const value = { records };
    const exact = JSON.stringify(records).length;
    const stats = learnAnswer(undefined, exact + 12, value);
    const learned = stats.paths;
    expect(learned.records?.items).toBe(10_000);
    expect(learned.records?.chars).toBeGreaterThan(exact * 0.97);
    expect(learned.records?.chars).toBeLessThan(exact * 1.03);
    expect(learned['records.*.name']?.chars).toBeCloseTo(8, 0);
    expect(learned['records.*.tags']?.items).toBeCloseTo(2, 0);
  });

  it('keeps the most elements an array had, and learns no more than 256 paths', () => {
    const stats = learnAnswer(undefined, 50, { tags: [['a'], ['b', 'c', 'd']] });
    expect(stats.paths['tags.*']).toMatchObject({ count: 1, items: 2, itemsMax: 3 });
    const wide = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`k${i}`, i]));
    expect(Object.keys(learnAnswer(stats, 3000, wide).paths)).toHaveLength(256);
  });
});
