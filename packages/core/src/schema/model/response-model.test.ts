import { describe, expect, expectTypeOf, it } from 'vitest';
import { jsonSchema } from './json-schema-model.ts';
import { isResponseModel, type ResponseModel, schemaNameFromTitle } from './response-model.ts';

describe('isResponseModel', () => {
  it('recognises models by shape', () => {
    expect(isResponseModel(jsonSchema({}))).toBe(true);
    const handWritten: ResponseModel<string> = {
      name: 'text',
      jsonSchema: true,
      validate: (value) =>
        typeof value === 'string'
          ? { success: true, value }
          : { success: false, issues: [{ path: [], message: 'expected a string' }] },
      validatePartial: (value) => ({ success: true, value: value as string }),
    };
    expect(isResponseModel(handWritten)).toBe(true);
  });

  it('rejects anything missing a part', () => {
    expect(isResponseModel(null)).toBe(false);
    expect(isResponseModel({ type: 'object' })).toBe(false);
    const { validatePartial: _, ...withoutPartial } = jsonSchema({});
    expect(isResponseModel(withoutPartial)).toBe(false);
    expect(isResponseModel({ ...jsonSchema({}), jsonSchema: 'x' })).toBe(false);
  });

  it('is covariant: a model of a specific type is a model of unknown', () => {
    expectTypeOf<ResponseModel<{ a: string; b: number[] }>>().toExtend<ResponseModel<unknown>>();
    expectTypeOf<ResponseModel<'x'>>().toExtend<ResponseModel<string>>();
    expectTypeOf<ResponseModel<string>>().not.toExtend<ResponseModel<number>>();
  });
});

describe('schemaNameFromTitle', () => {
  it('makes a provider-safe name from a title', () => {
    expect(schemaNameFromTitle('User profile')).toBe('User_profile');
    expect(schemaNameFromTitle('  Order (v2)  ')).toBe('Order_v2_');
    expect(schemaNameFromTitle('a'.repeat(80))).toHaveLength(64);
    expect(schemaNameFromTitle('—')).toBeUndefined();
    expect(schemaNameFromTitle(7)).toBeUndefined();
  });
});
