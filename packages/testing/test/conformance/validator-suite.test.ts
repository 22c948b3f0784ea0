import type { JsonSchema } from '@structllm/core';
import { strictJsonSchema } from '@structllm/core/strict';
import { describe, expect, it } from 'vitest';
import {
  type ValidatorAdapter,
  type ValidatorConformanceCheck,
  type ValidatorConformanceSchemas,
  validatorCheckTools,
  validatorConformanceChecks,
} from '../../src/conformance/index.ts';

// The validator suite is only worth something if it fails adapters that get things wrong.
// A stand-in "library" here is plain JSON Schema, adapted with core's strictJsonSchema(); each
// broken variant must fail the check aimed at its bug, and the sound one pass it.

const person: JsonSchema = {
  type: 'object',
  description: 'A person',
  properties: {
    name: { type: 'string', minLength: 1 },
    nickname: { type: 'string' },
    age: { type: 'integer', minimum: 0, maximum: 150 },
    role: { type: 'string', enum: ['admin', 'user'], default: 'user' },
    email: { type: 'string', format: 'email' },
  },
  required: ['name', 'age', 'email'],
};

const nested: JsonSchema = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    pets: {
      type: 'array',
      items: { type: 'object', properties: { kind: { type: 'string' } }, required: ['kind'] },
    },
  },
  required: ['name', 'pets'],
};

/** Only the scenarios the checks below read are real; the rest are never adapted. */
const schemas: ValidatorConformanceSchemas<JsonSchema> = {
  person,
  nested,
  order: {},
  signup: {},
  document: {},
  invoice: {},
  outline: {},
  event: {},
  record: {},
  unrepresentable: {},
  plainObject: {},
  strictObject: {},
  looseObject: {},
};

const sound: ValidatorAdapter<JsonSchema> = (schema, options = {}) =>
  strictJsonSchema<unknown>(schema, {
    name: options.name,
    strict: options.strict ?? 'auto',
    undeclaredKeys: 'drop',
  });

function check(name: string): ValidatorConformanceCheck {
  const found = validatorConformanceChecks().find((candidate) => candidate.name === name);
  if (found === undefined) throw new Error(`no check named ${name}`);
  return found;
}

const breakages: Record<string, { readonly check: string; readonly adapt: typeof sound }> = {
  'ignores the strict option': {
    check: 'is the plain JSON Schema with strict: false',
    adapt: (schema, options) => sound(schema, { ...options, strict: 'auto' }),
  },
  'ignores the name option': {
    check: 'is the input JSON Schema in OpenAI strict-mode form',
    adapt: (schema, options) => sound(schema, { ...options, name: 'response' }),
  },
  'shows keys in partials that the final value strips': {
    check: 'never shows a key the final value strips, in any partial (default objects, nested)',
    adapt: (schema, options = {}) =>
      strictJsonSchema<unknown>(schema, {
        strict: options.strict ?? 'auto',
        undeclaredKeys: 'keep',
      }),
  },
};

describe('validator conformance suite', () => {
  it('has uniquely named checks, each in a group', () => {
    const checks = validatorConformanceChecks();
    expect(new Set(checks.map((c) => c.name)).size).toBe(checks.length);
    expect(checks.every((c) => c.group.length > 0)).toBe(true);
  });

  it('skips the async refinement check when no schema is given, and says why', () => {
    const tools = validatorCheckTools({ name: 'json', adapt: sound, schemas });
    const asyncCheck = check(
      'awaits an async refinement on the final value and re-asks with its message',
    );
    expect(asyncCheck.skip?.(tools)).toMatch(/no asyncRefinement schema/);
    expect(() => tools.model('asyncRefinement')).toThrow(/no asyncRefinement schema/);
  });

  for (const [bug, { check: name, adapt }] of Object.entries(breakages)) {
    it(`fails an adapter that ${bug}, and passes the sound one`, async () => {
      const aimed = check(name);
      await aimed.run(validatorCheckTools({ name: 'sound', adapt: sound, schemas }));
      await expect(
        (async () => aimed.run(validatorCheckTools({ name: 'broken', adapt, schemas })))(),
      ).rejects.toThrow();
    });
  }
});
