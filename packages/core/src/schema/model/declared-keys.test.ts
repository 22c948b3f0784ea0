import { describe, expect, it } from 'vitest';
import { strictJsonSchema } from '../../strict.ts';
import type { JsonPath } from '../json-schema.ts';
import { compileSchema } from '../validator/compile-schema.ts';
import { declaredKeys } from './declared-keys.ts';
import { jsonSchema } from './json-schema-model.ts';

/** The keys of `keys` kept in the object at `path`, or 'all' when nothing is filtered. */
function kept(schema: unknown, path: JsonPath, keys: readonly string[]): string[] | 'all' {
  const filter = declaredKeys(compileSchema(schema))(path);
  return filter === undefined ? 'all' : keys.filter(filter);
}

const person = {
  type: 'object',
  properties: { name: { type: 'string' }, pets: { type: 'array', items: { $ref: '#/$defs/pet' } } },
  $defs: {
    pet: { type: 'object', properties: { kind: { type: 'string' }, tags: { type: 'object' } } },
  },
};

describe('declaredKeys', () => {
  it('keeps declared keys and drops the rest where the schema says nothing of extra keys', () => {
    expect(kept(person, [], ['name', 'role', 'pets', '__proto__'])).toEqual(['name', 'pets']);
  });

  it('follows items and $ref down to nested objects', () => {
    expect(kept(person, ['pets', 3], ['kind', 'owner'])).toEqual(['kind']);
  });

  it('keeps every key of a free-form object, and of places the schema does not describe', () => {
    expect(kept(person, ['pets', 0, 'tags'], ['anything'])).toBe('all');
    expect(kept(person, ['unknown'], ['anything'])).toBe('all');
  });

  it('keeps every key where additionalProperties or patternProperties speak of them (false included)', () => {
    for (const extra of [
      { additionalProperties: false },
      { additionalProperties: {} },
      { additionalProperties: { type: 'number' } },
      { patternProperties: { '^x': {} } },
    ]) {
      expect(kept({ type: 'object', properties: { a: {} }, ...extra }, [], ['a', 'b'])).toBe('all');
    }
  });

  it('keeps a key declared by any branch of a union or any member of allOf', () => {
    const union = {
      anyOf: [
        { type: 'object', properties: { kind: { const: 'a' }, x: {} } },
        { type: 'object', properties: { kind: { const: 'b' }, y: {} } },
        { type: 'null' },
      ],
    };
    expect(kept(union, [], ['kind', 'x', 'y', 'z'])).toEqual(['kind', 'x', 'y']);
    const all = { allOf: [{ properties: { a: {} } }, { properties: { b: {} } }] };
    expect(kept(all, [], ['a', 'b', 'c'])).toEqual(['a', 'b']);
    const open = { allOf: [{ properties: { a: {} } }, { additionalProperties: true }] };
    expect(kept(open, [], ['a', 'c'])).toBe('all');
  });

  it('handles recursive schemas and tuples', () => {
    const tree = {
      type: 'object',
      properties: { label: { type: 'string' }, children: { type: 'array', items: { $ref: '#' } } },
    };
    expect(kept(tree, ['children', 0, 'children', 5], ['label', 'extra'])).toEqual(['label']);
    const tuple = {
      type: 'array',
      prefixItems: [
        { type: 'object', properties: { a: {} } },
        { type: 'object', properties: { b: {} } },
      ],
    };
    expect(kept(tuple, [1], ['a', 'b'])).toEqual(['b']);
    expect(kept(tuple, [2], ['a', 'b'])).toBe('all');
  });

  it('costs nothing for schemas without such objects', () => {
    const closed = { type: 'object', properties: { a: {} }, additionalProperties: false };
    expect(declaredKeys(compileSchema(closed))([])).toBeUndefined();
  });

  it('shares one filter between objects reached through the same schemas', () => {
    const filters = declaredKeys(compileSchema(person));
    expect(filters(['pets', 0])).toBe(filters(['pets', 7]));
  });
});

describe('jsonSchema(schema, { undeclaredKeys })', () => {
  it("'keep' (the default) filters nothing; 'drop' filters undeclared keys", () => {
    expect(jsonSchema(person).keyFilter).toBeUndefined();
    const model = jsonSchema(person, { undeclaredKeys: 'drop' });
    expect(model.keyFilter?.([])?.('role')).toBe(false);
    expect(model.keyFilter?.([])?.('name')).toBe(true);
  });

  it("'drop' with strict mode reads the original schema's key policy, not the strict form's", () => {
    const model = strictJsonSchema(
      {
        type: 'object',
        properties: { a: { type: 'string' }, b: { type: 'number' } },
        required: ['a'],
      },
      { undeclaredKeys: 'drop' },
    );
    expect(model.jsonSchema).toMatchObject({ additionalProperties: false });
    expect(model.keyFilter?.([])?.('c')).toBe(false);
    expect(model.keyFilter?.([])?.('b')).toBe(true);
  });
});
