import { describe, expect, it } from 'vitest';
import { StructuredLLMError } from '../../errors/index.ts';
import type { JsonSchema } from '../json-schema.ts';
import { compileJsonSchema, type ValidationMode } from './json-schema-validator.ts';

function issuesOf(schema: JsonSchema, value: unknown, mode: ValidationMode = 'final') {
  return compileJsonSchema(schema).validate(value, mode);
}

function messages(schema: JsonSchema, value: unknown, mode: ValidationMode = 'final'): string[] {
  return issuesOf(schema, value, mode).map((issue) => issue.message);
}

function accepts(schema: JsonSchema, value: unknown, mode: ValidationMode = 'final'): boolean {
  return issuesOf(schema, value, mode).length === 0;
}

describe('compileJsonSchema: final values', () => {
  it('checks type, including integer, type lists and nullable', () => {
    expect(accepts({ type: 'string' }, 'a')).toBe(true);
    expect(messages({ type: 'string' }, 5)).toEqual(['expected a string, got 5']);
    expect(accepts({ type: 'integer' }, 3)).toBe(true);
    expect(accepts({ type: 'integer' }, 3.0)).toBe(true);
    expect(messages({ type: 'integer' }, 2.5)).toEqual(['expected an integer, got 2.5']);
    expect(accepts({ type: 'number' }, 7)).toBe(true);
    expect(accepts({ type: ['string', 'null'] }, null)).toBe(true);
    expect(messages({ type: ['string', 'null'] }, true)).toEqual([
      'expected a string or null, got true',
    ]);
    expect(accepts({ type: 'string', nullable: true }, null)).toBe(true);
    expect(messages({ type: 'object' }, [])).toEqual(['expected an object, got an array']);
    expect(messages({ type: 'array' }, {})).toEqual(['expected an array, got an object']);
  });

  it('treats true as anything and false as nothing', () => {
    expect(accepts(true, { any: 'thing' })).toBe(true);
    expect(messages(false, 1)).toEqual(['no value is allowed here']);
  });

  it('rejects values JSON cannot hold and a missing final value', () => {
    expect(messages({}, Number.NaN)).toEqual(['expected a JSON value, got non-JSON number NaN']);
    expect(messages({}, undefined)).toEqual(['expected a value, got nothing']);
    expect(accepts({}, undefined, 'partial')).toBe(true);
  });

  it('checks enum and const by deep equality', () => {
    const status = { enum: ['active', 'inactive', null, { a: [1] }] };
    expect(accepts(status, 'active')).toBe(true);
    expect(accepts(status, null)).toBe(true);
    expect(accepts(status, { a: [1] })).toBe(true);
    expect(messages(status, 'unknown')).toEqual([
      'expected one of "active", "inactive", null, {"a":[1]}, got "unknown"',
    ]);
    expect(accepts({ const: { x: [1, 2] } }, { x: [1, 2] })).toBe(true);
    expect(messages({ const: 'circle' }, 'square')).toEqual(['expected "circle", got "square"']);
  });

  it('checks numeric bounds and multipleOf', () => {
    const price = { type: 'number', minimum: 0, maximum: 100 };
    expect(accepts(price, 0)).toBe(true);
    expect(accepts(price, 100)).toBe(true);
    expect(messages(price, 250)).toEqual(['expected a number ≤ 100, got 250']);
    expect(messages(price, -1)).toEqual(['expected a number ≥ 0, got -1']);
    const open = { exclusiveMinimum: 0, exclusiveMaximum: 1 };
    expect(messages(open, 0)).toEqual(['expected a number > 0, got 0']);
    expect(messages(open, 1)).toEqual(['expected a number < 1, got 1']);
    expect(accepts(open, 0.5)).toBe(true);
    expect(messages({ minimum: 5, exclusiveMinimum: 5 }, 5)).toEqual([
      'expected a number > 5, got 5',
    ]);
    expect(messages({ minimum: 0, exclusiveMinimum: true }, 0)).toEqual([
      'expected a number > 0, got 0',
    ]);
    expect(accepts({ multipleOf: 0.01 }, 0.07)).toBe(true);
    expect(accepts({ multipleOf: 0.1 }, 0.3)).toBe(true);
    expect(messages({ multipleOf: 5 }, 12)).toEqual(['expected a multiple of 5, got 12']);
  });

  it('counts string length in code points', () => {
    const short = { type: 'string', minLength: 2, maxLength: 3 };
    expect(accepts(short, '😀😀😀')).toBe(true); // 6 UTF-16 units, 3 code points
    expect(messages(short, '😀😀😀😀')).toEqual(['expected at most 3 characters, got 4']);
    expect(messages(short, 'é')).toEqual(['expected at least 2 characters, got 1']);
  });

  it('checks pattern in Unicode mode and ignores a pattern that does not compile', () => {
    expect(accepts({ pattern: '^\\p{Lu}' }, 'Émile')).toBe(true);
    expect(messages({ pattern: '^[a-z]+$' }, 'ABC')).toEqual([
      'expected a string matching /^[a-z]+$/, got "ABC"',
    ]);
    expect(accepts({ pattern: '^\\-x$' }, '-x')).toBe(true); // invalid in u mode, fine without
    expect(accepts({ pattern: '([' }, 'anything')).toBe(true);
    expect(accepts({ pattern: '^a' }, 5)).toBe(true); // string keywords ignore other types
  });

  it('checks formats lightly', () => {
    const formats: [string, string, string][] = [
      ['date-time', '2024-05-01T12:30:00Z', '2024-05-01 noon'],
      ['date-time', '2024-02-29T23:59:60.5+01:00', '2023-02-29T10:00:00Z'],
      ['date', '2024-12-31', '2024-13-01'],
      ['time', '08:15:00-05:00', '25:00:00Z'],
      ['email', 'ada@example.com', 'ada@localhost'],
      ['uri', 'https://example.com/a?b#c', 'example dot com'],
      ['uuid', '123e4567-e89b-12d3-a456-426614174000', '123e4567e89b12d3a456426614174000'],
    ];
    for (const [format, good, bad] of formats) {
      expect(accepts({ format }, good), `${format}: ${good}`).toBe(true);
      expect(messages({ format }, bad)[0], `${format}: ${bad}`).toMatch(`expected a ${format} (`);
    }
    expect(accepts({ format: 'hostname' }, '!!')).toBe(true);
  });

  it('checks array items, tuples and item counts', () => {
    const list = { type: 'array', items: { type: 'number' }, minItems: 1, maxItems: 2 };
    expect(accepts(list, [1, 2])).toBe(true);
    expect(messages(list, [])).toEqual(['expected at least 1 items, got 0']);
    expect(messages(list, [1, 2, 3])).toEqual(['expected at most 2 items, got 3']);
    expect(issuesOf(list, [1, 'x'])).toEqual([
      { path: [1], message: 'expected a number, got "x"' },
    ]);
    const pair = { prefixItems: [{ type: 'string' }, { type: 'number' }], items: false };
    expect(accepts(pair, ['a', 1])).toBe(true);
    expect(accepts(pair, ['a'])).toBe(true);
    expect(messages(pair, ['a', 1, 2])).toEqual(['expected at most 2 items, got 3']);
    const legacy = { items: [{ type: 'string' }], additionalItems: { type: 'number' } };
    expect(accepts(legacy, ['a', 1, 2])).toBe(true);
    expect(issuesOf(legacy, [1])).toEqual([{ path: [0], message: 'expected a string, got 1' }]);
  });

  it('checks object properties, required keys and additional properties', () => {
    const person = {
      type: 'object',
      properties: { name: { type: 'string' }, age: { type: 'integer' } },
      required: ['name', 'age'],
      additionalProperties: false,
    };
    expect(accepts(person, { name: 'Ada', age: 36 })).toBe(true);
    expect(issuesOf(person, { name: 'Ada', nickname: 'A' })).toEqual([
      { path: [], message: 'missing required property "age"' },
      { path: ['nickname'], message: 'unexpected property; allowed: "name", "age"' },
    ]);
    const tags = { additionalProperties: { type: 'number' } };
    expect(issuesOf(tags, { a: 1, b: 'x' })).toEqual([
      { path: ['b'], message: 'expected a number, got "x"' },
    ]);
    const counted = { minProperties: 1, maxProperties: 1 };
    expect(messages(counted, {})).toEqual(['expected at least 1 properties, got 0']);
    expect(messages(counted, { a: 1, b: 2 })).toEqual(['expected at most 1 properties, got 2']);
  });

  it('checks patternProperties, which also exempt keys from additionalProperties', () => {
    const schema = {
      properties: { id: { type: 'string' } },
      patternProperties: { '^x-': { type: 'number' } },
      additionalProperties: false,
    };
    expect(accepts(schema, { id: 'a', 'x-rank': 1 })).toBe(true);
    expect(issuesOf(schema, { 'x-rank': 'high', other: 1 })).toEqual([
      { path: ['x-rank'], message: 'expected a number, got "high"' },
      { path: ['other'], message: 'unexpected property; allowed: "id"' },
    ]);
    // A pattern that cannot be compiled makes "additional" unknowable: keys are allowed.
    expect(
      accepts({ patternProperties: { '([': {} }, additionalProperties: false }, { k: 1 }),
    ).toBe(true);
  });

  it('handles __proto__ and other inherited names as plain keys', () => {
    const schema = JSON.parse(
      '{"properties": {"__proto__": {"type": "number"}, "constructor": {"type": "string"}}, "required": ["toString"]}',
    ) as JsonSchema;
    const value = JSON.parse('{"__proto__": "x", "constructor": "y"}') as unknown;
    expect(issuesOf(schema, value)).toEqual([
      { path: [], message: 'missing required property "toString"' },
      { path: ['__proto__'], message: 'expected a number, got "x"' },
    ]);
  });

  it('applies allOf, anyOf and oneOf', () => {
    expect(accepts({ allOf: [{ minimum: 1 }, { maximum: 3 }] }, 2)).toBe(true);
    expect(messages({ allOf: [{ minimum: 1 }, { maximum: 3 }] }, 4)).toEqual([
      'expected a number ≤ 3, got 4',
    ]);
    const stringOrCount = { anyOf: [{ type: 'string' }, { type: 'integer', minimum: 0 }] };
    expect(accepts(stringOrCount, 'x')).toBe(true);
    expect(accepts(stringOrCount, 3)).toBe(true);
    expect(messages(stringOrCount, -1)).toEqual(['expected a number ≥ 0, got -1']);
    expect(messages(stringOrCount, true)).toEqual(['expected a string or an integer, got true']);
    const exactlyOne = { oneOf: [{ type: 'integer' }, { type: 'number', minimum: 2 }] };
    expect(accepts(exactlyOne, 1)).toBe(true);
    expect(accepts(exactlyOne, 2.5)).toBe(true);
    expect(messages(exactlyOne, 3)).toEqual([
      'matches more than one of the allowed variants; expected exactly one',
    ]);
  });

  it('reports the closest branch of a union that admits the value type', () => {
    const schema = {
      anyOf: [
        { type: 'string' },
        {
          type: 'object',
          properties: { a: { type: 'number' } },
          required: ['a'],
        },
      ],
    };
    expect(issuesOf(schema, { a: 'x' })).toEqual([
      { path: ['a'], message: 'expected a number, got "x"' },
    ]);
  });

  it('applies not to final values', () => {
    expect(messages({ not: { const: 'x' } }, 'x')).toEqual(['must not match the schema at #/not']);
    expect(accepts({ not: { const: 'x' } }, 'y')).toBe(true);
    expect(accepts({ not: { const: 'x' } }, 'x', 'partial')).toBe(true);
  });

  it('resolves $defs, definitions, JSON Pointer escapes and recursion', () => {
    const tree: JsonSchema = {
      $ref: '#/$defs/node',
      $defs: {
        node: {
          type: 'object',
          properties: {
            label: { $ref: '#/definitions/a~1b' },
            children: { type: 'array', items: { $ref: '#/$defs/node' } },
          },
          required: ['label'],
        },
      },
      definitions: { 'a/b': { type: 'string' } },
    };
    expect(accepts(tree, { label: 'root', children: [{ label: 'leaf', children: [] }] })).toBe(
      true,
    );
    expect(issuesOf(tree, { label: 'root', children: [{ label: 1 }] })).toEqual([
      { path: ['children', 0, 'label'], message: 'expected a string, got 1' },
    ]);
    const list: JsonSchema = {
      type: 'object',
      properties: { next: { anyOf: [{ $ref: '#' }, { type: 'null' }] } },
    };
    expect(accepts(list, { next: { next: { next: null } } })).toBe(true);
  });

  it('ignores unknown keywords and annotations', () => {
    const schema = { type: 'string', description: 'x', 'x-vendor': 1, uniqueItems: true, if: {} };
    expect(accepts(schema, 'a')).toBe(true);
  });

  it('stops collecting at maxIssues', () => {
    const validator = compileJsonSchema({ items: { type: 'string' } }, { maxIssues: 3 });
    expect(validator.validate([1, 2, 3, 4, 5], 'final')).toHaveLength(3);
  });
});

describe('compileJsonSchema: discriminated unions', () => {
  const shape: JsonSchema = {
    anyOf: [
      {
        type: 'object',
        properties: { kind: { const: 'circle' }, radius: { type: 'number' } },
        required: ['kind', 'radius'],
        additionalProperties: false,
      },
      {
        type: 'object',
        properties: { kind: { enum: ['square'] }, side: { type: 'number', minimum: 0 } },
        required: ['kind', 'side'],
        additionalProperties: false,
      },
      { type: 'null' },
    ],
  };

  it('validates only the branch the tag names', () => {
    expect(accepts(shape, { kind: 'square', side: 2 })).toBe(true);
    expect(accepts(shape, null)).toBe(true);
    expect(issuesOf(shape, { kind: 'square', side: -2 })).toEqual([
      { path: ['side'], message: 'expected a number ≥ 0, got -2' },
    ]);
    expect(issuesOf(shape, { kind: 'triangle' })).toEqual([
      { path: ['kind'], message: 'expected one of "circle", "square", got "triangle"' },
    ]);
  });

  it('drops branches as soon as the partial tag excludes them', () => {
    expect(accepts(shape, { kind: 'sq' }, 'partial')).toBe(true);
    expect(issuesOf(shape, { kind: 'circle', side: 2 }, 'partial')).toEqual([
      { path: ['side'], message: 'unexpected property; allowed: "kind", "radius"' },
    ]);
    expect(issuesOf(shape, { kind: 'tri' }, 'partial')).toEqual([
      {
        path: ['kind'],
        message: 'expected one of "circle", "square", got a string starting with "tri"',
      },
    ]);
  });

  it('works through $ref branches and oneOf', () => {
    const schema: JsonSchema = {
      oneOf: [{ $ref: '#/$defs/cat' }, { $ref: '#/$defs/dog' }],
      $defs: {
        cat: { properties: { type: { const: 'cat' }, lives: { maximum: 9 } } },
        dog: { properties: { type: { const: 'dog' }, good: { type: 'boolean' } } },
      },
    };
    expect(accepts(schema, { type: 'cat', lives: 9 })).toBe(true);
    expect(issuesOf(schema, { type: 'cat', lives: 10 })).toEqual([
      { path: ['lives'], message: 'expected a number ≤ 9, got 10' },
    ]);
  });
});

describe('compileJsonSchema: partial values', () => {
  const order: JsonSchema = {
    type: 'object',
    properties: {
      status: { enum: ['active', 'inactive'] },
      code: { type: 'string', minLength: 3, maxLength: 5, pattern: '^[A-Z]+$', format: 'uuid' },
      age: { type: 'integer', minimum: 0 },
      items: { type: 'array', maxItems: 5, minItems: 2, items: { type: 'string' } },
      note: { type: ['string', 'null'] },
    },
    required: ['status', 'age', 'items'],
    additionalProperties: false,
  };

  it('accepts a string that is a prefix of an allowed value', () => {
    expect(accepts(order, { status: 'act' }, 'partial')).toBe(true);
    expect(accepts(order, { status: '' }, 'partial')).toBe(true);
    expect(accepts(order, { status: 'inactive' }, 'partial')).toBe(true);
  });

  it('rejects a string no continuation can make allowed', () => {
    expect(issuesOf(order, { status: 'unkn' }, 'partial')).toEqual([
      {
        path: ['status'],
        message: 'expected one of "active", "inactive", got a string starting with "unkn"',
      },
    ]);
    expect(accepts({ const: 'circle' }, 'circ', 'partial')).toBe(true);
    expect(accepts({ const: 'circle' }, 'circles', 'partial')).toBe(false);
  });

  it('enforces maxLength but not minLength, pattern or format on partial strings', () => {
    expect(accepts(order, { code: 'a' }, 'partial')).toBe(true);
    expect(messages(order, { code: 'ABCDEF' }, 'partial')).toEqual([
      'expected at most 5 characters, got at least 6',
    ]);
  });

  it('checks numbers, booleans and null fully: they are complete when present', () => {
    expect(issuesOf(order, { age: -3 }, 'partial')).toEqual([
      { path: ['age'], message: 'expected a number ≥ 0, got -3' },
    ]);
    expect(messages(order, { age: 1.5 }, 'partial')).toEqual(['expected an integer, got 1.5']);
    expect(messages(order, { note: false }, 'partial')).toEqual([
      'expected a string or null, got false',
    ]);
  });

  it('enforces maxItems but not minItems, and checks present items', () => {
    expect(accepts(order, { items: [] }, 'partial')).toBe(true);
    expect(accepts(order, { items: ['a', 'b', 'c', 'd', 'e'] }, 'partial')).toBe(true);
    expect(messages(order, { items: ['a', 'b', 'c', 'd', 'e', 'f'] }, 'partial')).toEqual([
      'expected at most 5 items, got 6',
    ]);
    expect(issuesOf(order, { items: ['a', 7] }, 'partial')).toEqual([
      { path: ['items', 1], message: 'expected a string, got 7' },
    ]);
  });

  it('does not require keys, but forbids keys the schema does not allow', () => {
    expect(accepts(order, {}, 'partial')).toBe(true);
    expect(issuesOf(order, { extra: 1 }, 'partial')).toEqual([
      {
        path: ['extra'],
        message: 'unexpected property; allowed: "status", "code", "age", "items", "note"',
      },
    ]);
  });

  it('treats keys whose value is undefined as not there yet', () => {
    expect(accepts(order, { status: undefined }, 'partial')).toBe(true);
  });

  it('accepts a union while any branch still fits, and a partial const object', () => {
    const schema = { anyOf: [{ const: 'alpha' }, { const: 'beta' }] };
    expect(accepts(schema, 'al', 'partial')).toBe(true);
    expect(accepts(schema, 'be', 'partial')).toBe(true);
    expect(accepts(schema, 'ga', 'partial')).toBe(false);
    const fixed = { const: { tags: ['a', 'bc'], n: 1 } };
    expect(accepts(fixed, { tags: ['a', 'b'] }, 'partial')).toBe(true);
    expect(accepts(fixed, { tags: ['a', 'x'] }, 'partial')).toBe(false);
    expect(accepts(fixed, { n: 2 }, 'partial')).toBe(false);
  });

  it('applies oneOf as "at least one" while partial', () => {
    const schema = { oneOf: [{ type: 'integer' }, { type: 'number', minimum: 2 }] };
    expect(accepts(schema, 3, 'partial')).toBe(true);
  });
});

describe('compileJsonSchema: unsupported schemas', () => {
  const cases: [string, unknown, RegExp][] = [
    ['remote $ref', { $ref: 'https://example.com/s.json' }, /only local references/],
    ['dangling $ref', { properties: { a: { $ref: '#/$defs/missing' } } }, /points at nothing/],
    ['anchor $ref', { $ref: '#node' }, /anchors are not supported/],
    ['$dynamicRef', { $dynamicRef: '#meta' }, /\$dynamicRef/],
    ['empty recursion', { $ref: '#' }, /never descends/],
    [
      'mutual empty recursion',
      {
        $defs: { a: { $ref: '#/$defs/b' }, b: { anyOf: [{ $ref: '#/$defs/a' }] } },
        $ref: '#/$defs/a',
      },
      /never descends/,
    ],
    ['unknown type', { type: 'date' }, /unknown type "date"/],
    ['malformed properties', { properties: [] }, /"properties" must be an object/],
    ['malformed required', { required: 'name' }, /"required" must be an array of strings/],
    ['malformed bound', { minimum: '5' }, /"minimum" must be a number/],
    ['negative count', { maxItems: -1 }, /"maxItems" must be a non-negative integer/],
    ['empty anyOf', { anyOf: [] }, /"anyOf" must be a non-empty array/],
    ['not a schema', 'string', /must be an object or a boolean/],
  ];
  it.each(cases)('%s', (_, schema, message) => {
    let thrown: unknown;
    try {
      compileJsonSchema(schema as JsonSchema);
    } catch (error) {
      thrown = error;
    }
    expect(StructuredLLMError.is(thrown)).toBe(true);
    const error = thrown as StructuredLLMError;
    expect(error.category).toBe('bad_request');
    expect(error.code).toBe('unsupported_schema');
    expect(error.message).toMatch(message);
  });

  it('names where in the schema the problem is', () => {
    expect(() => compileJsonSchema({ properties: { a: { items: { type: 'date' } } } })).toThrow(
      'Unsupported JSON Schema at #/properties/a/items: unknown type "date"',
    );
  });
});
