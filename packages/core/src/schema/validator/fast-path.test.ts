import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { JsonPath, JsonSchema } from '../json-schema.ts';
import type { ValidationMode } from './check-keywords.ts';
import { compileSchema } from './compile-schema.ts';
import { pathPasses, stringPrefixesPass } from './fast-path.ts';
import { runValidation, type ValidationRunOptions } from './run-validation.ts';
import { depthLimitMessage } from './validation-task.ts';

/*
 * The fast path may only ever answer "passes" where the task-based validation
 * finds nothing. These tests run both on the same inputs and require the same
 * issues, for generated schemas (plain ones the fast path answers, and ones with
 * combinators and patterns it must hand over), values, paths, subjects and modes.
 */

const leafSchema: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  fc.record(
    {
      type: fc.constantFrom('string', ['string', 'null']),
      minLength: fc.nat(3),
      maxLength: fc.integer({ min: 0, max: 6 }),
      enum: fc.constant(['a', 'ab', 'abc', null]),
      pattern: fc.constant('^a'),
    },
    { requiredKeys: ['type'] },
  ),
  fc.record(
    {
      type: fc.constantFrom('number', 'integer', ['integer', 'null']),
      minimum: fc.integer({ min: -5, max: 5 }),
      exclusiveMaximum: fc.integer({ min: -5, max: 50 }),
      multipleOf: fc.constantFrom(0.5, 2, 3),
    },
    { requiredKeys: ['type'] },
  ),
  fc.constant({ type: 'boolean' }),
  fc.constant({ const: 'fixed' }),
  fc.constant({}),
  fc.constant({ not: { type: 'string' } }),
);

const { node: schemaArbitrary } = fc.letrec<{ node: Record<string, unknown> }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leafSchema,
    fc.record(
      {
        type: fc.constant('object'),
        properties: fc.dictionary(fc.constantFrom('a', 'b', 'c', '__proto__'), tie('node'), {
          maxKeys: 3,
        }),
        required: fc.subarray(['a', 'b', 'c']),
        additionalProperties: fc.oneof(fc.constant(false), tie('node')),
        patternProperties: fc.constant({ '^z': { type: 'number' } }),
        maxProperties: fc.integer({ min: 0, max: 4 }),
        minProperties: fc.nat(2),
      },
      { requiredKeys: ['type', 'properties'] },
    ),
    fc.record(
      {
        type: fc.constant('array'),
        items: fc.oneof(tie('node'), fc.constant(false)),
        prefixItems: fc.array(tie('node'), { minLength: 1, maxLength: 2 }),
        maxItems: fc.nat(4),
        minItems: fc.nat(2),
      },
      { requiredKeys: ['type'] },
    ),
    fc.record({ anyOf: fc.array(tie('node'), { minLength: 1, maxLength: 2 }) }),
    fc.record({ allOf: fc.array(tie('node'), { minLength: 1, maxLength: 2 }) }),
  ),
}));

const { value: jsonValue } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom('a', 'ab', 'abc', 'abcdefgh', 'fixed', '', null, true, false),
    fc.constantFrom(0, 1, 2.5, 3, 6, -7, 49, 100),
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(fc.constantFrom('a', 'b', 'c', 'z1', 'x', '__proto__'), tie('value'), {
      maxKeys: 4,
    }),
  ),
}));

/** Paths that exist in `value`, plus a few that do not. */
function pathsOf(value: unknown): JsonPath[] {
  const paths: JsonPath[] = [[]];
  const visit = (node: unknown, path: (string | number)[]): void => {
    if (node === null || typeof node !== 'object') return;
    for (const [key, child] of Object.entries(node)) {
      const step = Array.isArray(node) ? Number(key) : key;
      const next = [...path, step];
      paths.push(next);
      visit(child, next);
    }
    paths.push([...path, Array.isArray(node) ? 9 : 'missing']);
  };
  visit(value, []);
  return paths;
}

function both(schema: JsonSchema, value: unknown, options: ValidationRunOptions) {
  const root = compileSchema(schema);
  return {
    fast: runValidation(root, value, options),
    slow: runValidation(root, value, { ...options, shortcuts: false }),
  };
}

describe('validation fast path', () => {
  it('reports exactly what the task-based validation reports, whole values', () => {
    fc.assert(
      fc.property(
        schemaArbitrary,
        jsonValue,
        fc.constantFrom<ValidationMode[]>('final', 'partial'),
        fc.integer({ min: 1, max: 6 }),
        (schema, value, mode, maxDepth) => {
          const { fast, slow } = both(schema as JsonSchema, value, {
            mode,
            maxDepth,
            maxIssues: 50,
          });
          expect(fast).toEqual(slow);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('reports exactly what the task-based validation reports, along paths and with subjects', () => {
    fc.assert(
      fc.property(
        schemaArbitrary,
        jsonValue,
        fc.constantFrom<ValidationMode[]>('final', 'partial'),
        fc.nat(),
        fc.option(jsonValue, { nil: undefined }),
        fc.integer({ min: 1, max: 6 }),
        (schema, value, mode, pick, subject, maxDepth) => {
          const paths = pathsOf(value);
          const path = paths[pick % paths.length] as JsonPath;
          const { fast, slow } = both(schema as JsonSchema, value, {
            mode,
            path,
            subject: subject === undefined ? undefined : { value: subject },
            maxDepth,
            maxIssues: 50,
          });
          expect(fast).toEqual(slow);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('still reports issues deeper than the probe follows, and values nested past maxDepth', () => {
    let schema: JsonSchema = { type: 'integer' };
    let value: unknown = 'not an integer';
    for (let i = 0; i < 20; i++) {
      schema = { type: 'array', items: schema };
      value = [value];
    }
    const root = compileSchema(schema);
    const deepIssue = runValidation(root, value, { mode: 'final', maxDepth: 100, maxIssues: 5 });
    expect(deepIssue).toEqual([
      { path: new Array(20).fill(0), message: 'expected an integer, got "not an integer"' },
    ]);
    const tooDeep = runValidation(root, value, { mode: 'final', maxDepth: 10, maxIssues: 5 });
    expect(tooDeep.map((issue) => issue.message)).toEqual([depthLimitMessage(10)]);
    const leafRoot = compileSchema({
      type: 'array',
      items: { type: 'array', items: { type: 'array', items: { type: 'integer' } } },
    });
    const alongPath = runValidation(leafRoot, [[[5]]], {
      mode: 'partial',
      path: [0, 0, 0],
      maxDepth: 2,
      maxIssues: 5,
    });
    expect(alongPath).toEqual([{ path: [0, 0], message: depthLimitMessage(2) }]);
  });

  it('skips growing strings only where no prefix can fail, whatever the document around them', () => {
    const segment = fc.oneof(fc.constantFrom('a', 'b', 'c', 'z1', 'x', '__proto__'), fc.nat(5));
    let skipped = 0;
    fc.assert(
      fc.property(
        schemaArbitrary,
        fc.array(segment, { maxLength: 4 }),
        fc.string({ unit: 'binary', maxLength: 12 }),
        fc.integer({ min: 1, max: 6 }),
        (schema, path, text, maxDepth) => {
          const root = compileSchema(schema as JsonSchema);
          if (!stringPrefixesPass(root, path, maxDepth)) return;
          skipped++;
          // The document the path describes, with the growing string at its end.
          let document: unknown = text;
          for (let i = path.length - 1; i >= 0; i--) {
            const step = path[i] as string | number;
            if (typeof step === 'number') {
              const array: unknown[] = new Array(step).fill(null);
              array.push(document);
              document = array;
            } else {
              const object: Record<string, unknown> = {};
              Object.defineProperty(object, step, {
                value: document,
                enumerable: true,
                writable: true,
                configurable: true,
              });
              document = object;
            }
          }
          const issues = runValidation(root, document, {
            mode: 'partial',
            path,
            maxDepth,
            maxIssues: 50,
            shortcuts: false,
          });
          expect(issues).toEqual([]);
        },
      ),
      { numRuns: 5000 },
    );
    expect(skipped).toBeGreaterThan(100);
  });

  it('passes a container on its own keywords only when its parts, checked one by one, pass too', () => {
    let settled = 0;
    fc.assert(
      fc.property(
        schemaArbitrary,
        jsonValue,
        fc.nat(),
        fc.integer({ min: 1, max: 6 }),
        (schema, value, pick, maxDepth) => {
          const root = compileSchema(schema as JsonSchema);
          const paths = pathsOf(value);
          const path = paths[pick % paths.length] as JsonPath;
          if (!pathPasses(root, value, 'final', path, undefined, maxDepth, true)) return;
          const options = { mode: 'final', maxDepth, maxIssues: 50, shortcuts: false } as const;
          let container: unknown = value;
          for (const step of path) container = (container as Record<string, unknown>)[step];
          const children =
            container !== null && typeof container === 'object' ? Object.keys(container) : [];
          const partsPass = children.every((key) => {
            const step = Array.isArray(container) ? Number(key) : key;
            return runValidation(root, value, { ...options, path: [...path, step] }).length === 0;
          });
          if (!partsPass) return;
          settled++;
          expect(runValidation(root, value, { ...options, path })).toEqual([]);
        },
      ),
      { numRuns: 5000 },
    );
    expect(settled).toBeGreaterThan(100);
  });
});
