import { describe, expect, it } from 'vitest';
import { compileSchema } from './compile-schema.ts';
import { TYPE_INTEGER, TYPE_NULL, TYPE_STRING } from './schema-node.ts';

describe('compileSchema', () => {
  it('reads type names into a set, with OpenAPI nullable', () => {
    expect(compileSchema({ type: ['string', 'null'] }).types).toBe(TYPE_STRING | TYPE_NULL);
    expect(compileSchema({ type: 'integer', nullable: true }).types).toBe(TYPE_INTEGER | TYPE_NULL);
    expect(compileSchema({}).types).toBeUndefined();
  });

  it('keeps the tighter of inclusive and exclusive bounds', () => {
    const node = compileSchema({
      minimum: 1,
      exclusiveMinimum: 0,
      maximum: 5,
      exclusiveMaximum: 5,
    });
    expect(node.minimum).toEqual({ value: 1, exclusive: false });
    expect(node.maximum).toEqual({ value: 5, exclusive: true });
  });

  it('shares one node per referenced subschema, so recursion is a cycle', () => {
    const node = compileSchema({
      $defs: { item: { properties: { next: { $ref: '#/$defs/item' } } } },
      properties: { a: { $ref: '#/$defs/item' }, b: { $ref: '#/$defs/item' } },
    });
    const a = node.properties?.get('a')?.allOf[0];
    const b = node.properties?.get('b')?.allOf[0];
    expect(a).toBeDefined();
    expect(a).toBe(b);
    expect(a?.properties?.get('next')?.allOf[0]).toBe(a);
  });

  it('ignores a pattern no regex mode accepts', () => {
    expect(compileSchema({ pattern: '(' }).pattern).toBeUndefined();
    expect(compileSchema({ pattern: '\\p{L}' }).pattern?.unicode).toBe(true);
  });
});
