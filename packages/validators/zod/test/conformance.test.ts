import { runValidatorConformance } from '@structllm/testing/conformance';
import { z } from 'zod';
import { fromZod } from '../src/index.ts';
import { Invoice, Person } from './schemas.ts';

type Tree = { label: string; children: Tree[] };
const Tree: z.ZodType<Tree> = z.object({
  label: z.string(),
  get children() {
    return z.array(Tree);
  },
});

type Section = { title: string; summary?: string | undefined; sections: Section[] };
const Section: z.ZodType<Section> = z.object({
  title: z.string(),
  summary: z.string().optional(),
  get sections() {
    return z.array(Section);
  },
});

const taken = new Set(['ada']);

runValidatorConformance<z.ZodType>({
  name: 'zod',
  adapt: fromZod,
  schemas: {
    person: Person,
    order: z.object({
      id: z.string(),
      total: z.string().transform((text) => Number.parseFloat(text)),
      note: z.string().optional(),
      status: z.enum(['open', 'paid']).default('open'),
    }),
    signup: z
      .object({ email: z.email(), password: z.string(), confirm: z.string() })
      .refine((v) => v.password === v.confirm, { message: 'passwords differ', path: ['confirm'] }),
    document: z.object({
      shape: z.discriminatedUnion('kind', [
        z.object({ kind: z.literal('circle'), radius: z.number().positive() }),
        z.object({
          kind: z.literal('square'),
          side: z.number().positive(),
          label: z.string().optional(),
        }),
      ]),
      owner: z.string().nullable(),
      tree: Tree,
      id: z.uuid(),
      at: z.iso.datetime(),
    }),
    invoice: Invoice,
    outline: z.object({
      root: Section.describe('The outline'),
      subtitle: z.string().nullable().optional(),
    }),
    event: z.object({
      event: z.discriminatedUnion('type', [
        z.object({ type: z.literal('click'), x: z.number(), y: z.number() }),
        z.object({
          type: z.literal('key'),
          key: z.string().length(1),
          shift: z.boolean().optional(),
        }),
        z.object({ type: z.literal('scroll'), delta: z.number().default(0) }),
      ]),
    }),
    record: z.object({ scores: z.record(z.string(), z.number()) }),
    unrepresentable: z.object({ when: z.date() }),
    plainObject: z.object({ name: z.string() }),
    strictObject: z.strictObject({ name: z.string() }),
    looseObject: z.looseObject({ name: z.string() }),
    nested: z.object({ name: z.string(), pets: z.array(z.object({ kind: z.string() })) }),
    asyncRefinement: z.object({
      username: z.string().refine(async (name) => !taken.has(name), 'username is taken'),
    }),
  },
});
