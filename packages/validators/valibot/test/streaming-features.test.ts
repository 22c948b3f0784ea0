import { type DeepPartial, StructuredLLMError } from '@structllm/core';
import { collectResponses, createMockService, sampleInvoice, textOf } from '@structllm/testing';
import { toStandardJsonSchema } from '@valibot/to-json-schema';
import * as v from 'valibot';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { fromValibot } from '../src/index.ts';

const Invoice = v.object({
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

describe('fromValibot: impossible partials fail the attempt while it streams', () => {
  it.each([
    ['a wrong type', { customer: { name: 42 } }, '$.customer.name'],
    ['a literal no prefix can complete', { status: 'draft' }, '$.status'],
    ['a picklist value no prefix can complete', { currency: 'GBP' }, '$.currency'],
    [
      'a number out of range',
      { lines: [{ ...sampleInvoice.lines[0], unitPrice: -1 }] },
      '$.lines[0]',
    ],
    ['a regex no continuation can match', { number: 'X-1' }, '$.number'],
    ['an array item of the wrong type', { lines: ['tea'] }, '$.lines[0]'],
  ])('%s: category validation, then a re-ask naming the path', async (_, change, path) => {
    const bad = JSON.stringify({ ...sampleInvoice, ...change, padding: 'x'.repeat(400) });
    const { service, provider, events, onProgress } = createMockService({
      responses: [
        { text: bad, chunkSize: 6 },
        { json: sampleInvoice, chunkSize: 32 },
      ],
    });
    const responses = await collectResponses(
      service.routeStructuredStreaming({
        prompt: 'invoice',
        responseModel: fromValibot(Invoice),
        progressCallback: onProgress,
      }),
    );
    expect(textOf(responses, 1).length).toBeLessThan(bad.length - 300);
    expect(events.find((e) => e.eventType === 'retry')?.data).toMatchObject({
      category: 'validation',
      attempt: 2,
    });
    expect(provider.calls).toHaveLength(2);
    expect(provider.calls[1]?.messages.at(-1)?.content).toContain(`- ${path}`);
    expect(responses.at(-1)).toMatchObject({ isComplete: true, attempt: 2, error: undefined });
  });

  it('fails the request with a validation error when no retry is left, every attempt recorded', async () => {
    const bad = JSON.stringify({ ...sampleInvoice, currency: 'GBP' });
    const { service } = createMockService({ responses: [{ text: bad, chunkSize: 6 }] });
    const error = await service
      .routeStructured({ prompt: 'invoice', responseModel: fromValibot(Invoice), maxRetries: 1 })
      .catch((e: unknown) => e);
    expect(StructuredLLMError.is(error)).toBe(true);
    const failure = error as StructuredLLMError;
    expect(failure.category).toBe('validation');
    expect(failure.message).toMatch(/- \$\.currency: .*"EUR".*"USD"/);
    expect(failure.attempts.map((a) => a.category)).toEqual(['validation', 'validation']);
  });

  it('re-asks with valibot’s message for a final value missing a required field', async () => {
    const { customer: _, ...withoutCustomer } = sampleInvoice;
    const { service, provider } = createMockService({
      responses: [{ json: withoutCustomer }, { json: sampleInvoice }],
    });
    await service.routeStructured({ prompt: 'invoice', responseModel: fromValibot(Invoice) });
    expect(provider.calls[1]?.messages.at(-1)?.content).toMatch(
      /- \$\.customer: Invalid key: Expected "customer"/,
    );
  });
});

describe('fromValibot: arrays of objects, defaults and optional fields', () => {
  it('streams growing arrays of objects and applies defaults to the final value only', async () => {
    const { service } = createMockService({ responses: [{ json: sampleInvoice, chunkSize: 5 }] });
    const responses = await collectResponses(
      service.routeStructuredStreaming({ prompt: 'invoice', responseModel: fromValibot(Invoice) }),
    );
    const partials = responses.filter((r) => !r.isComplete);
    const lineCounts = partials.map(
      (r) => (r.partialResult as DeepPartial<v.InferOutput<typeof Invoice>>)?.lines?.length ?? 0,
    );
    expect(lineCounts).toContain(1);
    expect(lineCounts).toContain(2);
    expect(
      partials.some(
        (r) =>
          (r.partialResult as { lines?: { quantity?: unknown }[] })?.lines?.[0]?.quantity === null,
      ),
    ).toBe(true);
    const final = responses.at(-1)?.partialResult as v.InferOutput<typeof Invoice>;
    expect(final.lines).toEqual([
      { item: 'Tea', quantity: 1, unitPrice: 3.5 },
      { item: 'Cake', quantity: 2, unitPrice: 4, note: 'lemon' },
    ]);
  });

  it('round-trips optional → null → absent, nested in arrays and v.lazy recursion', async () => {
    type Section = { title: string; summary?: string | undefined; sections: Section[] };
    const Section: v.GenericSchema<Section> = v.object({
      title: v.string(),
      summary: v.optional(v.string()),
      sections: v.array(v.lazy(() => Section)),
    });
    const Doc = v.object({
      root: v.pipe(
        v.lazy(() => Section),
        v.description('The outline'),
      ),
      subtitle: v.nullish(v.string()),
    });
    const model = fromValibot(Doc);
    // A $ref with a description is inlined: strict mode takes $ref only on its own.
    expect(model.jsonSchema).toMatchObject({
      properties: { root: { type: 'object', description: 'The outline' } },
    });
    const written = {
      root: {
        title: 'A',
        summary: null,
        sections: [{ title: 'A.1', summary: 'first', sections: [] }],
      },
      subtitle: null,
    };
    const { service, provider } = createMockService({
      responses: [{ json: written, chunkSize: 9 }],
    });
    const doc = await service.routeStructured({ prompt: 'doc', responseModel: model });
    expect(provider.calls[0]?.schema).toMatchObject({
      required: ['root', 'subtitle'],
      additionalProperties: false,
    });
    // `subtitle` is nullish: null is a real value there and stays.
    expect(doc).toEqual({
      root: { title: 'A', sections: [{ title: 'A.1', summary: 'first', sections: [] }] },
      subtitle: null,
    });
  });
});

describe('fromValibot: variants, formats, output modes', () => {
  const Event = v.object({
    event: v.variant('type', [
      v.object({ type: v.literal('click'), x: v.number(), y: v.number() }),
      v.object({
        type: v.literal('key'),
        key: v.pipe(v.string(), v.length(1)),
        shift: v.optional(v.boolean()),
      }),
      v.object({ type: v.literal('scroll'), delta: v.optional(v.number(), 0) }),
    ]),
  });

  it('parses each variant, dropping the optional nulls', async () => {
    const { service } = createMockService({
      responses: [
        { json: { event: { type: 'key', key: 'a', shift: null } } },
        { json: { event: { type: 'scroll', delta: null } } },
      ],
    });
    const model = fromValibot(Event);
    await expect(service.routeStructured({ prompt: 'e', responseModel: model })).resolves.toEqual({
      event: { type: 'key', key: 'a' },
    });
    await expect(service.routeStructured({ prompt: 'e', responseModel: model })).resolves.toEqual({
      event: { type: 'scroll', delta: 0 },
    });
  });

  it('catches a discriminator no variant has while streaming', async () => {
    const { service, events, onProgress } = createMockService({
      responses: [
        { text: `{"event": {"type": "hover", "x": 1, "y": 2, "z": "${'z'.repeat(200)}"}}` },
        { json: { event: { type: 'click', x: 1, y: 2 } } },
      ],
    });
    await expect(
      service.routeStructured({
        prompt: 'e',
        responseModel: fromValibot(Event),
        progressCallback: onProgress,
      }),
    ).resolves.toEqual({ event: { type: 'click', x: 1, y: 2 } });
    expect(events.find((e) => e.eventType === 'retry')?.data).toMatchObject({
      category: 'validation',
    });
  });

  it.each([
    ['email', { customer: { ...sampleInvoice.customer, email: 'nope' } }, '$.customer.email'],
    ['uuid', { customer: { ...sampleInvoice.customer, id: 'nope' } }, '$.customer.id'],
    ['ISO timestamp', { issuedAt: '25/11/2026' }, '$.issuedAt'],
  ])('re-asks on a malformed %s with the path', async (_, change, path) => {
    const { service, provider } = createMockService({
      responses: [{ json: { ...sampleInvoice, ...change } }, { json: sampleInvoice }],
    });
    await service.routeStructured({ prompt: 'invoice', responseModel: fromValibot(Invoice) });
    expect(provider.calls[1]?.messages.at(-1)?.content).toContain(`- ${path}:`);
  });

  it.each(['tool', 'json_object'] as const)('sends the same schema in %s mode', async (mode) => {
    const { service, provider } = createMockService({
      responses: [{ json: sampleInvoice }],
      modes: [mode],
    });
    const invoice = await service.routeStructured({
      prompt: 'invoice',
      responseModel: fromValibot(Invoice),
      mode,
    });
    expect(invoice.customer.name).toBe('Ada');
    expect(provider.calls[0]?.mode).toBe(mode);
    expect(provider.calls[0]?.schema).toEqual(fromValibot(Invoice).jsonSchema);
  });
});

describe('fromValibot: extra keys and bare schemas', () => {
  const written = { name: 'Ada', comment: 'the model added this' };
  /** A model that writes `written`, in json_object mode only (nothing on the wire enforces the schema). */
  const writingInJsonObjectMode = () =>
    createMockService({ responses: [{ json: written, chunkSize: 4 }], modes: ['json_object'] });

  it('lets valibot strip a key the schema does not list (json_object mode), without a re-ask', async () => {
    const { service, provider } = writingInJsonObjectMode();
    const person = await service.routeStructured({
      prompt: 'p',
      responseModel: fromValibot(v.object({ name: v.string() })),
      mode: 'json_object',
    });
    expect(person).toEqual({ name: 'Ada' });
    expect(provider.calls).toHaveLength(1);
  });

  it('catches an extra key mid-stream when the schema forbids it (v.strictObject)', async () => {
    const { service, provider } = createMockService({
      responses: [{ json: written, chunkSize: 4 }, { json: { name: 'Ada' } }],
    });
    const person = await service.routeStructured({
      prompt: 'p',
      responseModel: fromValibot(v.strictObject({ name: v.string() })),
    });
    expect(person).toEqual({ name: 'Ada' });
    expect(provider.calls[1]?.messages.at(-1)?.content).toContain('comment');
  });

  it('never shows a key the final value strips, in any partial (v.object)', async () => {
    const Nested = v.object({ name: v.string(), pets: v.array(v.object({ kind: v.string() })) });
    const text = JSON.stringify({
      name: 'Ada',
      role: 'admin',
      pets: [{ kind: 'cat', owner: { note: 'x' } }, { kind: 'dog' }],
    });
    const { service } = createMockService({
      responses: [{ text, chunkSize: 3 }],
      modes: ['json_object'],
    });
    const stream = service.routeStructuredStreaming({
      prompt: 'p',
      responseModel: fromValibot(Nested),
      mode: 'json_object',
    });
    const responses = await collectResponses(stream);
    expect(responses.length).toBeGreaterThan(10);
    for (const { partialResult } of responses) {
      expect(JSON.stringify(partialResult) ?? '').not.toMatch(/role|admin|owner|note/);
    }
    await expect(stream.result).resolves.toEqual({
      name: 'Ada',
      pets: [{ kind: 'cat' }, { kind: 'dog' }],
    });
  });

  it('shows and keeps undeclared keys of a loose object (v.looseObject)', async () => {
    const { service } = writingInJsonObjectMode();
    const stream = service.routeStructuredStreaming({
      prompt: 'p',
      responseModel: fromValibot(v.looseObject({ name: v.string() })),
      mode: 'json_object',
    });
    const responses = await collectResponses(stream);
    expect(responses.some((r) => JSON.stringify(r.partialResult).includes('comment'))).toBe(true);
    await expect(stream.result).resolves.toEqual(written);
  });

  it('streams typed partials from a schema wrapped with toStandardJsonSchema', async () => {
    const { service } = createMockService({ responses: [{ json: sampleInvoice, chunkSize: 40 }] });
    const stream = service.routeStructuredStreaming({
      prompt: 'invoice',
      responseModel: toStandardJsonSchema(Invoice),
    });
    type T = v.InferOutput<typeof Invoice>;
    const responses = await collectResponses(stream);
    expectTypeOf(responses[0]?.partialResult).toEqualTypeOf<DeepPartial<T> | T | undefined>();
    await expect(stream.result).resolves.toMatchObject({ lines: [{ quantity: 1 }, {}] });
  });
});
