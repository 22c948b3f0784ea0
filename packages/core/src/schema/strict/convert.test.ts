import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { failure } from '../../../test/support/thrown.ts';
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
    // Objects stay as open as the original: an extra key is no error for the original either.
    expect(schema).not.toHaveProperty('additionalProperties');
    const closed = { ...person, additionalProperties: false };
    expect(toStrictJsonSchema(closed, { keepConstraints: true }).schema).toMatchObject({
      additionalProperties: false,
    });
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
    [
      'remote refs',
      { type: 'object', properties: { x: { $ref: 'https://x/y' } } },
      /only references to the root.*#\/properties\/x\/\$ref/,
    ],
    [
      'refs into the middle of the document',
      { type: 'object', properties: { x: { $ref: '#/properties/y' }, y: { type: 'string' } } },
      /only references to the root/,
    ],
    [
      'dangling refs',
      { type: 'object', properties: { x: { $ref: '#/$defs/Missing' } } },
      /#\/\$defs\/Missing has no definition at #\/properties\/x\/\$ref/,
    ],
    [
      'a union at the root',
      {
        anyOf: [
          { type: 'object', properties: {} },
          { type: 'object', properties: {} },
        ],
      },
      /root must be an object, not a union/,
    ],
    [
      'conditionals',
      { type: 'object', properties: { a: { type: 'string', if: { minLength: 2 } } } },
      /"if" is not accepted.*#\/properties\/a\/if/,
    ],
    [
      'pattern-named keys',
      { type: 'object', patternProperties: { '^x': { type: 'string' } } },
      /"patternProperties"/,
    ],
    [
      'a recursive $ref with constraints next to it',
      { type: 'object', properties: { next: { $ref: '#', maxItems: 2 } } },
      /recursive \$ref cannot carry sibling keywords.* at #\/properties\/next\/maxItems/,
    ],
    [
      'an empty enum',
      { type: 'object', properties: { a: { enum: [] } }, required: ['a'] },
      /enum must list at least one value at #\/properties\/a\/enum/,
    ],
  ])('rejects %s with the place and the reason', (_, schema, message) => {
    const error = failure(() => toStrictJsonSchema(schema));
    expect(error.category).toBe('bad_request');
    expect(error.code).toBe('unsupported_schema');
    expect(error.message).toMatch(message);
    expect(isStrictCompatible(schema)).toBe(false);
  });
});

describe('toStrictJsonSchema: keywords', () => {
  it('adds the type a bare enum or const implies', () => {
    const { schema } = toStrictJsonSchema({
      type: 'object',
      properties: {
        kind: { const: 'circle' },
        size: { enum: ['s', 'm', 1] },
        any: { enum: [{ a: 1 }] },
      },
      required: ['kind', 'size', 'any'],
    });
    expect(schema.properties).toEqual({
      kind: { type: 'string', const: 'circle' },
      size: { type: ['string', 'number'], enum: ['s', 'm', 1] },
      any: { enum: [{ a: 1 }] },
    });
  });

  it('drops annotations and constraints strict mode does not take, keeping them on request', () => {
    const source = {
      type: 'object',
      'x-internal': true,
      properties: {
        tags: { type: 'array', items: { type: 'string' }, uniqueItems: true, examples: [['a']] },
        meta: {
          type: 'object',
          properties: { a: { type: 'string', format: 'uri' } },
          minProperties: 1,
          $comment: 'free text',
        },
      },
      required: ['tags', 'meta'],
    };
    const { schema } = toStrictJsonSchema(source);
    expect(schema).toEqual({
      type: 'object',
      properties: {
        tags: { type: 'array', items: { type: 'string' } },
        meta: {
          type: 'object',
          properties: { a: { type: ['string', 'null'] } },
          required: ['a'],
          additionalProperties: false,
        },
      },
      required: ['tags', 'meta'],
      additionalProperties: false,
    });
    expect(toStrictJsonSchema(source, { keepConstraints: true }).schema).toMatchObject({
      properties: {
        tags: { uniqueItems: true },
        meta: { minProperties: 1, properties: { a: { format: 'uri' } } },
      },
    });
  });
});

describe('toStrictJsonSchema: any schema it converts', () => {
  type Gen = fc.Arbitrary<Record<string, unknown>>;
  const leaf: Gen = fc.oneof(
    fc.constant({ type: 'string' }),
    fc.constant({ type: 'string', minLength: 1, format: 'email' }),
    fc.constant({ type: 'integer', minimum: 0 }),
    fc.constant({ type: 'boolean' }),
    fc.constant({ type: ['number', 'null'] }),
    fc.constant({ enum: ['a', 'b'] }),
    fc.constant({ const: 'k' }),
    fc.constant({ $ref: '#/$defs/Leaf', description: 'a leaf' }),
    fc.constant({ $ref: '#' }),
  );
  const { schema: arbitrarySchema } = fc.letrec<{ schema: Record<string, unknown> }>((tie) => ({
    schema: fc.oneof(
      { maxDepth: 4, depthIdentifier: 'schema' },
      leaf,
      fc.record({ type: fc.constant('array'), items: tie('schema') }),
      fc.record({ oneOf: fc.array(tie('schema'), { minLength: 1, maxLength: 3 }) }),
      fc
        .dictionary(fc.constantFrom('a', 'b', 'c', 'd'), tie('schema'), { maxKeys: 4 })
        .chain((properties) =>
          fc.record({
            type: fc.constant('object'),
            properties: fc.constant(properties),
            required: fc.subarray(Object.keys(properties)),
            nullable: fc.boolean(),
          }),
        ),
    ) as fc.Arbitrary<Record<string, unknown>>,
  }));
  const document = fc
    .dictionary(fc.constantFrom('a', 'b', 'c'), arbitrarySchema, { minKeys: 1, maxKeys: 3 })
    .map((properties) => ({
      type: 'object',
      properties,
      $defs: { Leaf: { type: 'object', properties: { v: { type: 'string' } } } },
    }));

  function walk(node: unknown, visit: (schema: Record<string, unknown>) => void): void {
    if (Array.isArray(node)) for (const item of node) walk(item, visit);
    else if (typeof node === 'object' && node !== null) {
      visit(node as Record<string, unknown>);
      for (const [key, value] of Object.entries(node)) if (key !== 'enum') walk(value, visit);
    }
  }

  it('produces a schema strict mode accepts as it is, and converting it again changes nothing', () => {
    const allowed = new Set([
      ...['type', 'properties', 'required', 'additionalProperties', 'items', 'enum', 'const'],
      ...['anyOf', '$ref', '$defs', 'description', 'title', 'format', 'minimum', 'maximum'],
    ]);
    fc.assert(
      fc.property(document, (source) => {
        const { schema } = toStrictJsonSchema(source);
        expect(isStrictCompatible(schema)).toBe(true);
        expect(toStrictJsonSchema(schema).schema).toEqual(schema);
        walk(schema.properties, (node) => {
          const isSchema = ['type', 'anyOf', '$ref', 'enum', 'const'].some((k) => k in node);
          if (isSchema) for (const key of Object.keys(node)) expect(allowed).toContain(key);
          if (node.$ref !== undefined) expect(Object.keys(node)).toEqual(['$ref']);
          if (node.properties !== undefined) {
            expect(node.additionalProperties).toBe(false);
            expect(node.required).toEqual(Object.keys(node.properties as object));
          }
        });
      }),
    );
  });
});

describe('toStrictJsonSchema: names Object.prototype also has', () => {
  // Parsed, as a schema arriving as JSON would be: `__proto__` is then an own key.
  const schema = JSON.parse(`{
    "type": "object",
    "properties": {
      "__proto__": { "type": "boolean" },
      "constructor": { "type": "string" },
      "hasOwnProperty": { "type": "number" },
      "toString": { "$ref": "#/$defs/__proto__" },
      "valueOf": { "$ref": "#/$defs/constructor" }
    },
    "required": ["__proto__", "constructor"],
    "$defs": {
      "__proto__": {
        "type": "object",
        "properties": { "__proto__": { "type": "string" }, "constructor": { "type": "integer" } },
        "required": ["constructor"]
      },
      "constructor": { "type": "string" }
    }
  }`);
  const names = ['__proto__', 'constructor', 'hasOwnProperty', 'toString', 'valueOf'];

  it('keeps them as own properties, in properties, required and $defs', () => {
    const strict = toStrictJsonSchema(schema).schema as {
      properties: Record<string, unknown>;
      required: string[];
      $defs: Record<string, { properties: Record<string, unknown>; required: string[] }>;
    };
    expect(Object.keys(strict.properties)).toEqual(names);
    expect(Object.getPrototypeOf(strict.properties)).toBe(Object.prototype);
    expect(Object.hasOwn(strict.properties, '__proto__')).toBe(true);
    expect(Object.getOwnPropertyDescriptor(strict.properties, '__proto__')?.value).toEqual({
      type: 'boolean',
    });
    expect(strict.required).toEqual(names);
    expect(Object.keys(strict.$defs)).toEqual(['__proto__', 'constructor']);
    const inner = Object.getOwnPropertyDescriptor(strict.$defs, '__proto__')?.value as {
      properties: object;
      required: string[];
    };
    expect(Object.keys(inner.properties)).toEqual(['__proto__', 'constructor']);
    expect(inner.required).toEqual(['__proto__', 'constructor']);
    // Plain JSON: serialised with every key, and read back the same.
    const text = JSON.stringify(strict);
    expect(text).toContain('"properties":{"__proto__":{"type":"boolean"},"constructor":');
    expect(text).toContain('"$defs":{"__proto__":{"type":"object","properties":{"__proto__":');
    expect(JSON.stringify(JSON.parse(text))).toBe(text);
    expect(isStrictCompatible(JSON.parse(text))).toBe(true);
    expect(({} as { type?: unknown }).type).toBeUndefined();
  });

  it('restores values with those keys, dropping only optional nulls', () => {
    const { restore } = toStrictJsonSchema(schema);
    const written = JSON.parse(`{
      "__proto__": true,
      "constructor": "c",
      "hasOwnProperty": null,
      "toString": { "__proto__": null, "constructor": 1 },
      "valueOf": null
    }`);
    const restored = restore(written) as Record<string, unknown>;
    expect(Object.keys(restored)).toEqual(['__proto__', 'constructor', 'toString']);
    expect(Object.getPrototypeOf(restored)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(restored, '__proto__')?.value).toBe(true);
    const inner = restored.toString as unknown as object;
    expect(Object.keys(inner)).toEqual(['constructor']);
    expect(Object.getPrototypeOf(inner)).toBe(Object.prototype);
    // A nested change under `__proto__` lands in an own property of the copy.
    const nested = toStrictJsonSchema(
      JSON.parse(`{
        "type": "object",
        "properties": { "__proto__": { "type": "object", "properties": { "x": { "type": "string" } } } },
        "required": ["__proto__"]
      }`),
    ).restore(JSON.parse('{ "__proto__": { "x": null } }')) as object;
    expect(Object.getPrototypeOf(nested)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(nested, '__proto__')?.value).toEqual({});
    expect(({} as { x?: unknown }).x).toBeUndefined();
  });

  it('does not take an undeclared key for one Object.prototype has', () => {
    const { restore } = toStrictJsonSchema({
      type: 'object',
      properties: { a: { type: 'string' } },
    });
    const value = JSON.parse('{ "a": null, "constructor": { "a": null }, "__proto__": [null] }');
    const restored = restore(value) as Record<string, unknown>;
    expect(Object.keys(restored)).toEqual(['constructor', '__proto__']);
    expect(restored.constructor).toBe(value.constructor);
  });
});
