import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createJsonStreamParser, type JsonPath, parsePartialJson } from '../../json/index.ts';
import type { JsonSchema } from '../json-schema.ts';
import { compileJsonSchema } from './json-schema-validator.ts';

/** A realistic schema and an arbitrary that only produces values it accepts. */
interface Case {
  readonly name: string;
  readonly schema: JsonSchema;
  readonly values: fc.Arbitrary<unknown>;
}

const text = (maxLength: number) => fc.string({ unit: 'binary', maxLength });
const isoDate = fc
  .date({ min: new Date('1900-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
  .map((date) => date.toISOString().slice(0, 10));

const order: Case = {
  name: 'order with nested objects, arrays of objects, enums, nullable and ranges',
  schema: {
    type: 'object',
    properties: {
      id: { type: 'string', pattern: '^[A-Z]{3}-\\d{4}$', minLength: 8, maxLength: 8 },
      status: { enum: ['active', 'inactive', 'act', 'pending_review'] },
      placed: { type: 'string', format: 'date' },
      customer: {
        type: 'object',
        properties: {
          name: { type: 'string', minLength: 1, maxLength: 12 },
          email: { type: ['string', 'null'], format: 'email' },
          vip: { type: 'boolean' },
        },
        required: ['name', 'email', 'vip'],
        additionalProperties: false,
      },
      items: {
        type: 'array',
        minItems: 1,
        maxItems: 4,
        items: {
          type: 'object',
          properties: {
            sku: { type: 'string', maxLength: 6 },
            quantity: { type: 'integer', minimum: 1, maximum: 99 },
            price: { type: 'number', exclusiveMinimum: 0, maximum: 1000, multipleOf: 0.01 },
            tags: { type: 'array', items: { enum: ['gift', 'fragile', 'frozen'] }, maxItems: 3 },
          },
          required: ['sku', 'quantity', 'price'],
          additionalProperties: false,
        },
      },
      discount: { anyOf: [{ type: 'number', minimum: 0, maximum: 1 }, { type: 'null' }] },
    },
    required: ['id', 'status', 'customer', 'items'],
    additionalProperties: false,
  },
  values: fc.record(
    {
      id: fc.stringMatching(/^[A-Z]{3}-\d{4}$/),
      status: fc.constantFrom('active', 'inactive', 'act', 'pending_review'),
      placed: isoDate,
      customer: fc.record({
        name: text(12).filter((name) => name.length > 0),
        email: fc.option(fc.constantFrom('a@b.co', 'first.last@example.com'), { nil: null }),
        vip: fc.boolean(),
      }),
      items: fc.array(
        fc.record(
          {
            sku: text(6),
            quantity: fc.integer({ min: 1, max: 99 }),
            price: fc.integer({ min: 1, max: 100_000 }).map((cents) => cents / 100),
            tags: fc.uniqueArray(fc.constantFrom('gift', 'fragile', 'frozen'), { maxLength: 3 }),
          },
          { requiredKeys: ['sku', 'quantity', 'price'] },
        ),
        { minLength: 1, maxLength: 4 },
      ),
      discount: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: null }),
    },
    { requiredKeys: ['id', 'status', 'customer', 'items'] },
  ),
};

const shapes: Case = {
  name: 'tagged union whose tags are prefixes of each other',
  schema: {
    type: 'object',
    properties: {
      shapes: {
        type: 'array',
        items: {
          oneOf: [
            {
              type: 'object',
              properties: { kind: { const: 'line' }, length: { type: 'number', minimum: 0 } },
              required: ['kind', 'length'],
              additionalProperties: false,
            },
            {
              type: 'object',
              properties: {
                kind: { const: 'linestring' },
                points: {
                  type: 'array',
                  items: {
                    type: 'array',
                    prefixItems: [{ type: 'number' }, { type: 'number' }],
                    items: false,
                  },
                },
              },
              required: ['kind', 'points'],
              additionalProperties: false,
            },
            { $ref: '#/$defs/circle' },
          ],
        },
      },
    },
    required: ['shapes'],
    additionalProperties: false,
    $defs: {
      circle: {
        type: 'object',
        properties: { kind: { const: 'circle' }, radius: { type: 'integer', maximum: 50 } },
        required: ['kind', 'radius'],
        additionalProperties: false,
      },
    },
  },
  values: fc.record({
    shapes: fc.array(
      fc.oneof(
        fc.record({
          kind: fc.constant('line'),
          length: fc.double({ min: 0, max: 1e6, noNaN: true }),
        }),
        fc.record({
          kind: fc.constant('linestring'),
          points: fc.array(
            fc.tuple(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true })),
          ),
        }),
        // Keys in either order: the tag does not always come first.
        fc
          .record({ kind: fc.constant('circle'), radius: fc.integer({ min: -50, max: 50 }) })
          .chain((circle) => fc.constantFrom(circle, { radius: circle.radius, kind: circle.kind })),
      ),
      { maxLength: 4 },
    ),
  }),
};

/** Trees at most `depth` levels deep. */
const treeNode: fc.Memo<unknown> = fc.memo((depth) =>
  fc.record(
    {
      label: text(5),
      weight: fc.option(fc.integer({ min: -10, max: 10 }), { nil: null }),
      children: depth <= 1 ? fc.constant([]) : fc.array(treeNode(), { maxLength: 3 }),
    },
    { requiredKeys: ['label', 'children'] },
  ),
);

const tree: Case = {
  name: 'recursive tree through $ref',
  schema: {
    $ref: '#/$defs/node',
    $defs: {
      node: {
        type: 'object',
        properties: {
          label: { type: 'string', maxLength: 5 },
          weight: { type: ['integer', 'null'], minimum: -10, maximum: 10 },
          children: { type: 'array', items: { $ref: '#/$defs/node' }, maxItems: 3 },
        },
        required: ['label', 'children'],
        additionalProperties: false,
      },
    },
  },
  values: treeNode(5),
};

const cases = [order, shapes, tree];
const indentation = fc.constantFrom<number | undefined>(undefined, 2);

describe.each(cases)('$name', ({ schema, values }) => {
  const validator = compileJsonSchema(schema);

  it('accepts every generated value as final', () => {
    fc.assert(
      fc.property(values, (value) => {
        expect(validator.validate(value, 'final')).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });

  it('never rejects a prefix of a valid document', () => {
    fc.assert(
      fc.property(values, indentation, (value, indent) => {
        const json = JSON.stringify(value, null, indent);
        for (let end = 0; end <= json.length; end++) {
          const partial = parsePartialJson(json.slice(0, end)).value;
          const issues = validator.validate(partial, 'partial');
          if (issues.length > 0) {
            expect.fail(`prefix ${JSON.stringify(json.slice(0, end))}: ${JSON.stringify(issues)}`);
          }
        }
      }),
      { numRuns: 60 },
    );
  });

  it('never rejects a path-local check while streaming a valid document', () => {
    fc.assert(
      fc.property(values, indentation, (value, indent) => {
        const json = JSON.stringify(value, null, indent);
        const completed: JsonPath[] = [];
        const parser = createJsonStreamParser({ onValue: () => completed.push(parser.path) });
        for (const char of json) {
          parser.write(char);
          for (const path of completed) {
            expect(validator.validate(parser.value, 'final', path), `${path}`).toEqual([]);
          }
          completed.length = 0;
          expect(validator.validate(parser.value, 'partial', parser.path)).toEqual([]);
        }
      }),
      { numRuns: 40 },
    );
  });
});
