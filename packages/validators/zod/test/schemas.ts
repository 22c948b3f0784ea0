import { z } from 'zod';

/** The conformance suite's `person`, also used by the zod-only tests. */
export const Person = z
  .object({
    name: z.string().min(1),
    nickname: z.string().optional(),
    age: z.number().int().min(0).max(150),
    role: z.enum(['admin', 'user']).default('user'),
    email: z.email(),
  })
  .describe('A person');

/** The conformance suite's `invoice` (`sampleInvoice` is an answer of it). */
export const Invoice = z.object({
  number: z.string().regex(/^INV-\d+$/),
  status: z.literal('issued'),
  currency: z.enum(['EUR', 'USD']),
  lines: z
    .array(
      z.object({
        item: z.string(),
        quantity: z.number().int().positive().default(1),
        unitPrice: z.number().nonnegative(),
        note: z.string().optional(),
      }),
    )
    .min(1),
  issuedAt: z.iso.datetime(),
  customer: z.object({ name: z.string(), email: z.email(), id: z.uuid() }),
});
