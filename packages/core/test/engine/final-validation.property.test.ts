import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileJsonSchema, type JsonSchema, jsonSchema } from '../../src/index.ts';
import { service } from '../support/engine.ts';
import { createMockProvider } from '../support/mock-provider.ts';

/*
 * End to end: whatever the schema, the answer and its chunking, a request with a
 * plain JSON Schema model succeeds exactly when the full validator accepts the
 * answer — the engine's piecewise checks (parts as they complete, containers and
 * the root on their own keywords, strings left to their end when no prefix can
 * fail) neither let an invalid answer through nor reject a valid one.
 */

const leaf: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  fc.record(
    {
      type: fc.constantFrom('string', ['string', 'null']),
      maxLength: fc.integer({ min: 0, max: 4 }),
      minLength: fc.nat(2),
      enum: fc.constant(['a', 'ab', 'b', null]),
    },
    { requiredKeys: ['type'] },
  ),
  fc.record(
    { type: fc.constantFrom('number', 'integer'), minimum: fc.integer({ min: -2, max: 2 }) },
    { requiredKeys: ['type'] },
  ),
  fc.constant({ type: 'boolean' }),
  fc.constant({}),
);

const { node: schemas } = fc.letrec<{ node: Record<string, unknown> }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.record(
      {
        type: fc.constant('object'),
        properties: fc.dictionary(fc.constantFrom('a', 'b', 'c'), tie('node'), { maxKeys: 3 }),
        required: fc.subarray(['a', 'b', 'c']),
        additionalProperties: fc.oneof(fc.constant(false), tie('node')),
        maxProperties: fc.integer({ min: 1, max: 3 }),
      },
      { requiredKeys: ['type', 'properties'] },
    ),
    fc.record(
      {
        type: fc.constant('array'),
        items: tie('node'),
        minItems: fc.nat(2),
        maxItems: fc.integer({ min: 1, max: 4 }),
      },
      { requiredKeys: ['type'] },
    ),
    fc.record({ anyOf: fc.array(tie('node'), { minLength: 1, maxLength: 2 }) }),
  ),
}));

const { value: answers } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom('a', 'ab', 'abcde', '', null, true, 0, 1, 2.5, -3),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.constantFrom('a', 'b', 'c', 'x'), tie('value'), { maxKeys: 4 }),
  ),
}));

describe('final validation, end to end', () => {
  it('succeeds exactly when the full validator accepts the answer, at any chunking', async () => {
    let accepted = 0;
    let rejected = 0;
    await fc.assert(
      fc.asyncProperty(
        schemas,
        answers,
        fc.integer({ min: 1, max: 40 }),
        async (schema, answer, chunkSize) => {
          const valid =
            compileJsonSchema(schema as JsonSchema).validate(answer, 'final').length === 0;
          const provider = createMockProvider({ responses: [{ json: answer, chunkSize }] });
          const outcome = await service(provider)
            .routeStructured({
              prompt: 'p',
              responseModel: jsonSchema(schema as JsonSchema),
              maxRetries: 0,
            })
            .then(
              (value) => ({ value }),
              (error: unknown) => ({ error }),
            );
          if (valid) {
            accepted++;
            expect(outcome).toEqual({ value: answer });
          } else {
            rejected++;
            expect(outcome).toMatchObject({ error: { category: 'validation' } });
          }
        },
      ),
      { numRuns: 400 },
    );
    expect(accepted).toBeGreaterThan(20);
    expect(rejected).toBeGreaterThan(20);
  });
});
