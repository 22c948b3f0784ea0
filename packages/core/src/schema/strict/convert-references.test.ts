import { describe, expect, it } from 'vitest';
import { failure } from '../../../test/support/thrown.ts';
import { isStrictCompatible, toStrictJsonSchema } from './strict-json-schema.ts';

describe('toStrictJsonSchema: references', () => {
  const node = {
    type: 'object',
    properties: { label: { type: 'string' }, next: { $ref: '#/$defs/Node' } },
    required: ['label'],
  };

  it('inlines a $ref that has siblings (strict mode takes $ref alone), stopping at recursion', () => {
    const { schema } = toStrictJsonSchema({
      type: 'object',
      properties: { head: { $ref: '#/$defs/Node', description: 'The first node' } },
      required: ['head'],
      $defs: { Node: node },
    });
    expect(schema).toEqual({
      type: 'object',
      properties: {
        head: {
          type: 'object',
          description: 'The first node',
          properties: {
            label: { type: 'string' },
            next: { anyOf: [{ $ref: '#/$defs/Node' }, { type: 'null' }] },
          },
          required: ['label', 'next'],
          additionalProperties: false,
        },
      },
      required: ['head'],
      additionalProperties: false,
      $defs: {
        Node: {
          type: 'object',
          properties: {
            label: { type: 'string' },
            next: { anyOf: [{ $ref: '#/$defs/Node' }, { type: 'null' }] },
          },
          required: ['label', 'next'],
          additionalProperties: false,
        },
      },
    });
    expect(isStrictCompatible(schema)).toBe(true);
  });

  it('keeps the bare $ref, without its annotations, where inlining would recurse', () => {
    const { schema } = toStrictJsonSchema({
      type: 'object',
      properties: { tree: { $ref: '#/$defs/Tree' } },
      required: ['tree'],
      $defs: {
        Tree: {
          type: 'object',
          properties: {
            children: {
              type: 'array',
              items: { $ref: '#/$defs/Tree', description: 'A subtree' },
            },
          },
          required: ['children'],
        },
      },
    });
    const tree = (schema.$defs as Record<string, { properties: Record<string, unknown> }>).Tree;
    // Inlined once (the description is kept), then the recursion is a bare reference.
    expect(tree?.properties.children).toEqual({
      type: 'array',
      items: {
        type: 'object',
        description: 'A subtree',
        properties: { children: { type: 'array', items: { $ref: '#/$defs/Tree' } } },
        required: ['children'],
        additionalProperties: false,
      },
    });
    expect(JSON.stringify(schema)).not.toMatch(/"\$ref":"[^"]*","/);
  });

  it('drops a $ref sibling that strict mode would drop anyway instead of inlining', () => {
    const { schema } = toStrictJsonSchema({
      type: 'object',
      properties: { n: { $ref: '#/$defs/N', default: 1 } },
      required: ['n'],
      $defs: { N: { type: 'integer' } },
    });
    expect(schema.properties).toEqual({ n: { $ref: '#/$defs/N' } });
  });

  it('refuses a $ref sibling that contradicts its target', () => {
    expect(
      failure(() =>
        toStrictJsonSchema({
          type: 'object',
          properties: { n: { $ref: '#/$defs/N', type: 'string' } },
          $defs: { N: { type: 'integer' } },
        }),
      ).message,
    ).toMatch(/"type" next to a \$ref conflicts.*#\/properties\/n\/type/);
  });

  it('makes a root $ref the root object itself, keeping recursion to it', () => {
    const { schema } = toStrictJsonSchema({
      $ref: '#/$defs/Node',
      $defs: { Node: node },
    });
    expect(schema).toMatchObject({
      type: 'object',
      properties: { next: { anyOf: [{ $ref: '#/$defs/Node' }, { type: 'null' }] } },
      additionalProperties: false,
      $defs: { Node: { type: 'object', additionalProperties: false } },
    });
    expect(schema.$ref).toBeUndefined();
    expect(isStrictCompatible({ $ref: '#/$defs/Node', $defs: { Node: node } })).toBe(false);
  });

  it('leaves out definitions nothing refers to', () => {
    const { schema } = toStrictJsonSchema({
      type: 'object',
      properties: { a: { $ref: '#/$defs/A' } },
      required: ['a'],
      $defs: {
        A: { type: 'object', properties: { b: { $ref: '#/$defs/B' } }, required: ['b'] },
        B: { type: 'string' },
        Unused: { type: 'object', additionalProperties: { type: 'string' } },
      },
    });
    expect(Object.keys(schema.$defs as object)).toEqual(['A', 'B']);
  });

  it('reads escaped definition names', () => {
    const { schema, restore } = toStrictJsonSchema({
      type: 'object',
      properties: { x: { $ref: '#/$defs/a~1b' } },
      required: ['x'],
      $defs: { 'a/b': { type: 'object', properties: { y: { type: 'string' } } } },
    });
    expect(schema.$defs).toHaveProperty(['a/b']);
    expect(restore({ x: { y: null } })).toEqual({ x: {} });
  });
});
