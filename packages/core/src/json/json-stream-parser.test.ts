import { describe, expect, it } from 'vitest';
import { splitEvery } from '../../test/support/chunking.ts';
import { parseInChunks } from '../../test/support/parse-in-chunks.ts';
import { failure } from '../../test/support/thrown.ts';
import { StructuredLLMError } from '../errors/index.ts';
import { createJsonStreamParser, DEFAULT_MAX_DEPTH } from './json-stream-parser.ts';

/** Writes each chunk and records a JSON snapshot of the partial value after it. */
function partialsOf(chunks: readonly string[]): string[] {
  const parser = createJsonStreamParser();
  return chunks.map((chunk) => {
    parser.write(chunk);
    return JSON.stringify(parser.value) ?? 'undefined';
  });
}

function parseWhole(text: string, options = {}): unknown {
  const parser = createJsonStreamParser(options);
  parser.write(text);
  parser.end();
  return parser.value;
}

describe('createJsonStreamParser: partial values', () => {
  it('shows strings as growing prefixes', () => {
    expect(partialsOf(['{"name": "Ad', 'a Love', 'lace"}'])).toEqual([
      '{"name":"Ad"}',
      '{"name":"Ada Love"}',
      '{"name":"Ada Lovelace"}',
    ]);
  });

  it('shows an empty string as soon as its opening quote arrives', () => {
    expect(partialsOf(['["', 'a"]'])).toEqual(['[""]', '["a"]']);
  });

  it('never shows a number before it is complete, wherever it is split', () => {
    const text = '[-1.5e10]';
    for (let cut = 1; cut < text.length; cut++) {
      const partials = partialsOf([text.slice(0, cut), text.slice(cut)]);
      expect(partials[0]).toMatch(/^(undefined|\[\]|\[-15000000000\])$/);
      expect(partials[1]).toBe('[-15000000000]');
    }
  });

  it('completes a number only at its delimiter, so "12" then "3" is 123', () => {
    expect(partialsOf(['[12', '3', ']'])).toEqual(['[]', '[]', '[123]']);
  });

  it('shows true, false and null only once complete', () => {
    expect(partialsOf(['[tr', 'ue, fa', 'lse, n', 'ull]'])).toEqual([
      '[]',
      '[true]',
      '[true,false]',
      '[true,false,null]',
    ]);
  });

  it('adds a key only when its name is complete and its value has begun', () => {
    expect(partialsOf(['{"us', 'er": ', '{', '"id": 4', '2}}'])).toEqual([
      '{}',
      '{}',
      '{"user":{}}',
      '{"user":{}}',
      '{"user":{"id":42}}',
    ]);
  });

  it('decodes escapes split across chunks, including \\u sequences', () => {
    expect(partialsOf(['["a\\', 'nb\\u00', 'e9c"]'])).toEqual([
      '["a"]',
      '["a\\nb"]',
      '["a\\nbéc"]',
    ]);
  });

  it('holds back half of a surrogate pair until the other half arrives', () => {
    const parser = createJsonStreamParser();
    parser.write('["x\\ud83d');
    expect(parser.value).toEqual(['x']);
    parser.write('\\ude00"]');
    expect(parser.value).toEqual(['x😀']);

    const raw = createJsonStreamParser();
    raw.write('["y\ud83d');
    expect(raw.value).toEqual(['y']);
    raw.write('\ude00"]');
    expect(raw.value).toEqual(['y😀']);
  });

  it('keeps containers identical between writes (values are updated in place)', () => {
    const parser = createJsonStreamParser();
    parser.write('{"items": [{"a": 1}');
    const root = parser.value as { items: unknown[] };
    const items = root.items;
    const first = items[0];
    parser.write(', {"a": 2}]}');
    parser.end();
    expect(parser.value).toBe(root);
    expect(root.items).toBe(items);
    expect(root.items[0]).toBe(first);
    expect(root).toEqual({ items: [{ a: 1 }, { a: 2 }] });
  });

  it('reports completion, position and depth', () => {
    const parser = createJsonStreamParser();
    parser.write('{"a": [1, ');
    expect(parser.complete).toBe(false);
    expect(parser.depth).toBe(2);
    expect(parser.position).toBe(10);
    parser.write('2]} ');
    expect(parser.complete).toBe(true);
    expect(parser.depth).toBe(0);
    parser.end();
    expect(parser.value).toEqual({ a: [1, 2] });
  });

  it('tells when a string value (not a key) is being read', () => {
    const parser = createJsonStreamParser();
    const seen: Array<[string, boolean]> = [];
    for (const chunk of ['{"ke', 'y": "va', 'l\\', 'n", "n": 1', '2, "s": "\\u00', 'e9"}']) {
      parser.write(chunk);
      seen.push([chunk, parser.readingString]);
    }
    expect(seen).toEqual([
      ['{"ke', false], // inside a key
      ['y": "va', true],
      ['l\\', true], // inside an escape
      ['n", "n": 1', false], // inside a number
      ['2, "s": "\\u00', true], // inside a \u escape
      ['e9"}', false],
    ]);
  });

  it('completes a top-level number at end()', () => {
    const parser = createJsonStreamParser();
    parser.write('-0.5e-3');
    expect(parser.value).toBeUndefined();
    expect(parser.complete).toBe(false);
    parser.end();
    expect(parser.value).toBe(-0.0005);
    expect(parser.complete).toBe(true);
  });

  it('ignores empty chunks', () => {
    expect(partialsOf(['', '[1,', '', '2]'])).toEqual(['undefined', '[1]', '[1]', '[1,2]']);
  });
});

describe('createJsonStreamParser: results equal JSON.parse', () => {
  const cases = [
    '-0',
    '[-0, 0.0, -0.0e5]',
    '1e400',
    '-1e400',
    '1e-400',
    '123456789012345678901234567890',
    '{"a": 1, "a": 2, "b": 3}',
    '{"1": "x", "0": "y", "b": "z"}',
    '"\\u0000\\b\\f\\n\\r\\t\\/\\\\\\""',
    '"\\ud800"',
    '"\\udc00\\ud800x"',
    ' \t\r\n[ ] \n',
    '{"":""}',
  ];
  for (const text of cases) {
    it(`parses ${JSON.stringify(text)} like JSON.parse, whole and one character at a time`, () => {
      expect(parseWhole(text)).toStrictEqual(JSON.parse(text));
      const chunked = parseInChunks(splitEvery(text, 1));
      expect(chunked).toStrictEqual({ ok: true, value: JSON.parse(text) });
    });
  }

  it('keeps -0 as -0', () => {
    expect(Object.is(parseWhole('-0'), -0)).toBe(true);
    expect(Object.is((parseWhole('[-0.0]') as number[])[0], -0)).toBe(true);
  });
});

describe('createJsonStreamParser: hostile keys', () => {
  for (const key of ['__proto__', '\\u005f_proto__', 'constructor', 'prototype']) {
    it(`makes ${JSON.stringify(key)} an own property without touching any prototype`, () => {
      const text = `{"${key}": {"polluted": true}, "ok": 1}`;
      const value = parseWhole(text) as Record<string, unknown>;
      const name = JSON.parse(`"${key}"`) as string;
      expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
      expect(Object.hasOwn(value, name)).toBe(true);
      expect(value[name]).toEqual({ polluted: true });
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      const expected = JSON.parse(text) as Record<string, unknown>;
      expect(Object.keys(value)).toEqual(Object.keys(expected));
      expect(JSON.stringify(value)).toBe(JSON.stringify(expected));
    });
  }

  it('does not pollute when __proto__ is a growing string', () => {
    const parser = createJsonStreamParser();
    parser.write('{"__proto__": "abc');
    const value = parser.value as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(value, '__proto__')?.value).toBe('abc');
  });
});

describe('createJsonStreamParser: acceptKey', () => {
  const dropSecret = (key: string): boolean => !key.startsWith('secret');

  it('leaves refused keys and everything inside them out of the value, at any chunking', () => {
    const text =
      '{"a":1,"secret":{"b":[1,{"c":"x"}],"d":"long text"},"e":[{"secretToo":"y","f":2}],"g":"z"}';
    for (const size of [1, 2, 3, 7, text.length]) {
      const parser = createJsonStreamParser({ acceptKey: dropSecret });
      for (const chunk of splitEvery(text, size)) {
        parser.write(chunk);
        expect(JSON.stringify(parser.value) ?? '').not.toContain('secret');
        expect(JSON.stringify(parser.value) ?? '').not.toContain('long');
      }
      parser.end();
      expect(parser.value).toStrictEqual({ a: 1, e: [{ f: 2 }], g: 'z' });
    }
  });

  it('does not call onValue for refused values, and paths stay those of the text', () => {
    const seen: string[] = [];
    const parser = createJsonStreamParser({
      acceptKey: dropSecret,
      onValue: (value) => seen.push(`${parser.path.join('.')}=${JSON.stringify(value)}`),
    });
    parser.write('{"secret":[1,{"x":2}],"a":[3,{"secretly":4,"b":5}],"c":6}');
    parser.end();
    expect(seen).toEqual([
      'a.0=3',
      'a.1.b=5',
      'a.1={"b":5}',
      'a=[3,{"b":5}]',
      'c=6',
      '={"a":[3,{"b":5}],"c":6}',
    ]);
  });

  it('asks once per key with the object and a path ending with the key, never inside a refused value', () => {
    const asked: string[] = [];
    const objects = new Set<object>();
    const parser = createJsonStreamParser({
      acceptKey: (key, object) => {
        asked.push(parser.path.join('.'));
        objects.add(object);
        return key !== 'hide';
      },
    });
    for (const chunk of splitEvery('{"a":{"b":1,"hide":{"c":2}},"hide":{"d":3},"e":4}', 3)) {
      parser.write(chunk);
    }
    parser.end();
    expect(asked).toEqual(['a', 'a.b', 'a.hide', 'hide', 'e']);
    expect(objects.size).toBe(2);
    expect(parser.value).toStrictEqual({ a: { b: 1 }, e: 4 });
  });

  it('still rejects invalid JSON and enforces limits inside a refused value', () => {
    const refuseAll = { acceptKey: () => false };
    expect(failure(() => parseWhole('{"a":[1,}', refuseAll)).category).toBe('parse');
    expect(failure(() => parseWhole('{"a":[[[[1]]]]}', { ...refuseAll, maxDepth: 3 })).code).toBe(
      'depth_limit',
    );
    expect(parseWhole('{"a":1,"b":{"c":2}}', refuseAll)).toStrictEqual({});
  });

  it('a duplicate key refused the second time keeps the first value', () => {
    let calls = 0;
    const value = parseWhole('{"a":1,"a":2}', { acceptKey: () => calls++ === 0 });
    expect(value).toStrictEqual({ a: 1 });
  });

  it('a refused __proto__ leaves the object and its prototype alone', () => {
    const value = parseWhole('{"__proto__":{"polluted":true},"ok":1}', {
      acceptKey: (key: string) => key !== '__proto__',
    }) as Record<string, unknown>;
    expect(Object.hasOwn(value, '__proto__')).toBe(false);
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(value).toStrictEqual({ ok: 1 });
  });
});

describe('createJsonStreamParser: limits', () => {
  it('parses 100,000 levels of nesting with maxDepth: Infinity, without recursion', () => {
    const depth = 100_000;
    const text = `${'['.repeat(depth)}"deep"${']'.repeat(depth)}`;
    const parser = createJsonStreamParser({ maxDepth: Number.POSITIVE_INFINITY });
    parser.write(text);
    parser.end();
    let node: unknown = parser.value;
    for (let i = 0; i < depth; i++) node = (node as unknown[])[0];
    expect(node).toBe('deep');
  });

  it(`rejects nesting deeper than the default limit (${DEFAULT_MAX_DEPTH}) with a depth error`, () => {
    const text = '['.repeat(DEFAULT_MAX_DEPTH + 1);
    const error = failure(() => createJsonStreamParser().write(text));
    expect(error.category).toBe('parse');
    expect(error.code).toBe('depth_limit');
    expect(error.position).toBe(DEFAULT_MAX_DEPTH);
    expect(error.message).toContain(`maxDepth (${DEFAULT_MAX_DEPTH})`);
  });

  it('accepts exactly maxDepth levels', () => {
    expect(parseWhole('[[[]]]', { maxDepth: 3 })).toEqual([[[]]]);
    expect(failure(() => parseWhole('[[[[]]]]', { maxDepth: 3 })).code).toBe('depth_limit');
  });

  it('rejects text longer than maxLength, keeping the partial value seen so far', () => {
    const parser = createJsonStreamParser({ maxLength: 10 });
    parser.write('{"a": "12');
    const error = failure(() => parser.write('34567"}'));
    expect(error.code).toBe('length_limit');
    expect(error.message).toContain('maxLength (10 characters)');
    expect(parser.value).toEqual({ a: '12' });
  });

  it('rejects invalid limits', () => {
    expect(() => createJsonStreamParser({ maxDepth: -1 })).toThrow(RangeError);
    expect(() => createJsonStreamParser({ maxLength: Number.NaN })).toThrow(RangeError);
  });
});

describe('createJsonStreamParser: invalid input', () => {
  const invalid: ReadonlyArray<[string, string, string, number]> = [
    // [description, text, code, position]
    ['an invalid escape', '["a\\x"]', 'unexpected_character', 4],
    ['a short \\u escape', '["\\u12G4"]', 'unexpected_character', 6],
    ['a raw control character in a string', '["a\nb"]', 'unexpected_character', 3],
    ['a raw tab in a key', '{"a\tb": 1}', 'unexpected_character', 3],
    ['trailing garbage', '{"a": 1} x', 'unexpected_character', 9],
    ['concatenated values', '{"a": 1}{"b": 2}', 'unexpected_character', 8],
    ['a trailing comma', '[1, 2,]', 'unexpected_character', 6],
    ['a missing colon', '{"a" 1}', 'unexpected_character', 5],
    ['a single-quoted string', "['a']", 'unexpected_character', 1],
    ['a leading zero', '[01]', 'unexpected_character', 2],
    ['a bare minus', '[-]', 'unexpected_character', 2],
    ['a number ending in a dot', '[1.]', 'unexpected_character', 3],
    ['an exponent without digits', '[1e+]', 'unexpected_character', 4],
    ['a misspelled literal', '[tru]', 'unexpected_character', 4],
    ['a mismatched closer', '[1}', 'unexpected_character', 2],
    ['a BOM (JSON.parse rejects it too)', '\ufeff{}', 'unexpected_character', 0],
  ];
  for (const [description, text, code, position] of invalid) {
    it(`rejects ${description} at the same position whole and chunked`, () => {
      expect(() => JSON.parse(text)).toThrow();
      for (const chunks of [[text], splitEvery(text, 1), splitEvery(text, 3)]) {
        const outcome = parseInChunks(chunks);
        expect(outcome.ok).toBe(false);
        if (outcome.ok) continue;
        expect(outcome.error.category).toBe('parse');
        expect(outcome.error.code).toBe(code);
        expect(outcome.error.position).toBe(position);
        expect(outcome.error.message).toContain(`position ${position}`);
      }
    });
  }

  const truncated: ReadonlyArray<[string, string]> = [
    ['{"a": [1, 2', '2 unclosed arrays or objects'],
    ['{"a": "text', 'unterminated string'],
    ['{"a', 'unterminated object key'],
    ['[1.', 'incomplete number'],
    ['[nu', 'incomplete "null"'],
    ['{', '1 unclosed object'],
  ];
  for (const [text, reason] of truncated) {
    it(`reports truncated input ${JSON.stringify(text)} at end() as "${reason}"`, () => {
      const parser = createJsonStreamParser();
      parser.write(text);
      const error = failure(() => parser.end());
      expect(error.category).toBe('parse');
      expect(error.code).toBe('unexpected_end');
      expect(error.position).toBe(text.length);
      expect(error.message).toContain(reason);
    });
  }

  it('rejects empty and whitespace-only input at end()', () => {
    for (const text of ['', '  \n ']) {
      const error = failure(() => parseWhole(text));
      expect(error.code).toBe('empty');
      expect(error.category).toBe('parse');
    }
  });

  it('gives line and column in the message', () => {
    const error = failure(() => parseWhole('{\n  "a": 1,\n  "b": x\n}'));
    expect(error.message).toContain('line 3, column 8');
  });

  it('keeps every valid partial after an error and keeps failing the same way', () => {
    const parser = createJsonStreamParser();
    parser.write('{"a": "ok", "b": [1, 2');
    const error = failure(() => parser.write(', oops]}'));
    expect(parser.value).toEqual({ a: 'ok', b: [1, 2] });
    expect(failure(() => parser.write('more'))).toBe(error);
    expect(failure(() => parser.end())).toBe(error);
  });

  it('refuses writes after end()', () => {
    const parser = createJsonStreamParser();
    parser.write('[]');
    parser.end();
    expect(failure(() => parser.write(' ')).code).toBe('write_after_end');
    expect(parser.value).toEqual([]);
  });

  it('is recognisable as a StructuredLLMError across package copies', () => {
    const error = failure(() => parseWhole('nope'));
    expect(error).toBeInstanceOf(StructuredLLMError);
    expect(StructuredLLMError.is(error)).toBe(true);
    expect(error.retryable).toBe(true);
    expect(error.attempts).toEqual([]);
  });
});

describe('createJsonStreamParser: lenient front end (prompt mode)', () => {
  function lenient(chunks: readonly string[]): unknown {
    const parser = createJsonStreamParser({ lenient: true });
    for (const chunk of chunks) parser.write(chunk);
    parser.end();
    return parser.value;
  }

  const reply =
    'Sure! Here is the profile you asked for:\n\n```json\n{"name": "Ada", "tags": ["math"]}\n```\n\nLet me know {if} you need more.';

  it('finds the value inside a ```json fence and ignores the prose around it', () => {
    expect(lenient([reply])).toEqual({ name: 'Ada', tags: ['math'] });
    expect(lenient(splitEvery(reply, 1))).toEqual({ name: 'Ada', tags: ['math'] });
  });

  it('finds a bare object after prose, skipping braces that cannot start JSON', () => {
    expect(lenient(['Result {see below}: [not json] {"ok": true} trailing words'])).toEqual({
      ok: true,
    });
  });

  it('accepts any value inside a fence, and ignores a BOM', () => {
    expect(lenient(['\ufeff```\n"just a string"\n```'])).toBe('just a string');
    expect(lenient(['\ufeff{"a": 1}'])).toEqual({ a: 1 });
  });

  it('stops at the end of the first complete value', () => {
    const parser = createJsonStreamParser({ lenient: true });
    parser.write('[1] [2]');
    expect(parser.complete).toBe(true);
    parser.end();
    expect(parser.value).toEqual([1]);
  });

  it('shows partials while the fenced value streams', () => {
    const parser = createJsonStreamParser({ lenient: true });
    parser.write('```json\n{"title": "Stre');
    expect(parser.value).toEqual({ title: 'Stre' });
  });

  it('reports text without any JSON value', () => {
    const error = failure(() => lenient(['I cannot help with that.']));
    expect(error.category).toBe('parse');
    expect(error.code).toBe('no_json');
  });
});
