import { StructuredLLMError } from '@structllm/core';
import { expect } from 'vitest';
import { createMockService } from '../engine/test-service.ts';
import { sampleInvoice } from '../samples/samples.ts';
import type { ValidatorConformanceCheck } from './validator-scenarios.ts';

/** The JSON Schema a model sends: strict-mode form, options, recursion, refusals, output modes. */
export const validatorSchemaChecks: readonly ValidatorConformanceCheck[] = [
  {
    group: 'the schema sent',
    name: 'is the input JSON Schema in OpenAI strict-mode form',
    run(t) {
      const model = t.model('person', { name: 'person' });
      expect(model.name).toBe('person');
      expect(model.description).toBe('A person');
      expect(model.jsonSchema).toMatchObject({
        type: 'object',
        additionalProperties: false,
        required: ['name', 'nickname', 'age', 'role', 'email'],
        properties: {
          name: { type: 'string' },
          nickname: { type: ['string', 'null'] },
          role: { type: ['string', 'null'], enum: ['admin', 'user', null] },
          email: { type: 'string', format: 'email' },
        },
      });
      // Dropped for strict mode (OpenAI rejects them); the library still enforces them at the end.
      expect(JSON.stringify(model.jsonSchema)).not.toMatch(/minLength|"default"|\$schema/);
    },
  },
  {
    group: 'the schema sent',
    name: 'is the plain JSON Schema with strict: false',
    run(t) {
      expect(t.model('person', { strict: false }).jsonSchema).toMatchObject({
        required: ['name', 'age', 'email'],
        properties: { name: { type: 'string', minLength: 1 }, role: { default: 'user' } },
      });
    },
  },
  {
    group: 'the schema sent',
    name: 'keeps recursion as $defs/$ref, which strict mode accepts',
    run(t) {
      const { jsonSchema } = t.model('document');
      expect(jsonSchema).toMatchObject({ additionalProperties: false, $defs: expect.any(Object) });
      expect(JSON.stringify(jsonSchema)).toContain('"$ref":"#/$defs/');
    },
  },
  {
    group: 'the schema sent',
    name: 'inlines a $ref that carries a description (strict mode takes $ref only on its own)',
    run(t) {
      expect(t.model('outline').jsonSchema).toMatchObject({
        properties: { root: { type: 'object', description: 'The outline' } },
      });
    },
  },
  {
    group: 'the schema sent',
    name: 'falls back to the plain schema for records in auto mode, and refuses with strict: true',
    run(t) {
      expect(t.model('record').jsonSchema).toMatchObject({
        properties: { scores: { type: 'object', additionalProperties: { type: 'number' } } },
      });
      expect(() => t.model('record', { strict: true })).toThrow(
        /cannot be sent in OpenAI strict mode: .*#\/properties\/scores/,
      );
    },
  },
  {
    group: 'the schema sent',
    name: 'explains types JSON cannot carry with a bad_request error',
    run(t) {
      let thrown: unknown;
      try {
        t.model('unrepresentable');
      } catch (error) {
        thrown = error;
      }
      expect(StructuredLLMError.is(thrown)).toBe(true);
      expect((thrown as StructuredLLMError).category).toBe('bad_request');
      expect((thrown as StructuredLLMError).message).toMatch(/no JSON Schema form/);
    },
  },
  ...(['tool', 'json_object'] as const).map(
    (mode): ValidatorConformanceCheck => ({
      group: 'output modes',
      name: `sends the same schema in ${mode} mode`,
      async run(t) {
        const { service, provider } = createMockService({
          responses: [{ json: sampleInvoice }],
          modes: [mode],
        });
        const invoice = await service.routeStructured({
          prompt: 'invoice',
          responseModel: t.model('invoice'),
          mode,
        });
        expect(invoice).toMatchObject({ customer: { name: 'Ada' } });
        expect(provider.calls[0]?.mode).toBe(mode);
        expect(provider.calls[0]?.schema).toEqual(t.model('invoice').jsonSchema);
        expect(provider.calls[0]?.schema).toMatchObject({ type: 'object' });
      },
    }),
  ),
];
