import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { createJsonStreamParser } from '../json/index.ts';
import type { JsonSchema } from '../schema/index.ts';
import {
  createProgressEstimator,
  type ProgressEstimateResult,
  type ProgressEstimator,
} from './progress-estimator.ts';
import { progressKey } from './progress-key.ts';
import { createInMemoryProgressStatsStore, type ProgressStats } from './progress-stats.ts';
import { shapeOf } from './schema-shape.ts';

const str = { type: 'string' } as const;
const catalogue: JsonSchema = {
  type: 'object',
  properties: {
    title: str,
    products: {
      type: 'array',
      items: {
        type: 'object',
        properties: { name: str, price: { type: 'number' }, description: str },
        required: ['name', 'price', 'description'],
      },
    },
  },
  required: ['title', 'products'],
};

function answer(count: number, words = 12): string {
  return JSON.stringify({
    title: 'Autumn catalogue',
    products: Array.from({ length: count }, (_, i) => ({
      name: `Product ${i}`,
      price: 10 + i,
      description: Array.from({ length: words }, () => 'word').join(' '),
    })),
  });
}

/** Streams `text` through a parser in `chunk`-character pieces; the estimator's fractions after each. */
function trace(estimator: ProgressEstimator, schema: JsonSchema, text: string, chunk = 16) {
  const parser = createJsonStreamParser();
  const out: Array<ProgressEstimateResult & { truth: number }> = [];
  for (let at = 0; at < text.length; at += chunk) {
    parser.write(text.slice(at, at + chunk));
    const received = Math.min(text.length, at + chunk);
    const estimate = estimator.estimate({
      key: 'k',
      schema,
      receivedChars: received,
      partial: parser.value,
      path: parser.path,
      complete: parser.complete,
    });
    if (typeof estimate === 'number') throw new Error('the default estimator returns its basis');
    out.push({ ...estimate, truth: received / text.length });
  }
  return out;
}

const meanError = (points: ReadonlyArray<{ fraction: number; truth: number }>): number =>
  points.reduce((sum, p) => sum + Math.abs(p.fraction - p.truth), 0) / points.length;

describe('createProgressEstimator', () => {
  it('reads the remainder off the schema on a first answer, and learns sizes from it', () => {
    const estimator = createProgressEstimator();
    const text = answer(10);
    const cold = trace(estimator, catalogue, text);
    expect(cold.every((p) => p.basis === 'schema')).toBe(true);
    expect(meanError(cold)).toBeLessThan(0.2);
    estimator.learn('k', text.length, JSON.parse(text));
    const warm = trace(estimator, catalogue, answer(10));
    expect(warm.every((p) => p.basis === 'learned')).toBe(true);
    expect(meanError(warm)).toBeLessThan(meanError(cold));
    expect(meanError(warm)).toBeLessThan(0.08);
  });

  it('stays in [0, 0.99] and says 0.99 once the whole value is in', () => {
    const estimator = createProgressEstimator();
    const points = trace(estimator, catalogue, answer(30), 7);
    for (const p of points) {
      expect(p.fraction).toBeGreaterThanOrEqual(0);
      expect(p.fraction).toBeLessThanOrEqual(0.99);
    }
    expect(points.at(-1)?.fraction).toBe(0.99);
  });

  it('counts properties the schema still asks for, in declared order', () => {
    const schema: JsonSchema = {
      type: 'object',
      properties: { a: str, b: str, c: str, d: str },
      required: ['a', 'b', 'c', 'd'],
    };
    const estimator = createProgressEstimator();
    const at = (partial: object, path: string[]) => {
      const text = JSON.stringify(partial);
      const result = estimator.estimate({
        key: 'k',
        schema,
        receivedChars: text.length,
        partial,
        path,
      });
      return typeof result === 'number' ? result : result.fraction;
    };
    const afterA = at({ a: 'xxxxxxxxxx' }, ['a']);
    const afterC = at({ a: 'xxxxxxxxxx', b: 'xxxxxxxxxx', c: 'xxxxxxxxxx' }, ['c']);
    expect(afterC).toBeGreaterThan(afterA);
    expect(afterA).toBeLessThan(0.4);
    expect(afterC).toBeGreaterThan(0.6);
  });

  it('never throws and never leaves [0, 0.99] on any schema and any value (no path given)', () => {
    const schemas: JsonSchema[] = [
      true,
      false,
      {},
      catalogue,
      { $ref: '#' },
      { anyOf: [{ type: 'array', items: { $ref: '#' } }, { type: 'string' }, { type: 'null' }] },
      { type: 'object', additionalProperties: { type: 'integer' } },
      { type: 'array', prefixItems: [str], minItems: 2, maxItems: 2 },
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...schemas),
        fc.jsonValue(),
        fc.nat({ max: 100_000 }),
        (schema, value, received) => {
          const estimator = createProgressEstimator();
          for (const learned of [false, true]) {
            if (learned) estimator.learn('k', Math.max(1, received), value);
            const result = estimator.estimate({
              key: 'k',
              schema,
              receivedChars: received,
              partial: value,
            });
            const fraction = typeof result === 'number' ? result : result.fraction;
            expect(fraction).toBeGreaterThanOrEqual(0);
            expect(fraction).toBeLessThanOrEqual(0.99);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('never throws at any chunking of any document, with the parser path', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.integer({ min: 1, max: 12 }), (value, chunk) => {
        const text = JSON.stringify(value);
        const points = trace(createProgressEstimator(), catalogue, text, chunk);
        for (const p of points) expect(Number.isFinite(p.fraction)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});

describe('progress statistics stores', () => {
  it('a store that throws or rejects costs one warning and a cold estimate', async () => {
    const warn = vi.fn();
    const failing = createProgressEstimator({
      store: {
        get: () => {
          throw new Error('store down');
        },
        set: () => Promise.reject(new Error('store down')),
      },
      logger: { warn },
    });
    const result = failing.estimate({
      key: 'k',
      schema: catalogue,
      receivedChars: 10,
      partial: {},
    });
    expect(result).toMatchObject({ basis: 'schema' });
    failing.learn('k', 100, { title: 'x', products: [] });
    await Promise.resolve();
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]?.[0]).toMatch(/failed to read/);
  });

  it('an asynchronous store warms the estimator once its read resolves', async () => {
    const inner = createInMemoryProgressStatsStore();
    const seed = createProgressEstimator({ store: inner });
    seed.learn('k', 400, JSON.parse(answer(3)));
    const store = { get: async (key: string) => inner.get(key), set: async () => {} };
    const estimator = createProgressEstimator({ store });
    const first = estimator.estimate({
      key: 'k',
      schema: catalogue,
      receivedChars: 10,
      partial: {},
    });
    expect(first).toMatchObject({ basis: 'schema' });
    await new Promise((resolve) => setImmediate(resolve));
    const second = estimator.estimate({
      key: 'k',
      schema: catalogue,
      receivedChars: 10,
      partial: {},
    });
    expect(second).toMatchObject({ basis: 'learned' });
  });

  it('learning while a read is pending builds on what the store held', async () => {
    const inner = createInMemoryProgressStatsStore();
    createProgressEstimator({ store: inner }).learn('k', 400, JSON.parse(answer(3)));
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const store = {
      get: async (key: string) => {
        await gate;
        return inner.get(key);
      },
      set: (key: string, stats: ProgressStats) => inner.set(key, stats),
    };
    const estimator = createProgressEstimator({ store });
    estimator.learn('k', 600, JSON.parse(answer(5)));
    release();
    await new Promise((resolve) => setImmediate(resolve));
    expect(inner.get('k')?.count).toBe(2);
  });

  it('the in-memory store keeps a bounded number of entries and restores only valid ones', () => {
    const store = createInMemoryProgressStatsStore({ maxEntries: 2 });
    const stats: ProgressStats = { version: 1, count: 1, meanChars: 10, paths: {} };
    store.set('a', stats);
    store.set('b', stats);
    store.set('c', stats);
    expect(Object.keys(store.snapshot())).toEqual(['b', 'c']);
    const restored = createInMemoryProgressStatsStore({
      initial: {
        good: stats,
        foreign: { version: 2 },
        broken: 'x',
        nan: { ...stats, meanChars: Number.NaN },
      },
    });
    expect(Object.keys(restored.snapshot())).toEqual(['good']);
  });
});

describe('progressKey', () => {
  it('is the same for the same schema written in any key order, and differs otherwise', () => {
    const a = progressKey('m', { type: 'object', properties: { x: str, y: str } });
    const b = progressKey('m', { properties: { y: str, x: str }, type: 'object' });
    expect(a).toBe(b);
    expect(progressKey('m', { type: 'object', properties: { x: str } })).not.toBe(a);
    expect(progressKey('other', { type: 'object', properties: { x: str, y: str } })).not.toBe(a);
    expect(a.startsWith('m#')).toBe(true);
  });
});

describe('schema shapes', () => {
  it('expect enum lengths, formats, maxLength and bounded arrays from the schema', () => {
    const shape = shapeOf({
      type: 'object',
      properties: {
        level: { enum: ['low', 'high'] },
        when: { type: 'string', format: 'date-time' },
        code: { type: 'string', maxLength: 4 },
        list: { type: 'array', items: { type: 'boolean' }, minItems: 3, maxItems: 3 },
      },
      required: ['level', 'when', 'code', 'list'],
    });
    if (shape.kind !== 'object') throw new Error('an object shape');
    const chars = Object.fromEntries(shape.properties.map((p) => [p.name, p.shape.chars]));
    expect(chars.level).toBe(5.5); // "low" and "high" with their quotes
    expect(chars.when).toBe(26);
    expect(chars.code).toBeLessThanOrEqual(6);
    expect(chars.list).toBe(2 + 3 * 6);
  });

  it('terminate on recursive references', () => {
    const shape = shapeOf({
      $defs: {
        node: {
          type: 'object',
          properties: { children: { type: 'array', items: { $ref: '#/$defs/node' } } },
        },
      },
      $ref: '#/$defs/node',
    });
    expect(Number.isFinite(shape.chars)).toBe(true);
  });
});
