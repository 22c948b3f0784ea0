import { type JsonSchema, type JsonSchemaModel, jsonSchema } from '@structllm/core';

// Ready-made values for tests that need *a* structured request but not any
// particular one (observers, loggers, middleware, providers). Values are
// frozen: a test cannot change what the next one sees.

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/** The smallest useful object: two required fields. */
export interface SamplePerson {
  name: string;
  age: number;
}

/** Strict-mode ready: every key required, no extra keys. */
export const samplePersonSchema: JsonSchema = deepFreeze({
  type: 'object',
  properties: { name: { type: 'string' }, age: { type: 'integer' } },
  required: ['name', 'age'],
  additionalProperties: false,
});

export const samplePerson: Readonly<SamplePerson> = deepFreeze({ name: 'Ada Lovelace', age: 36 });

/** A person with an array, so partials grow inside a nested value too. */
export interface SampleProfile {
  name: string;
  age: number;
  tags: string[];
}

/** The response model for {@link SampleProfile}, named `'profile'` (`age` must be >= 0). */
export const sampleProfileModel: JsonSchemaModel<SampleProfile> = jsonSchema<SampleProfile>(
  {
    type: 'object',
    properties: {
      name: { type: 'string' },
      age: { type: 'integer', minimum: 0 },
      tags: { type: 'array', items: { type: 'string' } },
    },
    required: ['name', 'age', 'tags'],
    additionalProperties: false,
  },
  { name: 'profile' },
);

export const sampleProfile: Readonly<SampleProfile> = deepFreeze({
  name: 'Ada Lovelace',
  age: 36,
  tags: ['math', 'poetry'],
});

/**
 * An invoice as a model writes it in strict mode — optional fields present as
 * `null` — for testing a schema adapter (zod, valibot, …) on what validators
 * find hard: a pattern (`number` matches `^INV-\d+$`), a literal (`status`),
 * an enum (`currency`: EUR or USD), an array of objects with an optional
 * defaulted integer (`quantity`, here `null` on the first line) and an
 * optional string (`note`), and formats (`issuedAt` date-time, `email`, `uuid`).
 */
export const sampleInvoice = deepFreeze({
  number: 'INV-7',
  status: 'issued',
  currency: 'EUR',
  lines: [
    { item: 'Tea', quantity: null, unitPrice: 3.5, note: null },
    { item: 'Cake', quantity: 2, unitPrice: 4, note: 'lemon' },
  ],
  issuedAt: '2026-11-25T09:30:00Z',
  customer: { name: 'Ada', email: 'ada@example.com', id: '4f1c2b9e-7d3a-4c5e-9b8a-1e2f3a4b5c6d' },
});
