import { runValidatorConformance } from '@structllm/testing/conformance';
import * as v from 'valibot';
import { fromValibot } from '../src/index.ts';
import { Invoice, Person } from './schemas.ts';

type Tree = { label: string; children: Tree[] };
const Tree: v.GenericSchema<Tree> = v.object({
  label: v.string(),
  children: v.array(v.lazy(() => Tree)),
});

type Section = { title: string; summary?: string | undefined; sections: Section[] };
const Section: v.GenericSchema<Section> = v.object({
  title: v.string(),
  summary: v.optional(v.string()),
  sections: v.array(v.lazy(() => Section)),
});

const taken = new Set(['ada']);

runValidatorConformance<v.GenericSchema | v.GenericSchemaAsync>({
  name: 'valibot',
  adapt: fromValibot,
  schemas: {
    person: Person,
    order: v.object({
      id: v.string(),
      total: v.pipe(
        v.string(),
        v.transform((text) => Number.parseFloat(text)),
      ),
      note: v.optional(v.string()),
      status: v.optional(v.picklist(['open', 'paid']), 'open'),
    }),
    signup: v.pipe(
      v.object({ email: v.pipe(v.string(), v.email()), password: v.string(), confirm: v.string() }),
      v.forward(
        v.check((x) => x.password === x.confirm, 'passwords differ'),
        ['confirm'],
      ),
    ),
    document: v.object({
      shape: v.variant('kind', [
        v.object({ kind: v.literal('circle'), radius: v.pipe(v.number(), v.gtValue(0)) }),
        v.object({
          kind: v.literal('square'),
          side: v.pipe(v.number(), v.gtValue(0)),
          label: v.optional(v.string()),
        }),
      ]),
      owner: v.nullable(v.string()),
      tree: Tree,
      id: v.pipe(v.string(), v.uuid()),
      at: v.pipe(v.string(), v.isoTimestamp()),
    }),
    invoice: Invoice,
    outline: v.object({
      root: v.pipe(
        v.lazy(() => Section),
        v.description('The outline'),
      ),
      subtitle: v.nullish(v.string()),
    }),
    event: v.object({
      event: v.variant('type', [
        v.object({ type: v.literal('click'), x: v.number(), y: v.number() }),
        v.object({
          type: v.literal('key'),
          key: v.pipe(v.string(), v.length(1)),
          shift: v.optional(v.boolean()),
        }),
        v.object({ type: v.literal('scroll'), delta: v.optional(v.number(), 0) }),
      ]),
    }),
    record: v.object({ scores: v.record(v.string(), v.number()) }),
    unrepresentable: v.object({ when: v.date() }),
    plainObject: v.object({ name: v.string() }),
    strictObject: v.strictObject({ name: v.string() }),
    looseObject: v.looseObject({ name: v.string() }),
    nested: v.object({ name: v.string(), pets: v.array(v.object({ kind: v.string() })) }),
    asyncRefinement: v.objectAsync({
      username: v.pipeAsync(
        v.string(),
        v.checkAsync(async (name) => !taken.has(name), 'username is taken'),
      ),
    }),
  },
});
