import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
// Internal helpers of element streaming (not exported): their properties are tested here directly.
import {
  fingerprint,
  onlyArrayIssues,
  parseElementPath,
  relation,
  resolveElementPath,
} from '../../src/engine/elements.ts';

describe('element fingerprints', () => {
  it('are equal for equal values, whatever their history', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const copy = JSON.parse(JSON.stringify(value)) as unknown;
        expect(fingerprint(copy)).toBe(fingerprint(value));
        expect(Number.isSafeInteger(fingerprint(value))).toBe(true);
      }),
    );
  });

  it('tell apart the edits a re-written element usually has', () => {
    const base = { id: 7, name: 'Kettle', price: 19.99, tags: ['kitchen'], stock: null };
    const edits: unknown[] = [
      { ...base, id: 8 },
      { ...base, name: 'Kettles' },
      { ...base, name: 'Kettlf' },
      { ...base, price: 19.98 },
      { ...base, tags: [] },
      { ...base, tags: ['kitchen', 'steel'] },
      { ...base, stock: 0 },
      { ...base, stock: false },
      { id: 7, name: 'Kettle', price: 19.99, tags: ['kitchen'] },
      [base],
    ];
    const seen = new Set([fingerprint(base), ...edits.map(fingerprint)]);
    expect(seen.size).toBe(edits.length + 1);
  });

  it('change with any one code unit of a short string, and with any integer or amount in cents', () => {
    fc.assert(
      fc.property(
        fc
          .string({ unit: 'binary', minLength: 1, maxLength: 12 })
          .filter((text) => text.length <= 12),
        fc.nat(),
        fc.integer({ min: 1, max: 0xffff }),
        (text, at, delta) => {
          const i = at % text.length;
          const edited = `${text.slice(0, i)}${String.fromCharCode((text.charCodeAt(i) + delta) % 0x10000)}${text.slice(i + 1)}`;
          expect(fingerprint({ name: edited })).not.toBe(fingerprint({ name: text }));
        },
      ),
    );
    fc.assert(
      fc.property(
        fc.oneof(
          fc.maxSafeInteger(),
          fc.integer().map((cents) => cents / 100),
        ),
        fc.oneof(
          fc.maxSafeInteger(),
          fc.integer().map((cents) => cents / 100),
        ),
        (a, b) => {
          fc.pre(a !== b);
          expect(fingerprint([a])).not.toBe(fingerprint([b]));
        },
      ),
    );
  });
});

describe('element paths', () => {
  it('parse dotted strings and arrays', () => {
    expect(parseElementPath('items')).toEqual(['items']);
    expect(parseElementPath('data.items')).toEqual(['data', 'items']);
    expect(parseElementPath(['data', 'items'])).toEqual(['data', 'items']);
    expect(parseElementPath('')).toEqual([]);
    expect(parseElementPath(undefined)).toBeUndefined();
  });

  it('default to the root only when the schema root is an array', () => {
    expect(resolveElementPath(undefined, { type: 'array' })).toEqual([]);
    expect(resolveElementPath(undefined, { type: 'object' })).toBeUndefined();
    // A path the schema cannot resolve simply (a reference) is trusted.
    expect(resolveElementPath('rows', { $ref: '#/$defs/table' })).toEqual(['rows']);
    expect(() =>
      resolveElementPath('rows', { type: 'object', properties: { rows: { type: 'string' } } }),
    ).toThrow(/not an array/);
  });

  it('locate values relative to the array', () => {
    expect(relation(['items', 3, 'name'], ['items'])).toBe('inside');
    expect(relation(['items'], ['items'])).toBe('array');
    expect(relation(['data'], ['data', 'items'])).toBe('ancestor');
    expect(relation(['title'], ['items'])).toBe('unrelated');
    expect(relation([0], [])).toBe('inside');
  });

  it('recognise issues about the array itself only', () => {
    const own = { path: ['items'], message: 'expected at least 2 items, got 0' };
    const other = { path: ['title'], message: 'too short' };
    expect(onlyArrayIssues([own], ['items'])).toBe(true);
    expect(onlyArrayIssues([own, other], ['items'])).toBe(false);
    expect(onlyArrayIssues([], ['items'])).toBe(false);
  });
});
