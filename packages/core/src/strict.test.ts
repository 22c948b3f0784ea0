import { describe, expect, it } from 'vitest';
import { failure } from '../test/support/thrown.ts';
// Only the root entry: the strict-mode converter is not loaded until the second block imports it.
import * as root from './index.ts';
import { jsonSchema } from './index.ts';
import { toResponseModel } from './schema/model/to-response-model.ts';

const person = {
  type: 'object',
  properties: { name: { type: 'string' }, nickname: { type: 'string' } },
  required: ['name'],
  additionalProperties: false,
};
const strictPerson = {
  type: 'object',
  properties: { name: { type: 'string' }, nickname: { type: ['string', 'null'] } },
  required: ['name', 'nickname'],
  additionalProperties: false,
};
const record = { type: 'object', additionalProperties: { type: 'string' } };

/** A Standard Schema with JSON Schema support, shaped like zod's, that accepts anything. */
function standard(schema: Record<string, unknown>) {
  return {
    '~standard': {
      version: 1 as const,
      vendor: 'test',
      validate: (value: unknown) => ({ value }),
      jsonSchema: { input: () => schema, output: () => schema },
    },
  };
}

describe('the root entry without @structllm/core/strict', () => {
  it('exports no strict-mode converter', () => {
    expect(Object.keys(root)).not.toContain('toStrictJsonSchema');
    expect(Object.keys(root)).not.toContain('isStrictCompatible');
    expect(Object.keys(root)).not.toContain('STRICT_SCHEMA_LIMITS');
  });

  it('sends a jsonSchema() model as written', () => {
    expect(jsonSchema(person).jsonSchema).toBe(person);
    expect(jsonSchema(person, { strict: false }).jsonSchema).toBe(person);
  });

  it.each([true, 'auto'] as const)(
    'refuses strict: %s with a bad_request error naming the entry to use',
    (strict) => {
      const error = failure(() => jsonSchema(person, { strict }));
      expect(error.category).toBe('bad_request');
      expect(error.code).toBe('unsupported_schema');
      expect(error.message).toContain('@structllm/core/strict');
      expect(error.message).toContain('strictJsonSchema(schema)');
      expect(failure(() => toResponseModel(standard(person), { strict })).message).toBe(
        error.message,
      );
    },
  );

  it('sends a Standard Schema as the library wrote it', async () => {
    const model = toResponseModel(standard(person));
    expect(model.jsonSchema).toBe(person);
    expect(await model.validate({ name: 'Ada', nickname: null })).toEqual({
      success: true,
      value: { name: 'Ada', nickname: null },
    });
  });
});

describe('once @structllm/core/strict is loaded', () => {
  it('the root jsonSchema() and Standard Schemas get strict forms', async () => {
    await import('./strict.ts');
    expect(jsonSchema(person, { strict: true }).jsonSchema).toEqual(strictPerson);
    expect(jsonSchema(record, { strict: 'auto' }).jsonSchema).toBe(record);
    expect(() => jsonSchema(record, { strict: true })).toThrow(/free-form keys/);
    const model = toResponseModel(standard(person));
    expect(model.jsonSchema).toEqual(strictPerson);
    // The null standing for the absent optional field is gone before the library validates.
    expect(await model.validate({ name: 'Ada', nickname: null })).toEqual({
      success: true,
      value: { name: 'Ada' },
    });
    expect(toResponseModel(standard(person), { strict: false }).jsonSchema).toBe(person);
  });

  it('strictJsonSchema: strict by default, as written with auto when there is no strict form', async () => {
    const { strictJsonSchema } = await import('./strict.ts');
    const model = strictJsonSchema<{ name: string; nickname?: string }>(person, { name: 'person' });
    expect(model.name).toBe('person');
    expect(model.jsonSchema).toEqual(strictPerson);
    expect(model.validatePartial({ name: 'Ada', nickname: null }).success).toBe(true);
    expect(await model.validate({ name: 'Ada', nickname: null })).toEqual({
      success: true,
      value: { name: 'Ada' },
    });
    expect((await model.validate({ nickname: 'A' })).success).toBe(false);
    const error = failure(() => strictJsonSchema(record));
    expect(error.category).toBe('bad_request');
    expect(error.message).toMatch(/free-form keys/);
    expect(strictJsonSchema(record, { strict: 'auto' }).jsonSchema).toBe(record);
    expect(strictJsonSchema(person, { strict: false }).jsonSchema).toBe(person);
  });
});
