import { describe, expect, it } from 'vitest';
import type { JsonSchema } from '../json-schema.ts';
import { compileJsonSchema } from './json-schema-validator.ts';

describe('compileJsonSchema: path-local checks', () => {
  const catalog: JsonSchema = {
    type: 'object',
    properties: {
      title: { type: 'string' },
      items: {
        type: 'array',
        maxItems: 5,
        items: { $ref: '#/$defs/item' },
      },
      pair: { type: 'array', prefixItems: [{ type: 'string' }, { type: 'number' }], items: false },
      shape: {
        anyOf: [
          {
            properties: { kind: { const: 'circle' }, radius: { type: 'number' } },
            additionalProperties: false,
          },
          {
            properties: { kind: { const: 'square' }, side: { type: 'number' } },
            additionalProperties: false,
          },
        ],
      },
      meta: { additionalProperties: { type: 'number' } },
    },
    additionalProperties: false,
    $defs: {
      item: {
        type: 'object',
        properties: { name: { type: 'string', minLength: 2 }, price: { maximum: 100 } },
        required: ['name', 'price'],
      },
    },
  };
  const validator = compileJsonSchema(catalog);

  it('checks only the subtree at the path, in final mode when complete', () => {
    const doc = { title: 42, items: [{ name: 'ok', price: 1 }, { name: 'x' }] };
    expect(validator.validate(doc, 'final', ['items', 0])).toEqual([]);
    expect(validator.validate(doc, 'final', ['items', 1])).toEqual([
      { path: ['items', 1], message: 'missing required property "price"' },
      { path: ['items', 1, 'name'], message: 'expected at least 2 characters, got 1' },
    ]);
    expect(validator.validate(doc, 'partial', ['items', 1])).toEqual([]);
    // `title` is wrong, but it is not on the path.
    expect(validator.validate(doc, 'partial', ['items', 1, 'name'])).toEqual([]);
  });

  it('checks that keys along the path are allowed and indices below maxItems', () => {
    const doc = { extra: { a: 1 }, items: [{}, {}, {}, {}, {}, { name: 'n' }] };
    expect(validator.validate(doc, 'partial', ['extra', 'a'])).toEqual([
      {
        path: ['extra'],
        message: 'unexpected property; allowed: "title", "items", "pair", "shape", "meta"',
      },
    ]);
    expect(validator.validate(doc, 'partial', ['items', 5])).toEqual([
      { path: ['items'], message: 'expected at most 5 items, got 6' },
    ]);
    expect(validator.validate({ pair: ['a', 1, 2] }, 'partial', ['pair', 2])).toEqual([
      { path: ['pair'], message: 'expected at most 2 items, got 3' },
    ]);
    expect(validator.validate({ pair: ['a', 'b'] }, 'final', ['pair', 1])).toEqual([
      { path: ['pair', 1], message: 'expected a number, got "b"' },
    ]);
    expect(validator.validate({ meta: { a: 'x' } }, 'final', ['meta', 'a'])).toEqual([
      { path: ['meta', 'a'], message: 'expected a number, got "x"' },
    ]);
  });

  it('checks container types along the path', () => {
    expect(validator.validate({ items: { 0: {} } }, 'partial', ['items', '0'])).toEqual([
      { path: ['items'], message: 'expected an array, got an object' },
    ]);
  });

  it('follows unions along the path, narrowed by a sibling tag', () => {
    expect(
      validator.validate({ shape: { kind: 'circle', radius: 1 } }, 'final', ['shape', 'radius']),
    ).toEqual([]);
    expect(
      validator.validate({ shape: { kind: 'square', radius: 1 } }, 'final', ['shape', 'radius']),
    ).toEqual([
      { path: ['shape', 'radius'], message: 'unexpected property; allowed: "kind", "side"' },
    ]);
    // Without a tag yet, any branch that accepts the subtree will do.
    expect(validator.validate({ shape: { radius: 1 } }, 'final', ['shape', 'radius'])).toEqual([]);
  });

  it('reports a missing value at the path only for complete checks', () => {
    expect(validator.validate({}, 'partial', ['title'])).toEqual([]);
    expect(validator.validate({}, 'final', ['title'])).toEqual([
      { path: ['title'], message: 'expected a value, got nothing' },
    ]);
  });

  it('reads a bounded part of the document, whatever its size', () => {
    function counted(value: unknown, counter: { reads: number }): unknown {
      if (typeof value !== 'object' || value === null) return value;
      return new Proxy(value, {
        get(target, key, receiver) {
          counter.reads++;
          return counted(Reflect.get(target, key, receiver), counter);
        },
        has(target, key) {
          counter.reads++;
          return Reflect.has(target, key);
        },
        ownKeys(target) {
          counter.reads++;
          return Reflect.ownKeys(target);
        },
        getOwnPropertyDescriptor(target, key) {
          counter.reads++;
          return Reflect.getOwnPropertyDescriptor(target, key);
        },
      });
    }
    // Like the catalog, without maxItems, so the array can grow large.
    const wide = compileJsonSchema({
      type: 'object',
      properties: {
        title: { type: 'string' },
        items: { type: 'array', items: { $ref: '#/$defs/item' } },
      },
      additionalProperties: false,
      $defs: {
        item: {
          type: 'object',
          properties: { name: { type: 'string', minLength: 2 }, price: { maximum: 100 } },
          required: ['name', 'price'],
        },
      },
    });
    function readsFor(itemCount: number): number {
      const items = Array.from({ length: itemCount }, (_, i) => ({
        name: `item ${i}`,
        price: i % 100,
      }));
      const counter = { reads: 0 };
      const doc = counted({ title: 'big', items }, counter);
      expect(wide.validate(doc, 'final', ['items', itemCount - 1])).toEqual([]);
      expect(wide.validate(doc, 'partial', ['items', itemCount - 1, 'name'])).toEqual([]);
      return counter.reads;
    }
    const small = readsFor(3);
    expect(small).toBeGreaterThan(0);
    expect(readsFor(3_000)).toBe(small);
    // The whole-document check, by contrast, reads every item.
    const counter = { reads: 0 };
    const items = Array.from({ length: 300 }, () => ({ name: 'ab', price: 1 }));
    validator.validate(counted({ items: items.slice(0, 5) }, counter), 'final');
    expect(counter.reads).toBeGreaterThan(small);
  });
});

describe('compileJsonSchema: deep values', () => {
  const nested: JsonSchema = {
    $defs: {
      node: { anyOf: [{ type: 'null' }, { type: 'array', items: { $ref: '#/$defs/node' } }] },
    },
    $ref: '#/$defs/node',
  };

  function deep(levels: number): unknown {
    let value: unknown = null;
    for (let i = 0; i < levels; i++) value = [value];
    return value;
  }

  it('validates values as deep as the parser allows without overflowing the stack', () => {
    expect(compileJsonSchema(nested).validate(deep(999), 'final')).toEqual([]);
  });

  it('keeps its own stack: no depth limit but the one it is given', () => {
    const levels = 100_000;
    const validator = compileJsonSchema(nested, { maxDepth: Number.POSITIVE_INFINITY });
    expect(validator.validate(deep(levels), 'final')).toEqual([]);
    expect(validator.validate(deep(levels), 'partial', new Array(levels - 1).fill(0))).toEqual([]);
    const wrong = validator.validate([[[[1]]]], 'final');
    expect(wrong).toEqual([{ path: [0, 0, 0, 0], message: 'expected an array or null, got 1' }]);
  });

  it('reports values nested deeper than maxDepth as an issue', () => {
    const issues = compileJsonSchema(nested, { maxDepth: 50 }).validate(deep(80), 'final');
    expect(issues.map((issue) => issue.message)).toEqual([
      "value nested deeper than the validator's maxDepth (50 levels); to check deeper values, raise it: jsonSchema(schema, { maxDepth }), toResponseModel(schema, { maxDepth }) or compileJsonSchema(schema, { maxDepth })",
    ]);
    expect(issues[0]?.path).toHaveLength(50);
  });

  it('refuses a maxDepth that is not a non-negative number', () => {
    for (const maxDepth of [-1, Number.NaN, '5' as unknown as number]) {
      expect(() => compileJsonSchema(nested, { maxDepth })).toThrow(RangeError);
    }
    expect(compileJsonSchema(nested, { maxDepth: 0 }).validate(null, 'final')).toEqual([]);
  });
});
