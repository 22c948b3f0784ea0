import { describe, expect, expectTypeOf, it } from 'vitest';
import { StructuredLLMError } from '../errors/index.ts';
import { parsePartialJson } from '../json/index.ts';
import type { DeepPartial } from './deep-partial.ts';
import { jsonSchema } from './json-schema-model.ts';
import type { ResponseModel } from './response-model.ts';
import type { ValidationResult } from './validation.ts';

interface Profile {
  name: string;
  age: number;
  status: 'active' | 'inactive';
  tags: string[];
}

const profileSchema = {
  title: 'User profile',
  description: 'A person',
  type: 'object',
  properties: {
    name: { type: 'string', minLength: 1 },
    age: { type: 'integer', minimum: 0, maximum: 150 },
    status: { enum: ['active', 'inactive'] },
    tags: { type: 'array', items: { type: 'string' }, maxItems: 5 },
  },
  required: ['name', 'age', 'status', 'tags'],
  additionalProperties: false,
} as const;

const profile = jsonSchema<Profile>(profileSchema);

/** The shortest prefix of `text` whose partial value the model rejects. */
function firstRejectedPrefix(model: ResponseModel<unknown>, text: string): string | undefined {
  for (let end = 0; end <= text.length; end++) {
    const prefix = text.slice(0, end);
    if (!model.validatePartial(parsePartialJson(prefix).value).success) return prefix;
  }
  return undefined;
}

describe('jsonSchema', () => {
  it('names the model from options, else the schema title, else "response"', () => {
    expect(profile.name).toBe('User_profile');
    expect(profile.description).toBe('A person');
    expect(jsonSchema({ type: 'object' }).name).toBe('response');
    const named = jsonSchema(profileSchema, { name: 'person-v2', description: 'Someone' });
    expect(named.name).toBe('person-v2');
    expect(named.description).toBe('Someone');
    expect(jsonSchema({ title: '***' }).name).toBe('response');
  });

  it('rejects a name providers would refuse', () => {
    expect(() => jsonSchema({}, { name: 'has spaces' })).toThrow(StructuredLLMError);
    expect(() => jsonSchema({}, { name: 'x'.repeat(65) })).toThrow(/1 to 64 letters/);
  });

  it('sends the schema it was given', () => {
    expect(profile.jsonSchema).toBe(profileSchema);
  });

  it('fails early on a schema it cannot check', () => {
    let thrown: unknown;
    try {
      jsonSchema({ $ref: 'other.json#/x' });
    } catch (error) {
      thrown = error;
    }
    expect(StructuredLLMError.is(thrown) && thrown.code).toBe('unsupported_schema');
  });

  it('validates final values against the schema', () => {
    const value = { name: 'Ada', age: 36, status: 'active', tags: [] };
    expect(profile.validate(value)).toEqual({ success: true, value });
    expect(profile.validate({ name: '', age: 200, status: 'active', tags: [] })).toEqual({
      success: false,
      issues: [
        { path: ['name'], message: 'expected at least 1 characters, got 0' },
        { path: ['age'], message: 'expected a number ≤ 150, got 200' },
      ],
    });
  });

  it('lets a custom validate decide final validity while partials follow the schema', async () => {
    const isAdult = (value: unknown): ValidationResult<Profile> =>
      (value as Profile).age >= 18
        ? { success: true, value: value as Profile }
        : { success: false, issues: [{ path: ['age'], message: 'must be an adult' }] };
    const adults = jsonSchema<Profile>(profileSchema, { validate: isAdult });
    expect(adults.validate({ name: 'Kid', age: 9 })).toEqual({
      success: false,
      issues: [{ path: ['age'], message: 'must be an adult' }],
    });
    expect((await adults.validate({ age: 40 })).success).toBe(true);
    expect(adults.validatePartial({ status: 'unkn' }).success).toBe(false);
  });

  it('catches a partial enum value that no continuation can match', () => {
    expect(firstRejectedPrefix(profile, '{"status": "unknown"}')).toBe('{"status": "u');
  });

  it('catches a number out of range as soon as it is complete', () => {
    expect(firstRejectedPrefix(profile, '{"age": -3}')).toBe('{"age": -3}');
    expect(firstRejectedPrefix(profile, '{"age": -3, "name": "x"}')).toBe('{"age": -3,');
  });

  it('catches a forbidden key as soon as its value begins', () => {
    expect(firstRejectedPrefix(profile, '{"name": "Ada", "nickname": "A"}')).toBe(
      '{"name": "Ada", "nickname": "',
    );
  });

  it('catches a sixth item when at most five are allowed', () => {
    const text = '{"tags": ["a", "b", "c", "d", "e", "f"]}';
    expect(firstRejectedPrefix(profile, text)).toBe('{"tags": ["a", "b", "c", "d", "e", "');
  });

  it('does not require keys of a partial, but does once a subtree is complete', () => {
    expect(profile.validatePartial({ name: 'Ada' })).toEqual({
      success: true,
      value: { name: 'Ada' },
    });
    const result = profile.validatePartial({ name: 'Ada' }, { complete: true });
    expect(result.success).toBe(false);
  });

  it('checks only the changed path, returning the whole document on success', () => {
    const doc = { name: 42, tags: ['a', 'b'] }; // `name` is wrong, but not on the path
    expect(profile.validatePartial(doc, { path: ['tags', 1], complete: true })).toEqual({
      success: true,
      value: doc,
    });
    expect(profile.validatePartial(doc, { path: ['name'] })).toEqual({
      success: false,
      issues: [{ path: ['name'], message: 'expected a string, got 42' }],
    });
  });

  it('types the model with the claimed type', () => {
    expectTypeOf(profile).toEqualTypeOf<ResponseModel<Profile>>();
    expectTypeOf(profile.validate).returns.toEqualTypeOf<
      ValidationResult<Profile> | Promise<ValidationResult<Profile>>
    >();
    expectTypeOf(profile.validatePartial).returns.toEqualTypeOf<
      ValidationResult<DeepPartial<Profile>>
    >();
    expectTypeOf(jsonSchema({})).toEqualTypeOf<ResponseModel<unknown>>();
  });
});
