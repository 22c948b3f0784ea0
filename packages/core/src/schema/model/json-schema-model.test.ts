import { describe, expect, expectTypeOf, it } from 'vitest';
import { StructuredLLMError } from '../../errors/index.ts';
import { parsePartialJson } from '../../json/index.ts';
import { strictJsonSchema } from '../../strict.ts';
import type { ValidationResult } from '../validation.ts';
import type { DeepPartial } from './deep-partial.ts';
import { jsonSchema } from './json-schema-model.ts';
import type { ResponseModel } from './response-model.ts';

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

describe('jsonSchema: property names Object.prototype also has', () => {
  const schema = JSON.parse(`{
    "type": "object",
    "properties": {
      "__proto__": { "type": "object", "properties": { "polluted": { "type": "string" } } },
      "constructor": { "type": "string" },
      "toString": { "type": "number" }
    },
    "required": ["__proto__", "constructor"],
    "additionalProperties": false
  }`);

  it.each([false, true, 'auto'] as const)(
    'validates them as ordinary keys (strict: %s)',
    async (strict) => {
      const model = strictJsonSchema<Record<string, unknown>>(schema, { strict });
      const text = '{"__proto__": {"polluted": "yes"}, "constructor": "c", "toString": null}';
      const value = parsePartialJson(text).value;
      expect(model.validatePartial(value, { complete: true }).success).toBe(strict !== false);
      const withoutNull = '{"__proto__": {"polluted": "yes"}, "constructor": "c"}';
      const result = await model.validate(parsePartialJson(withoutNull).value);
      expect(result.success).toBe(true);
      if (strict !== false) {
        // `toString` is optional: sent as nullable, and its null dropped before the final check.
        expect(model.jsonSchema).toMatchObject({
          required: ['__proto__', 'constructor', 'toString'],
        });
        expect(JSON.stringify(model.jsonSchema)).toContain('"properties":{"__proto__":');
        const restored = await model.validate(value);
        expect(restored.success).toBe(true);
        expect(restored.success && Object.keys(restored.value)).toEqual([
          '__proto__',
          'constructor',
        ]);
        expect(restored.success && Object.getPrototypeOf(restored.value)).toBe(Object.prototype);
      }
      const wrong = await model.validate(
        parsePartialJson('{"__proto__": {"polluted": 1}, "constructor": "c"}').value,
      );
      expect(wrong).toEqual({
        success: false,
        issues: [{ path: ['__proto__', 'polluted'], message: 'expected a string, got 1' }],
      });
      expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
    },
  );
});

describe('jsonSchema: maxDepth', () => {
  const tree = {
    type: 'object',
    properties: { v: { type: 'number' }, child: { $ref: '#' } },
    required: ['v'],
  } as const;
  /** `levels` nested objects, the deepest with `leaf` as its extra keys. */
  const chain = (levels: number, leaf: Record<string, unknown> = {}) => {
    let value: Record<string, unknown> = { v: 2, ...leaf };
    for (let i = 1; i < levels; i++) value = { v: 1, child: value };
    return value;
  };

  it('checks to 1000 levels by default, naming the limit and how to raise it', async () => {
    const model = jsonSchema(tree);
    expect((await model.validate(chain(1000))).success).toBe(true);
    const result = await model.validate(chain(1001));
    expect(result.success).toBe(false);
    const issues = result.success ? [] : result.issues;
    expect(issues).toHaveLength(1);
    expect(issues[0]?.path).toHaveLength(1000);
    expect(issues[0]?.message).toContain("the validator's maxDepth (1000 levels)");
    expect(issues[0]?.message).toContain('jsonSchema(schema, { maxDepth })');
    expect(model.validatePartial(chain(1001)).success).toBe(false);
  });

  it('checks deeper values with a larger maxDepth, and none deeper than it', async () => {
    const model = jsonSchema(tree, { maxDepth: 3000 });
    expect((await model.validate(chain(3000))).success).toBe(true);
    expect((await model.validate(chain(3000, { v: 'x' }))).success).toBe(false);
    expect(model.validatePartial(chain(3000)).success).toBe(true);
    const tooDeep = await model.validate(chain(3001));
    expect(!tooDeep.success && tooDeep.issues[0]?.message).toContain('(3000 levels)');
    const unbounded = jsonSchema(tree, { maxDepth: Number.POSITIVE_INFINITY });
    expect((await unbounded.validate(chain(20_000))).success).toBe(true);
    expect(jsonSchema(tree, { maxDepth: 2 }).validatePartial(chain(3)).success).toBe(false);
  });

  it('reads strict-mode values back to the same depth', async () => {
    // Strict mode writes the absent optional `child` of the deepest object as null.
    const strict = strictJsonSchema(tree, { maxDepth: 5000 });
    expect((await strict.validate(chain(5000, { child: null }))).success).toBe(true);
    const byDefault = strictJsonSchema(tree);
    expect((await byDefault.validate(chain(1000, { child: null }))).success).toBe(true);
    expect((await byDefault.validate(chain(1001, { child: null }))).success).toBe(false);
  });

  it('refuses a maxDepth that is not a non-negative number', () => {
    expect(() => jsonSchema(tree, { maxDepth: -1 })).toThrow(RangeError);
    expect(() => jsonSchema(tree, { maxDepth: Number.NaN })).toThrow(RangeError);
  });
});
