import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StructuredLLMError } from '../errors/index.ts';
import { compileJsonSchema } from './json-schema-validator.ts';
import { isStrictCompatible, toStrictJsonSchema } from './strict-json-schema.ts';

const person = {
  type: 'object',
  properties: {
    name: { type: 'string', minLength: 1, description: 'Full name' },
    nickname: { type: 'string' },
    age: { type: 'integer', minimum: 0, default: 0 },
    role: { type: 'string', enum: ['admin', 'user'] },
    email: { type: ['string', 'null'], format: 'email' },
    tags: { type: 'array', items: { type: 'string' }, maxItems: 5 },
  },
  required: ['name', 'email'],
};

function failure(run: () => unknown): StructuredLLMError {
  try {
    run();
  } catch (error) {
    if (StructuredLLMError.is(error)) return error;
    throw error;
  }
  throw new Error('expected a StructuredLLMError');
}

describe('toStrictJsonSchema', () => {
  it('requires every property, makes optional ones nullable and closes objects', () => {
    const { schema } = toStrictJsonSchema(person);
    expect(schema).toEqual({
      type: 'object',
      properties: {
        name: { type: 'string', description: 'Full name' },
        nickname: { type: ['string', 'null'] },
        age: { type: ['integer', 'null'], minimum: 0 },
        role: { type: ['string', 'null'], enum: ['admin', 'user', null] },
        email: { type: ['string', 'null'], format: 'email' },
        tags: { type: ['array', 'null'], items: { type: 'string' }, maxItems: 5 },
      },
      required: ['name', 'nickname', 'age', 'role', 'email', 'tags'],
      additionalProperties: false,
    });
    expect(isStrictCompatible(schema)).toBe(true);
    expect(isStrictCompatible(person)).toBe(false);
  });

  it('keeps constraints strict mode drops when asked to (for checking, not sending)', () => {
    const { schema } = toStrictJsonSchema(person, { keepConstraints: true });
    expect(schema).toMatchObject({ properties: { name: { type: 'string', minLength: 1 } } });
  });

  it('wraps optional $ref, const and anyOf values in anyOf with null', () => {
    const { schema } = toStrictJsonSchema({
      type: 'object',
      properties: {
        kind: { type: 'string', const: 'a' },
        next: { $ref: '#' },
        either: { oneOf: [{ type: 'string' }, { type: 'number' }] },
      },
      required: [],
    });
    expect(schema).toEqual({
      type: 'object',
      properties: {
        kind: { anyOf: [{ type: 'string', const: 'a' }, { type: 'null' }] },
        next: { anyOf: [{ $ref: '#' }, { type: 'null' }] },
        either: { anyOf: [{ type: 'string' }, { type: 'number' }, { type: 'null' }] },
      },
      required: ['kind', 'next', 'either'],
      additionalProperties: false,
    });
  });

  it('moves definitions to $defs and rewrites their references', () => {
    const { schema } = toStrictJsonSchema({
      type: 'object',
      properties: { node: { $ref: '#/definitions/Node' } },
      required: ['node'],
      definitions: {
        Node: {
          type: 'object',
          properties: { children: { type: 'array', items: { $ref: '#/definitions/Node' } } },
          required: ['children'],
        },
      },
    });
    expect(schema).toEqual({
      type: 'object',
      properties: { node: { $ref: '#/$defs/Node' } },
      required: ['node'],
      additionalProperties: false,
      $defs: {
        Node: {
          type: 'object',
          properties: { children: { type: 'array', items: { $ref: '#/$defs/Node' } } },
          required: ['children'],
          additionalProperties: false,
        },
      },
    });
  });

  it.each([
    ['a non-object root', { type: 'array', items: { type: 'string' } }, /root must be of type/],
    [
      'records',
      { type: 'object', additionalProperties: { type: 'string' } },
      /free-form keys.*#\/additionalProperties/,
    ],
    [
      'allOf',
      { type: 'object', properties: { a: { allOf: [{ type: 'string' }] } } },
      /"allOf".*#\/properties\/a\/allOf/,
    ],
    [
      'tuples',
      { type: 'object', properties: { p: { type: 'array', prefixItems: [{ type: 'number' }] } } },
      /"prefixItems"/,
    ],
    ['any value', { type: 'object', properties: { x: {} } }, /any type.*#\/properties\/x/],
    ['remote refs', { type: 'object', properties: { x: { $ref: 'https://x/y' } } }, /local \$ref/],
  ])('rejects %s with the place and the reason', (_, schema, message) => {
    const error = failure(() => toStrictJsonSchema(schema));
    expect(error.category).toBe('bad_request');
    expect(error.code).toBe('unsupported_schema');
    expect(error.message).toMatch(message);
    expect(isStrictCompatible(schema)).toBe(false);
  });
});

describe('StrictJsonSchema.restore', () => {
  const strict = toStrictJsonSchema({
    type: 'object',
    properties: {
      name: { type: 'string' },
      note: { type: ['string', 'null'] },
      nickname: { type: 'string' },
      pets: {
        type: 'array',
        items: {
          oneOf: [
            {
              type: 'object',
              properties: { kind: { const: 'cat' }, lives: { type: 'integer' } },
              required: ['kind'],
            },
            {
              type: 'object',
              properties: { kind: { const: 'dog' }, breed: { type: 'string' } },
              required: ['kind'],
            },
          ],
        },
      },
      parent: { $ref: '#' },
    },
    required: ['name', 'note'],
  });

  it('drops the nulls that stand for absent optionals, and only those', () => {
    const written = {
      name: 'Ada',
      note: null,
      nickname: null,
      pets: [
        { kind: 'cat', lives: null },
        { kind: 'dog', breed: null },
      ],
      parent: { name: 'Byron', note: null, nickname: 'B', pets: null, parent: null },
    };
    const copy = structuredClone(written);
    expect(strict.restore(written)).toEqual({
      name: 'Ada',
      note: null, // nullable in the original: a real null
      pets: [{ kind: 'cat' }, { kind: 'dog' }],
      parent: { name: 'Byron', note: null, nickname: 'B' },
    });
    expect(written).toEqual(copy); // never mutated
  });

  it('returns the value itself when there is nothing to drop', () => {
    const value = { name: 'Ada', note: 'x', pets: [] };
    expect(strict.restore(value)).toBe(value);
  });

  it('round-trips: a value valid for the original, encoded for strict mode, restores to itself', () => {
    const original = {
      type: 'object',
      properties: {
        a: { type: 'string' },
        b: { type: 'integer' },
        c: { type: 'object', properties: { d: { type: 'boolean' } } },
        e: { type: 'array', items: { type: 'object', properties: { f: { type: 'number' } } } },
      },
      required: ['a'],
    };
    const { schema, restore } = toStrictJsonSchema(original);
    const validStrict = compileJsonSchema(schema);
    const validOriginal = compileJsonSchema(original);
    const item = fc.record(
      { f: fc.double({ noNaN: true, noDefaultInfinity: true }) },
      {
        requiredKeys: [],
      },
    );
    const value = fc.record(
      {
        a: fc.string(),
        b: fc.integer(),
        c: fc.record({ d: fc.boolean() }, { requiredKeys: [] }),
        e: fc.array(item, { maxLength: 3 }),
      },
      { requiredKeys: ['a'] },
    );
    fc.assert(
      fc.property(value, (v) => {
        // What a strict-mode model writes: every key present, null for absent.
        const encode = (x: unknown, keys: Record<string, unknown>): unknown => {
          const out: Record<string, unknown> = {};
          for (const key of Object.keys(keys)) {
            const got = (x as Record<string, unknown>)[key];
            out[key] = got === undefined ? null : got;
          }
          return out;
        };
        const written = {
          ...(encode(v, original.properties) as object),
          ...(v.c === undefined ? {} : { c: encode(v.c, { d: 0 }) }),
          ...(v.e === undefined ? {} : { e: v.e.map((i) => encode(i, { f: 0 })) }),
        };
        expect(validStrict.validate(written, 'final')).toEqual([]);
        const restored = restore(written);
        expect(restored).toEqual(v);
        expect(validOriginal.validate(restored, 'final')).toEqual([]);
      }),
    );
  });
});
