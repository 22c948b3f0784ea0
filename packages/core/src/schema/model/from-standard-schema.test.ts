import { describe, expect, expectTypeOf, it } from 'vitest';
import { collect, service } from '../../../test/support/engine.ts';
import { createMockProvider } from '../../../test/support/mock-provider.ts';
import { failure } from '../../../test/support/thrown.ts';
import type {
  StandardIssue,
  StandardJSONSchemaOptions,
  StandardResult,
  StandardSchemaV1,
} from '../standard-schema.ts';
import { fromStandardSchema } from './from-standard-schema.ts';
import type { ResponseModel } from './response-model.ts';

/*
 * A Standard Schema written by hand, as a small validation library would ship it:
 * only `~standard.validate`, no JSON Schema of its own. It trims names (a transform)
 * and refuses ages below 18 (a refinement JSON Schema does not carry), and, like
 * zod's and valibot's default objects, keeps only the keys it declares.
 */
interface Adult {
  readonly name: string;
  readonly age: number;
}

function adultSchema(vendor = 'handmade'): StandardSchemaV1<unknown, Adult> & {
  readonly seen: unknown[];
} {
  const seen: unknown[] = [];
  return {
    seen,
    '~standard': {
      version: 1,
      vendor,
      validate: (value): StandardResult<Adult> => {
        seen.push(value);
        const { name, age } = (value ?? {}) as { name?: unknown; age?: unknown };
        const issues: StandardIssue[] = [];
        if (typeof name !== 'string') issues.push({ message: 'a name is needed', path: ['name'] });
        if (typeof age !== 'number') issues.push({ message: 'an age is needed', path: ['age'] });
        else if (age < 18) issues.push({ message: 'too young', path: [{ key: 'age' }] });
        if (issues.length > 0) return { issues };
        return { value: { name: (name as string).trim(), age: age as number } };
      },
    },
  };
}

const adultJsonSchema = {
  title: 'Adult',
  type: 'object',
  properties: { name: { type: 'string' }, age: { type: 'integer', minimum: 0 } },
  required: ['name', 'age'],
};

describe('fromStandardSchema', () => {
  it('asks for the JSON Schema given, checks partials with it and the final value with the library', async () => {
    const schema = adultSchema();
    const model = fromStandardSchema(schema, { jsonSchema: adultJsonSchema, strict: false });
    expectTypeOf(model).toEqualTypeOf<ResponseModel<Adult>>();
    expect(model.name).toBe('Adult');
    expect(model.jsonSchema).toBe(adultJsonSchema);
    // Partials: the JSON Schema's rules, as they stream; the library is not asked.
    expect(model.validatePartial({ name: 'Ada' }).success).toBe(true);
    expect(model.validatePartial({ age: -1 })).toMatchObject({
      success: false,
      issues: [{ path: ['age'] }],
    });
    expect(schema.seen).toEqual([]);
    // The final value: the library's output (trimmed) or its issues, paths read.
    expect(await model.validate({ name: ' Ada ', age: 36 })).toEqual({
      success: true,
      value: { name: 'Ada', age: 36 },
    });
    expect(await model.validate({ age: 12 })).toEqual({
      success: false,
      issues: [
        { path: ['name'], message: 'a name is needed' },
        { path: ['age'], message: 'too young' },
      ],
    });
  });

  it('streams a typed, library-checked answer through the service, re-asking on its issues', async () => {
    const provider = createMockProvider({
      responses: [{ json: { name: ' Kid ', age: 12 } }, { json: { name: ' Ada ', age: 36 } }],
    });
    const model = fromStandardSchema(adultSchema(), { jsonSchema: adultJsonSchema });
    const stream = service(provider).routeStructuredStreaming({
      prompt: 'someone',
      responseModel: model,
    });
    const responses = await collect(stream);
    expect(responses.at(-1)).toMatchObject({ isComplete: true, attempt: 2 });
    await expect(stream.result).resolves.toEqual({ name: 'Ada', age: 36 });
    expect(provider.calls).toHaveLength(2);
  });

  it("keeps undeclared keys out of partials with undeclaredKeys: 'drop' (the default for zod)", () => {
    const dropping = fromStandardSchema(adultSchema(), {
      jsonSchema: adultJsonSchema,
      undeclaredKeys: 'drop',
    });
    expect(dropping.keyFilter?.([])?.('nickname')).toBe(false);
    expect(dropping.keyFilter?.([])?.('name')).toBe(true);
    expect(fromStandardSchema(adultSchema(), { jsonSchema: adultJsonSchema }).keyFilter).toBe(
      undefined,
    );
    const zodLike = fromStandardSchema(adultSchema('zod'), { jsonSchema: adultJsonSchema });
    expect(zodLike.keyFilter?.([])?.('nickname')).toBe(false);
  });

  it('asks a Standard JSON Schema for its input JSON Schema when none is given', () => {
    const targets: string[] = [];
    const described = {
      '~standard': {
        ...adultSchema()['~standard'],
        jsonSchema: {
          input: ({ target }: StandardJSONSchemaOptions) => {
            targets.push(target);
            if (target !== 'draft-07') throw new Error(`no ${target}`);
            return adultJsonSchema;
          },
          output: () => ({}),
        },
      },
    };
    const model = fromStandardSchema(described, { strict: false, name: 'adult' });
    expect(targets).toEqual(['draft-2020-12', 'draft-07']);
    expect(model.jsonSchema).toBe(adultJsonSchema);
    expect(model.name).toBe('adult');
  });

  it('refuses a schema with no JSON Schema, given or described, naming the option', () => {
    const error = failure(() => fromStandardSchema(adultSchema()));
    expect(error.category).toBe('bad_request');
    expect(error.code).toBe('unsupported_schema');
    expect(error.message).toBe('The handmade schema has no JSON Schema: pass options.jsonSchema');
  });
});
