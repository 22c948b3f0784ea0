import { describe, expect, expectTypeOf, it } from 'vitest';
import { StructuredLLMError } from '../../errors/index.ts';
import type {
  StandardIssue,
  StandardJSONSchemaOptions,
  StandardJSONSchemaV1,
  StandardJSONSchemaV1Props,
  StandardResult,
  StandardSchemaV1,
  StandardSchemaV1Props,
} from '../standard-schema.ts';
import { jsonSchema } from './json-schema-model.ts';
import type { ResponseModel } from './response-model.ts';
import { toResponseModel } from './to-response-model.ts';
// Loaded: Standard Schemas are sent in strict form when they have one (see strict.test.ts for without).
import '../../strict.ts';

type Standard<T> = StandardSchemaV1<T> & StandardJSONSchemaV1<T>;

interface ZodLikeProps<Input, Output>
  extends StandardSchemaV1Props<Input, Output>,
    StandardJSONSchemaV1Props<Input, Output> {}

/** A minimal library schema the way zod 4.2+ and friends shape it. */
function standardSchema<T>(options: {
  readonly schema: Record<string, unknown>;
  readonly check: (value: unknown) => readonly StandardIssue[];
  readonly targets?: readonly string[];
  readonly async?: boolean;
}): Standard<T> & { readonly requestedTargets: string[] } {
  const requestedTargets: string[] = [];
  const convert = ({ target }: StandardJSONSchemaOptions) => {
    requestedTargets.push(target);
    if (options.targets !== undefined && !options.targets.includes(target)) {
      throw new Error(`target ${target} is not supported`);
    }
    return options.schema;
  };
  const validate = (value: unknown): StandardResult<T> => {
    const issues = options.check(value);
    return issues.length === 0 ? { value: value as T } : { issues };
  };
  return {
    requestedTargets,
    '~standard': {
      version: 1,
      vendor: 'fake',
      validate: options.async === true ? async (value) => validate(value) : validate,
      jsonSchema: { input: convert, output: convert },
    },
  };
}

const pointSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  title: 'Point 2D',
  type: 'object',
  properties: { x: { type: 'number' }, y: { type: 'number', maximum: 10 } },
  required: ['x', 'y'],
  additionalProperties: false,
};

const point = standardSchema<{ x: number; y: number }>({
  schema: pointSchema,
  check: (value) => {
    const { x, y } = value as { x?: unknown; y?: unknown };
    const issues: StandardIssue[] = [];
    if (typeof x !== 'number') issues.push({ message: 'x: Expected number', path: ['x'] });
    if (typeof y !== 'number') issues.push({ message: 'y: Expected number', path: [{ key: 'y' }] });
    return issues;
  },
});

describe('toResponseModel', () => {
  it('returns a ResponseModel as is', () => {
    const model = jsonSchema({ type: 'string' });
    expect(toResponseModel(model)).toBe(model);
  });

  it('renames a ResponseModel when options say so, keeping its checks', () => {
    const model = jsonSchema({ type: 'string', maxLength: 2 }, { name: 'short' });
    const renamed = toResponseModel(model, { name: 'tiny', description: 'Two characters' });
    expect(renamed.name).toBe('tiny');
    expect(renamed.description).toBe('Two characters');
    expect(renamed.jsonSchema).toBe(model.jsonSchema);
    expect(renamed.validatePartial('abc').success).toBe(false);
    expect(model.name).toBe('short');
  });

  it('asks a Standard JSON Schema for its 2020-12 input schema (what the model writes)', () => {
    const model = toResponseModel(point);
    expect(point.requestedTargets).toEqual(['draft-2020-12']);
    // Sent in strict-mode form: already strict apart from the $schema annotation.
    const { $schema: _, ...strict } = pointSchema;
    expect(model.jsonSchema).toEqual(strict);
    expect(model.name).toBe('Point_2D');
    expect(toResponseModel(point, { strict: false }).jsonSchema).toBe(pointSchema);
  });

  it('sends optional fields as nullable and removes the nulls before the library validates', async () => {
    const seen: unknown[] = [];
    const optional = standardSchema<{ a: string; b?: number }>({
      schema: {
        type: 'object',
        properties: { a: { type: 'string' }, b: { type: 'number' } },
        required: ['a'],
      },
      check: (value) => {
        seen.push(value);
        return [];
      },
    });
    const model = toResponseModel(optional);
    expect(model.jsonSchema).toEqual({
      type: 'object',
      properties: { a: { type: 'string' }, b: { type: ['number', 'null'] } },
      required: ['a', 'b'],
      additionalProperties: false,
    });
    expect(model.validatePartial({ a: 'x', b: null }).success).toBe(true);
    expect(model.validatePartial({ a: 'x', b: 'no' }).success).toBe(false);
    expect(await model.validate({ a: 'x', b: null })).toEqual({
      success: true,
      value: { a: 'x' },
    });
    expect(seen).toEqual([{ a: 'x' }]);
  });

  it('sends a schema with no strict form as it is (auto), or refuses it (strict: true)', () => {
    const record = standardSchema<Record<string, string>>({
      schema: { type: 'object', additionalProperties: { type: 'string' } },
      check: () => [],
    });
    expect(toResponseModel(record).jsonSchema).toEqual({
      type: 'object',
      additionalProperties: { type: 'string' },
    });
    expect(() => toResponseModel(record, { strict: true })).toThrow(/free-form keys/);
  });

  it('falls back to draft-07 when the library cannot produce 2020-12', () => {
    const legacy = standardSchema({
      schema: { type: 'string' },
      check: () => [],
      targets: ['draft-07'],
    });
    expect(toResponseModel(legacy).jsonSchema).toEqual({ type: 'string' });
    expect(legacy.requestedTargets).toEqual(['draft-2020-12', 'draft-07']);
  });

  it('reports a schema that cannot be converted at all', () => {
    const opaque = standardSchema({ schema: {}, check: () => [], targets: [] });
    let thrown: unknown;
    try {
      toResponseModel(opaque);
    } catch (error) {
      thrown = error;
    }
    expect(StructuredLLMError.is(thrown)).toBe(true);
    expect(thrown).toMatchObject({ category: 'bad_request', code: 'unsupported_schema' });
    expect((thrown as Error).message).toMatch('The fake schema cannot be converted to JSON Schema');
    expect((thrown as Error).cause).toBeInstanceOf(Error);
  });

  it('validates final values with the library, mapping issue paths', () => {
    const model = toResponseModel(point);
    expect(model.validate({ x: 1, y: 2 })).toEqual({ success: true, value: { x: 1, y: 2 } });
    expect(model.validate({ x: 'a' })).toEqual({
      success: false,
      issues: [
        { path: ['x'], message: 'x: Expected number' },
        { path: ['y'], message: 'y: Expected number' },
      ],
    });
  });

  it('maps numeric, symbol and missing path segments', () => {
    const odd = standardSchema({
      schema: {},
      check: () => [
        { message: 'a', path: ['list', 0, { key: 1 }] },
        { message: 'b', path: [Symbol('secret')] },
        { message: 'c' },
      ],
    });
    expect(toResponseModel(odd).validate(null)).toEqual({
      success: false,
      issues: [
        { path: ['list', 0, 1], message: 'a' },
        { path: ['secret'], message: 'b' },
        { path: [], message: 'c' },
      ],
    });
  });

  it('passes asynchronous validation through as a promise', async () => {
    const remote = standardSchema({ schema: {}, check: () => [{ message: 'no' }], async: true });
    const result = toResponseModel(remote).validate(1);
    expect(result).toBeInstanceOf(Promise);
    expect(await result).toEqual({ success: false, issues: [{ path: [], message: 'no' }] });
  });

  it('checks partial values with the generated JSON Schema', () => {
    const model = toResponseModel(point);
    expect(model.validatePartial({ x: 1 }).success).toBe(true);
    expect(model.validatePartial({ y: 11 })).toEqual({
      success: false,
      issues: [{ path: ['y'], message: 'expected a number ≤ 10, got 11' }],
    });
    expect(model.validatePartial({ z: 1 }).success).toBe(false);
  });

  it('takes the name from options first, and defaults to "response"', () => {
    expect(toResponseModel(point, { name: 'point' }).name).toBe('point');
    const untitled = standardSchema({ schema: { type: 'object' }, check: () => [] });
    expect(toResponseModel(untitled).name).toBe('response');
  });

  it.each([
    ['a plain JSON Schema', { type: 'object', properties: {} }, /wrap it: jsonSchema\(schema\)/],
    [
      'a Standard Schema without JSON Schema',
      { '~standard': { version: 1, vendor: 'old', validate: () => ({ value: 1 }) } },
      /Standard Schema \(old\) without "~standard.jsonSchema"/,
    ],
    ['null', null, /got null/],
    ['a string', 'schema', /got a string/],
  ])('rejects %s clearly', (_, input, message) => {
    let thrown: unknown;
    try {
      toResponseModel(input as never);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({ category: 'bad_request', code: 'unsupported_schema' });
    expect((thrown as Error).message).toMatch(message);
  });

  it('infers the output type of a Standard Schema', () => {
    type A = { a: string };
    // Type-level only: these values are never converted.
    const infer = {
      point: () => toResponseModel(point),
      typed: (schema: StandardSchemaV1<A> & StandardJSONSchemaV1<A>) => toResponseModel(schema),
      // Input and output types may differ (a transform): the model produces the output.
      transformed: (schema: StandardSchemaV1<string, A> & StandardJSONSchemaV1<string, A>) =>
        toResponseModel(schema),
      // zod ≥ 4.2 types `~standard` as one interface extending both specs.
      zodLike: (schema: { readonly '~standard': ZodLikeProps<string, A> }) =>
        toResponseModel(schema),
      model: () => toResponseModel(jsonSchema<number[]>({})),
    };
    expectTypeOf(infer.point).returns.toEqualTypeOf<ResponseModel<{ x: number; y: number }>>();
    expectTypeOf(infer.typed).returns.toEqualTypeOf<ResponseModel<{ a: string }>>();
    expectTypeOf(infer.transformed).returns.toEqualTypeOf<ResponseModel<{ a: string }>>();
    expectTypeOf(infer.zodLike).returns.toEqualTypeOf<ResponseModel<{ a: string }>>();
    expectTypeOf(infer.model).returns.toEqualTypeOf<ResponseModel<number[]>>();
  });
});

describe('toResponseModel: maxDepth', () => {
  const list = { type: 'array', items: { $ref: '#' } } as const;
  /** `levels` nested arrays. */
  const nested = (levels: number): unknown => {
    let value: unknown[] = [];
    for (let i = 1; i < levels; i++) value = [value];
    return value;
  };
  const passes = async (model: ResponseModel<unknown>, levels: number) =>
    (await model.validate(nested(levels))).success && model.validatePartial(nested(levels)).success;

  it('raises the default limit of a jsonSchema model (a copy sharing its checks)', async () => {
    const model = jsonSchema(list, { name: 'lists', description: 'Lists of lists' });
    expect(await passes(model, 1500)).toBe(false);
    const deeper = toResponseModel(model, { maxDepth: 2000 });
    expect(deeper).not.toBe(model);
    expect(deeper).toMatchObject({ name: 'lists', description: 'Lists of lists' });
    expect(deeper.jsonSchema).toBe(model.jsonSchema);
    expect(await passes(deeper, 2000)).toBe(true);
    expect(await passes(deeper, 2002)).toBe(false); // the 2001st, empty, has nothing to enter
    expect(await passes(model, 1500)).toBe(false); // the model itself is unchanged
    expect(toResponseModel(model, { maxDepth: 2000 })).toBe(deeper); // one copy per limit
    expect(toResponseModel(deeper, { maxDepth: 2000 })).toBe(deeper);
    // A renamed model stays renamed.
    const renamed = toResponseModel(model, { name: 'renamed' });
    const renamedDeeper = toResponseModel(renamed, { maxDepth: Number.POSITIVE_INFINITY });
    expect(renamedDeeper.name).toBe('renamed');
    expect(await passes(renamedDeeper, 20_000)).toBe(true);
    expect(toResponseModel(model, { maxDepth: 3000, name: 'both' }).name).toBe('both');
  });

  it('never lowers a limit, and leaves a limit the model set itself', async () => {
    const model = jsonSchema(list);
    expect(toResponseModel(model, { maxDepth: 10 })).toBe(model);
    expect(toResponseModel(model, { maxDepth: 1000 })).toBe(model);
    const own = jsonSchema(list, { maxDepth: 50 });
    expect(toResponseModel(own, { maxDepth: 5000 })).toBe(own);
    expect(await passes(own, 52)).toBe(false);
  });

  it('gives a Standard Schema its limit', () => {
    const lists = standardSchema<unknown[]>({ schema: list, check: () => [] });
    expect(toResponseModel(lists).validatePartial(nested(1500)).success).toBe(false);
    expect(toResponseModel(lists, { maxDepth: 1500 }).validatePartial(nested(1500)).success).toBe(
      true,
    );
  });

  it('refuses a maxDepth that is not a non-negative number', () => {
    expect(() => toResponseModel(jsonSchema(list), { maxDepth: -1 })).toThrow(RangeError);
  });
});
