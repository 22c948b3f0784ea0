import { describe, expect, it } from 'vitest';
import { failure } from '../../../test/support/thrown.ts';
import { isStrictCompatible, toStrictJsonSchema } from './strict-json-schema.ts';

describe('toStrictJsonSchema: OpenAI size limits', () => {
  const objectWith = (count: number) => ({
    type: 'object',
    properties: Object.fromEntries(
      Array.from({ length: count }, (_, i) => [`p${i}`, { type: 'string' }]),
    ),
  });

  it('accepts 5,000 properties and refuses 5,001', () => {
    expect(() => toStrictJsonSchema(objectWith(5000))).not.toThrow();
    expect(failure(() => toStrictJsonSchema(objectWith(5001))).message).toMatch(
      /5001 object properties exceed the limit of 5000/,
    );
  });

  it('accepts 10 levels of object nesting and refuses 11, naming the deepest place', () => {
    const nest = (levels: number): Record<string, unknown> =>
      levels === 1
        ? { type: 'object', properties: { leaf: { type: 'string' } } }
        : { type: 'object', properties: { child: nest(levels - 1) } };
    expect(isStrictCompatible(toStrictJsonSchema(nest(10)).schema)).toBe(true);
    const error = failure(() => toStrictJsonSchema(nest(11)));
    expect(error.message).toMatch(/objects nest 11 levels deep, over the limit of 10/);
    expect(error.message).toContain(`at #${'/properties/child'.repeat(10)}`);
  });

  it('follows references for nesting but not recursion', () => {
    const recursive = {
      type: 'object',
      properties: { next: { $ref: '#' }, items: { type: 'array', items: { $ref: '#' } } },
    };
    expect(() => toStrictJsonSchema(recursive)).not.toThrow();
  });

  it('counts enum values across the schema and the length of large string enums', () => {
    const enums = (count: number, size: number) => ({
      type: 'object',
      properties: Object.fromEntries(
        Array.from({ length: count }, (_, i) => [
          `e${i}`,
          { type: 'string', enum: Array.from({ length: size }, (_, j) => `v${j}`) },
        ]),
      ),
      required: Array.from({ length: count }, (_, i) => `e${i}`),
    });
    expect(() => toStrictJsonSchema(enums(10, 100))).not.toThrow();
    expect(failure(() => toStrictJsonSchema(enums(10, 101))).message).toMatch(
      /1010 enum values exceed the limit of 1000/,
    );
    const long = (count: number, length: number) => ({
      type: 'object',
      properties: {
        e: {
          type: 'string',
          enum: Array.from({ length: count }, (_, i) => String(i).padStart(length, 'x')),
        },
      },
      required: ['e'],
    });
    expect(() => toStrictJsonSchema(long(250, 100))).not.toThrow(); // 25,000 chars, 250 values
    expect(() => toStrictJsonSchema(long(300, 50))).not.toThrow(); // 15,000 chars
    expect(failure(() => toStrictJsonSchema(long(300, 51))).message).toMatch(
      /enum of 300 strings totalling 15300 characters exceeds the limit.*#\/properties\/e\/enum/,
    );
  });

  it('limits the total length of names and enum/const values', () => {
    const names = {
      type: 'object',
      properties: Object.fromEntries(
        Array.from({ length: 121 }, (_, i) => [`${i}`.padStart(1000, 'k'), { type: 'string' }]),
      ),
    };
    expect(failure(() => toStrictJsonSchema(names)).message).toMatch(
      /total 121000 characters, over the limit of 120000/,
    );
  });
});
