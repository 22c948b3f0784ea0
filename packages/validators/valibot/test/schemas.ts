import * as v from 'valibot';

/** The conformance suite's `person`, also used by the valibot-only tests. */
export const Person = v.pipe(
  v.object({
    name: v.pipe(v.string(), v.minLength(1)),
    nickname: v.optional(v.string()),
    age: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(150)),
    role: v.optional(v.picklist(['admin', 'user']), 'user'),
    email: v.pipe(v.string(), v.email()),
  }),
  v.description('A person'),
);

/** The conformance suite's `invoice` (`sampleInvoice` is an answer of it). */
export const Invoice = v.object({
  number: v.pipe(v.string(), v.regex(/^INV-\d+$/)),
  status: v.literal('issued'),
  currency: v.picklist(['EUR', 'USD']),
  lines: v.pipe(
    v.array(
      v.object({
        item: v.string(),
        quantity: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1)), 1),
        unitPrice: v.pipe(v.number(), v.minValue(0)),
        note: v.optional(v.string()),
      }),
    ),
    v.minLength(1),
  ),
  issuedAt: v.pipe(v.string(), v.isoTimestamp()),
  customer: v.object({
    name: v.string(),
    email: v.pipe(v.string(), v.email()),
    id: v.pipe(v.string(), v.uuid()),
  }),
});
