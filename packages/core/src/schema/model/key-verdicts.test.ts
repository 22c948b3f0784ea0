import { describe, expect, it } from 'vitest';
import { strictJsonSchema } from '../../strict.ts';
import type { JsonPath } from '../json-schema.ts';
import { compileSchema } from '../validator/compile-schema.ts';
import { compileJsonSchema } from '../validator/json-schema-validator.ts';
import type { SchemaNode } from '../validator/schema-node.ts';
import { jsonSchema } from './json-schema-model.ts';
import { type KeyFilter, keyVerdicts } from './key-verdicts.ts';

/** The key checks alone, as a model keeping undeclared keys has them. */
const forbiddenKeys = (root: SchemaNode) => keyVerdicts(root).checks;

/** The key filters, as a model dropping undeclared keys has them. */
function declaredKeys(root: SchemaNode): (path: JsonPath) => KeyFilter | undefined {
  const { filters } = keyVerdicts(root, true);
  if (filters === undefined) throw new Error('a model dropping undeclared keys has filters');
  return filters;
}

/** Each key of `keys` refused in the object at `path`, with why; 'none' when nothing is refused there. */
function refused(
  schema: unknown,
  path: JsonPath,
  keys: readonly string[],
): Record<string, string> | 'none' {
  const checks = forbiddenKeys(compileSchema(schema));
  const check = checks?.(path);
  if (check === undefined) return 'none';
  const out: Record<string, string> = {};
  for (const key of keys) {
    const message = check(key);
    if (message !== undefined)
      Object.defineProperty(out, key, { value: message, enumerable: true });
  }
  return out;
}

const strict = (properties: Record<string, unknown>, more: Record<string, unknown> = {}) => ({
  type: 'object',
  properties,
  additionalProperties: false,
  ...more,
});

const person = {
  ...strict({
    name: { type: 'string' },
    pets: { type: 'array', items: { $ref: '#/$defs/pet' } },
    notes: { type: 'object' },
  }),
  $defs: { pet: { type: 'object', properties: { kind: { type: 'string' } } } },
};
const withPets = { ...person, $defs: { pet: strict({ kind: { type: 'string' } }) } };

describe('forbiddenKeys', () => {
  it('refuses keys additionalProperties: false leaves out, prototype names included, with the validator’s words', () => {
    const extra = 'unexpected property; allowed: "name", "pets", "notes"';
    expect(refused(person, [], ['name', 'role', '__proto__', 'constructor', 'toString'])).toEqual(
      Object.fromEntries(['role', '__proto__', 'constructor', 'toString'].map((k) => [k, extra])),
    );
    // The same words as the validator's, at the key's path.
    expect(compileJsonSchema(person).validate({ role: {} }, 'partial')).toEqual([
      { path: ['role'], message: 'unexpected property; allowed: "name", "pets", "notes"' },
    ]);
  });

  it('follows items, properties and $ref down to nested objects, at any depth', () => {
    expect(refused(withPets, ['pets', 7], ['kind', 'owner'])).toEqual({
      owner: 'unexpected property; allowed: "kind"',
    });
  });

  it('refuses nothing in free-form objects, in places the schema does not describe, or anywhere in a schema that refuses no key', () => {
    expect(refused(person, ['notes'], ['anything'])).toBe('none');
    expect(refused(person, ['pets', 0], ['anything'])).toBe('none');
    expect(refused(person, ['unknown', 'deeper'], ['anything'])).toBe('none');
    expect(forbiddenKeys(compileSchema({ type: 'object', properties: { a: {} } }))).toBeUndefined();
    expect(forbiddenKeys(compileSchema(true))).toBeUndefined();
  });

  it('refuses properties and patterns whose schema is false; a matching pattern allows a key', () => {
    const schema = {
      type: 'object',
      properties: { secret: false, name: { type: 'string' } },
      patternProperties: { '^x-': { type: 'string' }, '^internal': false },
      additionalProperties: false,
    };
    expect(refused(schema, [], ['secret', 'name', 'x-trace', 'internalId', 'other'])).toEqual({
      secret: 'no value is allowed here',
      internalId: 'no value is allowed here',
      other: 'unexpected property; allowed: "secret", "name"',
    });
    // A free pattern beside a refusing one: only the refused names are refused.
    expect(
      refused({ type: 'object', patternProperties: { '^_': false } }, [], ['_id', 'id']),
    ).toEqual({ _id: 'no value is allowed here' });
  });

  it('applies every allOf member ($ref too): one refusing is enough', () => {
    const schema = { allOf: [{ type: 'object' }, strict({ a: {} })], properties: { b: {} } };
    expect(refused(schema, [], ['a', 'b', 'c'])).toEqual({
      b: 'unexpected property; allowed: "a"',
      c: 'unexpected property; allowed: "a"',
    });
  });

  it('in anyOf and oneOf, refuses a key no branch allows', () => {
    for (const union of ['anyOf', 'oneOf']) {
      const schema = {
        [union]: [strict({ kind: { const: 'a' }, a: {} }), strict({ kind: { const: 'b' }, b: {} })],
      };
      expect(refused(schema, [], ['kind', 'a', 'b', 'c'])).toEqual({
        c: 'unexpected property; allowed: "kind", "a"',
      });
      // A branch that cannot be an object allows nothing; a free-form object branch allows everything.
      expect(refused({ [union]: [{ type: 'string' }, strict({ a: {} })] }, [], ['a', 'b'])).toEqual(
        { b: 'unexpected property; allowed: "a"' },
      );
      expect(refused({ [union]: [{ type: 'object' }, strict({ a: {} })] }, [], ['b'])).toBe('none');
    }
  });

  it('says nothing of keys when the object cannot be valid anyway (wrong type, a false schema)', () => {
    const schema = strict({ name: { type: 'string' }, gone: false });
    expect(refused(schema, ['name'], ['x'])).toBe('none');
    expect(refused(schema, ['gone'], ['x'])).toBe('none');
    expect(refused({ type: 'array', items: strict({}) }, ['key'], ['x'])).toBe('none');
  });

  it('follows patternProperties and additionalProperties schemas into nested objects', () => {
    const schema = {
      type: 'object',
      patternProperties: { '^p': strict({ a: {} }) },
      additionalProperties: strict({ b: {} }),
    };
    expect(refused(schema, ['pX'], ['a', 'b'])).toEqual({ b: 'unexpected property; allowed: "a"' });
    expect(refused(schema, ['other'], ['a', 'b'])).toEqual({
      a: 'unexpected property; allowed: "b"',
    });
  });

  it('follows tuple positions', () => {
    const schema = {
      type: 'array',
      prefixItems: [strict({ a: {} }), { type: 'object' }],
      items: strict({ c: {} }),
    };
    expect(refused(schema, [0], ['a', 'z'])).toEqual({ z: 'unexpected property; allowed: "a"' });
    expect(refused(schema, [1], ['z'])).toBe('none');
    expect(refused(schema, [5], ['c', 'z'])).toEqual({ z: 'unexpected property; allowed: "c"' });
  });

  it('follows recursive schemas', () => {
    const tree = {
      $defs: {
        node: strict({ value: {}, children: { type: 'array', items: { $ref: '#/$defs/node' } } }),
      },
      $ref: '#/$defs/node',
    };
    expect(refused(tree, ['children', 0, 'children', 3], ['value', 'parent'])).toEqual({
      parent: 'unexpected property; allowed: "value", "children"',
    });
  });

  it('shares one check between objects under the same schemas', () => {
    const checks = forbiddenKeys(compileSchema(withPets));
    expect(checks?.(['pets', 0])).toBe(checks?.(['pets', 1]));
    expect(checks?.(['pets', 0])).not.toBe(checks?.([]));
  });

  it('answers alike past what it remembers (many shapes, many keys, long keys)', () => {
    const checks = forbiddenKeys(
      compileSchema({ type: 'object', additionalProperties: strict({ a: {} }) }),
    );
    const long = 'k'.repeat(10_000);
    for (let i = 0; i < 3000; i++) {
      const check = checks?.([i % 7 === 0 ? `${long}${i}` : `key${i}`]);
      expect(check?.('a')).toBeUndefined();
      expect(check?.(`extra${i}`)).toBe('unexpected property; allowed: "a"');
      expect(check?.(`${long}${i}`)).toBe('unexpected property; allowed: "a"');
    }
  });

  it('tells apart paths that look alike but lead to other schemas (tuple positions, keys)', () => {
    const checks = forbiddenKeys(
      compileSchema({
        type: 'array',
        prefixItems: [strict({ a: {} }), { type: 'object' }],
        items: {
          type: 'object',
          additionalProperties: strict({ c: {} }),
          properties: { x: strict({ d: {} }) },
        },
      }),
    );
    const judge = (path: JsonPath, key: string) => checks?.(path)?.(key);
    for (let round = 0; round < 2; round++) {
      expect(judge([0], 'z')).toBe('unexpected property; allowed: "a"');
      expect(judge([1], 'z')).toBeUndefined();
      expect(judge([2, 'x'], 'c')).toBe('unexpected property; allowed: "d"');
      expect(judge([7, 'y'], 'd')).toBe('unexpected property; allowed: "c"');
      expect(judge([9, 'x'], 'd')).toBeUndefined();
      // A key spelled like a path step of another shape.
      expect(judge([3, 'x.1:y'], 'd')).toBe('unexpected property; allowed: "c"');
    }
  });
});

/** The keys of `keys` kept in the object at `path`, or 'all' when nothing is filtered. */
function kept(schema: unknown, path: JsonPath, keys: readonly string[]): string[] | 'all' {
  const filter = declaredKeys(compileSchema(schema))(path);
  return filter === undefined ? 'all' : keys.filter(filter);
}

const openPerson = {
  type: 'object',
  properties: { name: { type: 'string' }, pets: { type: 'array', items: { $ref: '#/$defs/pet' } } },
  $defs: {
    pet: { type: 'object', properties: { kind: { type: 'string' }, tags: { type: 'object' } } },
  },
};

describe('declaredKeys', () => {
  it('keeps declared keys and drops the rest where the schema says nothing of extra keys', () => {
    expect(kept(openPerson, [], ['name', 'role', 'pets', '__proto__'])).toEqual(['name', 'pets']);
  });

  it('follows items and $ref down to nested objects', () => {
    expect(kept(openPerson, ['pets', 3], ['kind', 'owner'])).toEqual(['kind']);
  });

  it('keeps every key of a free-form object, and of places the schema does not describe', () => {
    expect(kept(openPerson, ['pets', 0, 'tags'], ['anything'])).toBe('all');
    expect(kept(openPerson, ['unknown'], ['anything'])).toBe('all');
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
    const filters = declaredKeys(compileSchema(openPerson));
    expect(filters(['pets', 0])).toBe(filters(['pets', 7]));
  });

  it('reads a key matched by a pattern under that pattern only, not additionalProperties', () => {
    const schema = {
      type: 'object',
      patternProperties: { '^p': { type: 'object', properties: { a: {} } } },
      additionalProperties: { type: 'object', properties: { b: {} } },
    };
    expect(kept(schema, ['pX'], ['a', 'b'])).toEqual(['a']);
    expect(kept(schema, ['other'], ['a', 'b'])).toEqual(['b']);
  });
});

describe('keyVerdicts: checks and filters together', () => {
  const schema = {
    type: 'object',
    properties: {
      closed: strict({ a: {} }),
      open: { type: 'object', properties: { b: {} } },
      both: { allOf: [strict({ c: {}, d: {} }), { properties: { c: {} } }] },
    },
  };

  it('answers as each alone does, whichever is asked first', () => {
    const paths: JsonPath[] = [[], ['closed'], ['open'], ['both'], ['missing']];
    const keys = ['a', 'b', 'c', 'd', 'e'];
    const checksAlone = forbiddenKeys(compileSchema(schema));
    const filtersAlone = declaredKeys(compileSchema(schema));
    for (const checksFirst of [true, false]) {
      const together = keyVerdicts(compileSchema(schema), true);
      for (const path of paths) {
        const filter = checksFirst ? undefined : together.filters?.(path);
        const check = together.checks?.(path);
        const answers = keys.map((key) => [
          check?.(key),
          (checksFirst ? together.filters?.(path) : filter)?.(key),
        ]);
        const alone = keys.map((key) => [checksAlone?.(path)?.(key), filtersAlone(path)?.(key)]);
        expect(answers).toEqual(alone);
      }
    }
    // Where a closed schema applies, the check refuses and the filter keeps every key
    // (the validator must see it); where only an open one does, the filter drops it.
    const both = keyVerdicts(compileSchema(schema), true);
    expect(both.checks?.(['both'])?.('e')).toBe('unexpected property; allowed: "c", "d"');
    expect(both.filters?.(['both'])).toBeUndefined();
    expect(both.checks?.(['open'])).toBeUndefined();
    expect(both.filters?.(['open'])?.('e')).toBe(false);
  });

  it('keeps no filters for a model keeping undeclared keys', () => {
    expect(keyVerdicts(compileSchema(schema)).filters).toBeUndefined();
    expect(keyVerdicts(compileSchema(schema), true).filters).toBeTypeOf('function');
  });
});

describe('jsonSchema(schema, { undeclaredKeys })', () => {
  it("'keep' (the default) filters nothing; 'drop' filters undeclared keys", () => {
    expect(jsonSchema(openPerson).keyFilter).toBeUndefined();
    const model = jsonSchema(openPerson, { undeclaredKeys: 'drop' });
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
