import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileJsonSchema } from '../validator/json-schema-validator.ts';
import { toStrictJsonSchema } from './strict-json-schema.ts';

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

describe('StrictJsonSchema.restore: unions', () => {
  it('picks the union branch by its enum discriminator before dropping nulls', () => {
    const { restore } = toStrictJsonSchema({
      type: 'object',
      properties: {
        event: {
          anyOf: [
            {
              type: 'object',
              properties: { kind: { enum: ['open', 'close'] }, note: { type: 'string' } },
              required: ['kind'],
            },
            {
              type: 'object',
              properties: { kind: { enum: ['comment'] }, note: { type: ['string', 'null'] } },
              required: ['kind', 'note'],
            },
          ],
        },
      },
      required: ['event'],
    });
    expect(restore({ event: { kind: 'open', note: null } })).toEqual({ event: { kind: 'open' } });
    expect(restore({ event: { kind: 'comment', note: null } })).toEqual({
      event: { kind: 'comment', note: null },
    });
  });
});

describe('StrictJsonSchema.restore: depth', () => {
  const { restore } = toStrictJsonSchema({
    type: 'object',
    properties: { note: { type: 'string' }, child: { $ref: '#' } },
  });
  /** `levels` objects, each but the last holding the next; each with an optional null. */
  const chain = (levels: number): Record<string, unknown> => {
    let value: Record<string, unknown> = { note: null, child: null };
    for (let i = 1; i < levels; i++) value = { note: null, child: value };
    return value;
  };
  const depthOfNulls = (value: unknown): number => {
    let depth = 0;
    for (let node = value as Record<string, unknown> | null; node !== null; depth++) {
      if ('note' in node) return depth;
      node = (node.child ?? null) as Record<string, unknown> | null;
    }
    return -1;
  };

  it('reads values of any depth up to maxDepth without recursing', () => {
    const levels = 50_000;
    const restored = restore(chain(levels), { maxDepth: Number.POSITIVE_INFINITY });
    expect(depthOfNulls(restored)).toBe(-1); // every optional null dropped, down to the last
  });

  it('stops at maxDepth (1000 by default), like the validator', () => {
    expect(depthOfNulls(restore(chain(1500)))).toBe(1000);
    expect(depthOfNulls(restore(chain(20), { maxDepth: 5 }))).toBe(5);
    expect(depthOfNulls(restore(chain(1000)))).toBe(-1);
  });
});
