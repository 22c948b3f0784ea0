import { describe, expect, it } from 'vitest';
import { compileSchema } from './compile-schema.ts';

// compileSchema runs findDiscriminator on every anyOf/oneOf once the graph is complete.
describe('findDiscriminator', () => {
  it('finds the discriminator of a tagged union, through $ref and allOf', () => {
    const node = compileSchema({
      anyOf: [
        { $ref: '#/$defs/a' },
        { allOf: [{ properties: { type: { enum: ['b'] } } }] },
        { type: 'null' },
      ],
      $defs: { a: { type: 'object', properties: { type: { const: 'a' }, x: {} } } },
    });
    expect(node.anyOf?.discriminator?.property).toBe('type');
    expect([...(node.anyOf?.discriminator?.tags ?? [])]).toEqual([
      ['a', 0],
      ['b', 1],
    ]);
  });

  it('finds no discriminator when tags repeat or are missing', () => {
    const repeated = compileSchema({
      oneOf: [{ properties: { t: { const: 'x' } } }, { properties: { t: { const: 'x' } } }],
    });
    expect(repeated.oneOf?.discriminator).toBeUndefined();
    const missing = compileSchema({
      oneOf: [{ properties: { t: { const: 'x' } } }, { properties: { u: { const: 'y' } } }],
    });
    expect(missing.oneOf?.discriminator).toBeUndefined();
  });
});
