import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { splitAt } from '../../test/support/chunking.ts';
import { firstDisagreement, parseInChunks } from '../../test/support/parse-in-chunks.ts';

/** Documents as models write them: random values, compact or indented, any string units. */
const jsonDocument = fc
  .tuple(
    fc.jsonValue({
      maxDepth: 6,
      stringUnit: fc.constantFrom('grapheme', 'binary', 'binary-ascii'),
    }),
    fc.constantFrom<number | string | undefined>(undefined, 2, '\t'),
  )
  .map(([value, indent]) => JSON.stringify(value, null, indent));

const cutPoints = fc.array(fc.nat(), { maxLength: 40 });

/** Text that is often almost JSON: the grammar's characters in random order. */
const jsonishText = fc
  .array(
    fc.oneof(
      fc.constantFrom('{', '}', '[', ']', ',', ':', '"', '\\', ' ', '\n', '-', '.', 'e', '+'),
      fc.constantFrom('0', '1', '9', 'true', 'false', 'null', '"a"', '\\u00e9', '\\ud83d', 'x'),
    ),
    { maxLength: 30 },
  )
  .map((parts) => parts.join(''));

describe('createJsonStreamParser properties', () => {
  it('any document at any chunking parses to exactly JSON.parse', () => {
    fc.assert(
      fc.property(jsonDocument, cutPoints, (text, cuts) => {
        const outcome = parseInChunks(splitAt(text, cuts));
        expect(outcome).toStrictEqual({ ok: true, value: JSON.parse(text) });
      }),
      { numRuns: 400 },
    );
  });

  it('every partial agrees with the final value', () => {
    fc.assert(
      fc.property(jsonDocument, cutPoints, (text, cuts) => {
        expect(firstDisagreement(splitAt(text, cuts), JSON.parse(text))).toBeUndefined();
      }),
      { numRuns: 300 },
    );
  });

  it('one character at a time, every partial agrees with the final value', () => {
    fc.assert(
      fc.property(jsonDocument, (text) => {
        expect(firstDisagreement([...text.split('')], JSON.parse(text))).toBeUndefined();
      }),
      { numRuns: 150 },
    );
  });

  it('accepts exactly what JSON.parse accepts, and fails at the same place at any chunking', () => {
    fc.assert(
      fc.property(jsonishText, cutPoints, (text, cuts) => {
        let expected: unknown;
        let valid = true;
        try {
          expected = JSON.parse(text);
        } catch {
          valid = false;
        }
        const whole = parseInChunks([text]);
        const chunked = parseInChunks(splitAt(text, cuts));
        expect(whole.ok).toBe(valid);
        if (whole.ok) {
          expect(whole.value).toStrictEqual(expected);
          expect(chunked).toStrictEqual(whole);
        } else {
          expect(chunked.ok).toBe(false);
          if (!chunked.ok) {
            expect(chunked.error.category).toBe('parse');
            expect(chunked.error.code).toBe(whole.error.code);
            expect(chunked.error.position).toBe(whole.error.position);
          }
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('never lets a parsed key change a prototype', () => {
    const hostileKey = fc.constantFrom('__proto__', 'constructor', 'prototype', '\\u005f_proto__');
    fc.assert(
      fc.property(hostileKey, jsonDocument, cutPoints, (key, inner, cuts) => {
        const text = `{"${key}": ${inner}, "x": {"${key}": {"polluted": true}}}`;
        const outcome = parseInChunks(splitAt(text, cuts));
        expect(outcome.ok).toBe(true);
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
        if (outcome.ok) {
          expect(Object.getPrototypeOf(outcome.value)).toBe(Object.prototype);
          expect(JSON.stringify(outcome.value)).toBe(JSON.stringify(JSON.parse(text)));
        }
      }),
      { numRuns: 200 },
    );
  });

  it('with acceptKey, equals JSON.parse with the refused keys deleted, and partials agree', () => {
    const refused = (key: string): boolean => key.length % 3 === 1;
    const prune = (value: unknown): unknown => {
      if (Array.isArray(value)) return value.map(prune);
      if (typeof value !== 'object' || value === null) return value;
      const out: Record<string, unknown> = {};
      for (const [key, inner] of Object.entries(value)) {
        if (!refused(key)) {
          Object.defineProperty(out, key, {
            value: prune(inner),
            enumerable: true,
            writable: true,
            configurable: true,
          });
        }
      }
      return out;
    };
    fc.assert(
      fc.property(jsonDocument, cutPoints, (text, cuts) => {
        const options = { acceptKey: (key: string) => !refused(key) };
        const expected = prune(JSON.parse(text));
        expect(parseInChunks(splitAt(text, cuts), options)).toStrictEqual({
          ok: true,
          value: expected,
        });
        expect(firstDisagreement(splitAt(text, cuts), expected, options)).toBeUndefined();
      }),
      { numRuns: 300 },
    );
  });
});
