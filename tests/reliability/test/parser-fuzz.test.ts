import {
  createJsonStreamParser,
  DEFAULT_MAX_DEPTH,
  parsePartialJson,
  StructuredLLMError,
} from '@structllm/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { disagreement, sameJson } from '../src/harness.ts';

/** Cuts `text` at the given (sorted, deduplicated) offsets. */
function cut(text: string, offsets: readonly number[]): string[] {
  const points = [...new Set(offsets.map((offset) => offset % (text.length + 1)))].sort(
    (a, b) => a - b,
  );
  const pieces: string[] = [];
  let from = 0;
  for (const point of points) {
    pieces.push(text.slice(from, point));
    from = point;
  }
  pieces.push(text.slice(from));
  return pieces;
}

type ParseResult = { ok: true; value: unknown } | { ok: false; error: unknown };

function streamParse(pieces: readonly string[], options = {}): ParseResult {
  const parser = createJsonStreamParser(options);
  try {
    for (const piece of pieces) parser.write(piece);
    parser.end();
    return { ok: true, value: parser.value };
  } catch (error) {
    return { ok: false, error };
  }
}

function jsonParse(text: string): ParseResult {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    return { ok: false, error };
  }
}

/** Text that is often almost JSON: JSON tokens, hostile keys, escapes and garbage. */
const jsonish = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        '{',
        '}',
        '[',
        ']',
        ',',
        ':',
        '"',
        '\\',
        '\\u',
        '\\ud83d',
        '\\"',
        ' ',
        '\n',
        'true',
        'fals',
        'null',
        '-',
        '0',
        '1e',
        '9',
        '.',
        'E+',
        '"__proto__"',
        '"constructor"',
        '"prototype"',
        '\u0000',
        '\u2028',
        '😀',
        '\uFEFF',
      ),
      fc.string({ maxLength: 4 }),
    ),
    { maxLength: 40 },
  )
  .map((tokens) => tokens.join(''));

describe('parser fuzz (fast-check)', () => {
  it('valid JSON cut at random boundaries gives JSON.parse’s value, and every partial agrees with it', () => {
    fc.assert(
      fc.property(
        fc.jsonValue({ maxDepth: 6 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        (value, offsets) => {
          const text = JSON.stringify(value, null, offsets.length % 2 === 0 ? 0 : 2);
          const parser = createJsonStreamParser();
          const expected = JSON.parse(text);
          for (const piece of cut(text, offsets)) {
            parser.write(piece);
            const found = disagreement(structuredClone(parser.value), expected);
            if (found !== undefined) throw new Error(found);
          }
          parser.end();
          expect(parser.complete).toBe(true);
          expect(sameJson(parser.value, expected)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('random text: accepted exactly when JSON.parse accepts it, else a clear parse error', () => {
    fc.assert(
      fc.property(
        fc.oneof(jsonish, fc.string({ maxLength: 60, unit: 'binary' })),
        fc.array(fc.nat(), { maxLength: 8 }),
        (text, offsets) => {
          const expected = jsonParse(text);
          const actual = streamParse(cut(text, offsets));
          if (expected.ok) {
            expect(actual.ok && sameJson(actual.value, expected.value)).toBe(true);
          } else {
            expect(actual.ok).toBe(false);
            const error = (actual as { error: unknown }).error;
            expect(StructuredLLMError.is(error)).toBe(true);
            const parseError = error as StructuredLLMError;
            expect(parseError.category).toBe('parse');
            expect(parseError.code).toMatch(/^[a-z_]+$/);
            expect(parseError.message).toMatch(/line \d+|column \d+|empty|end/i);
          }
          // No prototype was touched, whatever the keys were.
          expect(Object.getOwnPropertyNames(Object.prototype)).not.toContain('polluted');
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('parsePartialJson on any prefix of random text: a result or a parse error, nothing else', () => {
    fc.assert(
      fc.property(jsonish, (text) => {
        for (let end = 0; end <= text.length; end += 3) {
          try {
            const result = parsePartialJson(text.slice(0, end));
            expect(typeof result.complete).toBe('boolean');
          } catch (error) {
            expect(StructuredLLMError.is(error) && error.category === 'parse').toBe(true);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('prototype-shaped keys stay own data properties and never reach Object.prototype', () => {
    const hostileKey = fc.constantFrom(
      '__proto__',
      'constructor',
      'prototype',
      'toString',
      'polluted',
    );
    const hostile = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        fc.constant(1),
        fc.constant('x'),
        fc.dictionary(hostileKey, tie('node'), { maxKeys: 4 }),
        fc.array(tie('node'), { maxLength: 3 }),
      ),
    })).node;
    fc.assert(
      fc.property(hostile, fc.array(fc.nat(), { maxLength: 6 }), (value, offsets) => {
        // JSON.stringify drops a real __proto__ key; write the keys by hand.
        const text = JSON.stringify(value).replaceAll('"polluted"', '"__proto__"');
        const result = streamParse(cut(text, offsets));
        const expected = jsonParse(text);
        expect(result.ok && expected.ok && sameJson(result.value, expected.value)).toBe(true);
        const probe: Record<string, unknown> = {};
        expect(probe.polluted).toBeUndefined();
        expect(Object.getPrototypeOf(probe)).toBe(Object.prototype);
        expect(Object.keys(Object.prototype)).toEqual([]);
        expect(typeof Object.prototype.toString).toBe('function');
      }),
      { numRuns: 300 },
    );
    const parser = createJsonStreamParser();
    parser.write(
      '{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": 1}}}',
    );
    parser.end();
    const value = parser.value as Record<string, unknown>;
    expect(Object.hasOwn(value, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('deep nesting: a clear depth_limit error, no stack overflow, even with no limit', () => {
    const deep = '['.repeat(200_000);
    const limited = streamParse([deep]);
    expect(limited.ok).toBe(false);
    expect((limited as { error: StructuredLLMError }).error).toMatchObject({
      category: 'parse',
      code: 'depth_limit',
    });
    expect(String((limited as { error: StructuredLLMError }).error.message)).toContain(
      String(DEFAULT_MAX_DEPTH),
    );
    // Without a limit nothing recurses: a well-formed 100,000-deep document parses.
    const nested = `${'['.repeat(100_000)}1${']'.repeat(100_000)}`;
    const unlimited = streamParse(cut(nested, [7, 50_000, 100_001]), { maxDepth: Infinity });
    expect(unlimited.ok).toBe(true);
    let depth = 0;
    let node = (unlimited as { value: unknown }).value;
    while (Array.isArray(node)) {
      node = node[0];
      depth++;
    }
    expect(depth).toBe(100_000);
    expect(node).toBe(1);
  });

  it('huge strings and numbers parse like JSON.parse', () => {
    const big = 'x'.repeat(3_000_000);
    const digits = '9'.repeat(50_000);
    const text = `{"s": "${big}", "n": ${digits}, "e": 1e400, "m": -1e-400, "z": -0}`;
    const result = streamParse(cut(text, [1, 10, 1_500_000, 3_000_020]));
    expect(result).toStrictEqual(jsonParse(text));
    const value = (result as { value: { s: string; n: number; e: number; z: number } }).value;
    expect(value.s.length).toBe(3_000_000);
    expect(value.n).toBe(Infinity);
    expect(Object.is(value.z, -0)).toBe(true);
  });

  it('a length limit stops a huge answer with a clear error', () => {
    const result = streamParse([`"${'y'.repeat(2000)}"`], { maxLength: 1000 });
    expect(result.ok).toBe(false);
    expect((result as { error: StructuredLLMError }).error).toMatchObject({
      category: 'parse',
      code: 'length_limit',
    });
  });
});
