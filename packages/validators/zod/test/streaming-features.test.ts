import { type DeepPartial, StructuredLLMError } from '@structllm/core';
import { collectResponses, createMockService, sampleInvoice, textOf } from '@structllm/testing';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { z as zm } from 'zod/mini';
import { fromZod } from '../src/index.ts';

const Invoice = z.object({
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

describe('fromZod: impossible partials fail the attempt while it streams', () => {
  it.each([
    ['a wrong type', { customer: { name: 42 } }, '$.customer.name'],
    ['a literal no prefix can complete', { status: 'draft' }, '$.status'],
    ['an enum value no prefix can complete', { currency: 'GBP' }, '$.currency'],
    [
      'a number out of range',
      { lines: [{ ...sampleInvoice.lines[0], unitPrice: -1 }] },
      '$.lines[0]',
    ],
    ['a pattern no continuation can match', { number: 'X-1' }, '$.number'],
    ['an array item of the wrong type', { lines: ['tea'] }, '$.lines[0]'],
  ])('%s: category validation, then a re-ask naming the path', async (_, change, path) => {
    const bad = JSON.stringify({ ...sampleInvoice, ...change, padding: 'x'.repeat(400) });
    const { service, provider, events, onProgress } = createMockService({
      responses: [
        { text: bad, chunkSize: 6 },
        { json: sampleInvoice, chunkSize: 32 },
      ],
    });
    const stream = service.routeStructuredStreaming({
      prompt: 'invoice',
      responseModel: fromZod(Invoice),
      progressCallback: onProgress,
    });
    const responses = await collectResponses(stream);
    // The first attempt stopped long before the model finished writing.
    expect(textOf(responses, 1).length).toBeLessThan(bad.length - 300);
    const retry = events.find((e) => e.eventType === 'retry');
    expect(retry?.data).toMatchObject({ category: 'validation', attempt: 2 });
    expect(provider.calls).toHaveLength(2);
    expect(provider.calls[1]?.messages.at(-1)?.content).toContain(`- ${path}`);
    expect(responses.at(-1)).toMatchObject({ isComplete: true, attempt: 2, error: undefined });
  });

  it('fails the request with a validation error when no retry is left, every attempt recorded', async () => {
    const bad = JSON.stringify({ ...sampleInvoice, currency: 'GBP' });
    const { service } = createMockService({ responses: [{ text: bad, chunkSize: 6 }] });
    const error = await service
      .routeStructured({ prompt: 'invoice', responseModel: fromZod(Invoice), maxRetries: 1 })
      .catch((e: unknown) => e);
    expect(StructuredLLMError.is(error)).toBe(true);
    const failure = error as StructuredLLMError;
    expect(failure.category).toBe('validation');
    expect(failure.message).toMatch(/- \$\.currency: .*"EUR".*"USD"/);
    expect(failure.attempts.map((a) => a.category)).toEqual(['validation', 'validation']);
  });

  it('does not require fields before the final value: missing keys are fine mid-stream', async () => {
    const { service } = createMockService({ responses: [{ json: sampleInvoice, chunkSize: 3 }] });
    const responses = await collectResponses(
      service.routeStructuredStreaming({ prompt: 'invoice', responseModel: fromZod(Invoice) }),
    );
    const partials = responses.filter((r) => !r.isComplete);
    expect(partials.length).toBeGreaterThan(20);
    expect(partials.every((r) => r.error === undefined && r.attempt === 1)).toBe(true);
    // Early partials lack required fields; they are still accepted.
    expect(
      partials.some((r) => r.partialResult !== undefined && !('lines' in r.partialResult)),
    ).toBe(true);
  });

  it('rejects a final value missing a required field, and re-asks', async () => {
    const { customer: _, ...withoutCustomer } = sampleInvoice;
    const { service, provider } = createMockService({
      responses: [{ json: withoutCustomer }, { json: sampleInvoice }],
    });
    await service.routeStructured({ prompt: 'invoice', responseModel: fromZod(Invoice) });
    expect(provider.calls[1]?.messages.at(-1)?.content).toMatch(/\$\.customer/);
  });
});

describe('fromZod: arrays of objects, defaults and optional fields', () => {
  it('streams growing arrays of objects and applies defaults to the final value only', async () => {
    const { service } = createMockService({ responses: [{ json: sampleInvoice, chunkSize: 5 }] });
    const responses = await collectResponses(
      service.routeStructuredStreaming({ prompt: 'invoice', responseModel: fromZod(Invoice) }),
    );
    const lineCounts = responses
      .filter((r) => !r.isComplete)
      .map((r) => (r.partialResult as DeepPartial<z.output<typeof Invoice>>)?.lines?.length ?? 0);
    expect(lineCounts).toContain(1);
    expect(lineCounts).toContain(2);
    // Mid-stream the first line shows what the model wrote: quantity null, no default yet.
    const early = responses.find(
      (r) => !r.isComplete && (r.partialResult as { lines?: unknown[] })?.lines?.length === 2,
    );
    expect(early?.partialResult).toMatchObject({ lines: [{ quantity: null }, {}] });
    const final = responses.at(-1)?.partialResult as z.output<typeof Invoice>;
    expect(final.lines).toEqual([
      { item: 'Tea', quantity: 1, unitPrice: 3.5 },
      { item: 'Cake', quantity: 2, unitPrice: 4, note: 'lemon' },
    ]);
  });

  it('round-trips optional → null → absent, nested in arrays and recursive objects', async () => {
    type Section = { title: string; summary?: string | undefined; sections: Section[] };
    const Section: z.ZodType<Section> = z.object({
      title: z.string(),
      summary: z.string().optional(),
      get sections() {
        return z.array(Section);
      },
    });
    const Doc = z.object({ root: Section, subtitle: z.string().nullable().optional() });
    const model = fromZod(Doc);
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
    // Sent: every key required, optional ones nullable.
    expect(provider.calls[0]?.schema).toMatchObject({
      required: ['root', 'subtitle'],
      additionalProperties: false,
    });
    // `subtitle` was nullable and optional: null is a real value there and stays.
    expect(doc).toEqual({
      root: { title: 'A', sections: [{ title: 'A.1', summary: 'first', sections: [] }] },
      subtitle: null,
    });
    expect(doc.root).not.toHaveProperty('summary');
  });
});

describe('fromZod: unions, formats, output modes', () => {
  const Event = z.object({
    event: z.discriminatedUnion('type', [
      z.object({ type: z.literal('click'), x: z.number(), y: z.number() }),
      z.object({
        type: z.literal('key'),
        key: z.string().length(1),
        shift: z.boolean().optional(),
      }),
      z.object({ type: z.literal('scroll'), delta: z.number().default(0) }),
    ]),
  });

  it('streams a discriminated union and parses each branch, dropping the optional nulls', async () => {
    const { service } = createMockService({
      responses: [
        { json: { event: { type: 'key', key: 'a', shift: null } } },
        { json: { event: { type: 'scroll', delta: null } } },
      ],
    });
    const model = fromZod(Event);
    await expect(service.routeStructured({ prompt: 'e', responseModel: model })).resolves.toEqual({
      event: { type: 'key', key: 'a' },
    });
    await expect(service.routeStructured({ prompt: 'e', responseModel: model })).resolves.toEqual({
      event: { type: 'scroll', delta: 0 },
    });
  });

  it('catches a discriminator no branch has while streaming', async () => {
    const { service, events, onProgress } = createMockService({
      responses: [
        { text: `{"event": {"type": "hover", "x": 1, "y": 2, "z": "${'z'.repeat(200)}"}}` },
        { json: { event: { type: 'click', x: 1, y: 2 } } },
      ],
    });
    await expect(
      service.routeStructured({
        prompt: 'e',
        responseModel: fromZod(Event),
        progressCallback: onProgress,
      }),
    ).resolves.toEqual({ event: { type: 'click', x: 1, y: 2 } });
    expect(events.find((e) => e.eventType === 'retry')?.data).toMatchObject({
      category: 'validation',
    });
  });

  it.each([
    ['email', { email: 'not-an-email' }, '$.customer.email'],
    ['uuid', { id: 'not-a-uuid' }, '$.customer.id'],
  ])('re-asks on a malformed %s with the path', async (_, change, path) => {
    const bad = { ...sampleInvoice, customer: { ...sampleInvoice.customer, ...change } };
    const { service, provider } = createMockService({
      responses: [{ json: bad }, { json: sampleInvoice }],
    });
    await service.routeStructured({ prompt: 'invoice', responseModel: fromZod(Invoice) });
    expect(provider.calls[1]?.messages.at(-1)?.content).toContain(`- ${path}:`);
  });

  it('re-asks on a malformed date-time', async () => {
    const { service, provider } = createMockService({
      responses: [{ json: { ...sampleInvoice, issuedAt: '25/11/2026' } }, { json: sampleInvoice }],
    });
    await service.routeStructured({ prompt: 'invoice', responseModel: fromZod(Invoice) });
    expect(provider.calls[1]?.messages.at(-1)?.content).toContain('- $.issuedAt:');
  });

  it.each(['tool', 'json_object'] as const)('sends the same schema in %s mode', async (mode) => {
    const { service, provider } = createMockService({
      responses: [{ json: sampleInvoice }],
      modes: [mode],
    });
    const invoice = await service.routeStructured({
      prompt: 'invoice',
      responseModel: fromZod(Invoice),
      mode,
    });
    expect(invoice.customer.name).toBe('Ada');
    expect(provider.calls[0]?.mode).toBe(mode);
    expect(provider.calls[0]?.schema).toEqual(fromZod(Invoice).jsonSchema);
    expect(provider.calls[0]?.schema).toMatchObject({ type: 'object' });
  });
});

describe('fromZod: zod mini and bare schemas', () => {
  it('takes zod/mini schemas, with the same strict handling and typing', async () => {
    const Person = zm.object({
      name: zm.string(),
      age: zm.optional(zm.number().check(zm.minimum(0))),
    });
    const model = fromZod(Person);
    expect(model.jsonSchema).toMatchObject({
      required: ['name', 'age'],
      properties: { age: { type: ['number', 'null'] } },
    });
    const { service } = createMockService({ responses: [{ json: { name: 'Ada', age: null } }] });
    const person = await service.routeStructured({ prompt: 'p', responseModel: model });
    expectTypeOf(person).toEqualTypeOf<{ name: string; age?: number | undefined }>();
    expect(person).toEqual({ name: 'Ada' });
  });

  it('streams typed partials from a bare zod schema', async () => {
    const { service } = createMockService({ responses: [{ json: sampleInvoice, chunkSize: 40 }] });
    const stream = service.routeStructuredStreaming({ prompt: 'invoice', responseModel: Invoice });
    type T = z.output<typeof Invoice>;
    const responses = await collectResponses(stream);
    expectTypeOf(responses[0]?.partialResult).toEqualTypeOf<DeepPartial<T> | T | undefined>();
    await expect(stream.result).resolves.toMatchObject({ lines: [{ quantity: 1 }, {}] });
  });
});

describe('fromZod: extra keys', () => {
  const written = { name: 'Ada', comment: 'the model added this' };
  /** A model that writes `written`, in json_object mode only (nothing on the wire enforces the schema). */
  const writingInJsonObjectMode = () =>
    createMockService({ responses: [{ json: written, chunkSize: 4 }], modes: ['json_object'] });

  it('lets zod strip a key the schema does not list (json_object mode), without a re-ask', async () => {
    const { service, provider } = writingInJsonObjectMode();
    const person = await service.routeStructured({
      prompt: 'p',
      responseModel: fromZod(z.object({ name: z.string() })),
      mode: 'json_object',
    });
    expect(person).toEqual({ name: 'Ada' });
    expect(provider.calls).toHaveLength(1);
  });

  it('catches an extra key mid-stream when the schema forbids it (z.strictObject)', async () => {
    const { service, provider } = createMockService({
      responses: [{ json: written, chunkSize: 4 }, { json: { name: 'Ada' } }],
    });
    const person = await service.routeStructured({
      prompt: 'p',
      responseModel: fromZod(z.strictObject({ name: z.string() })),
    });
    expect(person).toEqual({ name: 'Ada' });
    expect(provider.calls[1]?.messages.at(-1)?.content).toContain('comment');
  });

  it('never shows a key the final value strips, in any partial (z.object)', async () => {
    const Nested = z.object({ name: z.string(), pets: z.array(z.object({ kind: z.string() })) });
    const text = JSON.stringify({
      name: 'Ada',
      role: 'admin',
      pets: [{ kind: 'cat', owner: { note: 'x' } }, { kind: 'dog' }],
    });
    const { service } = createMockService({
      responses: [{ text: text.replace(/}$/, ',"__proto__":{"isAdmin":true}}'), chunkSize: 3 }],
      modes: ['json_object'],
    });
    const stream = service.routeStructuredStreaming({
      prompt: 'p',
      responseModel: fromZod(Nested),
      mode: 'json_object',
    });
    const responses = await collectResponses(stream);
    expect(responses.length).toBeGreaterThan(10);
    for (const { partialResult } of responses) {
      const shown = JSON.stringify(partialResult) ?? '';
      expect(shown).not.toMatch(/role|admin|owner|note|isAdmin|__proto__/);
    }
    await expect(stream.result).resolves.toEqual({
      name: 'Ada',
      pets: [{ kind: 'cat' }, { kind: 'dog' }],
    });
  });

  it('shows and keeps undeclared keys of a loose object (z.looseObject)', async () => {
    const { service } = writingInJsonObjectMode();
    const stream = service.routeStructuredStreaming({
      prompt: 'p',
      responseModel: fromZod(z.looseObject({ name: z.string() })),
      mode: 'json_object',
    });
    const responses = await collectResponses(stream);
    expect(responses.some((r) => JSON.stringify(r.partialResult).includes('comment'))).toBe(true);
    await expect(stream.result).resolves.toEqual(written);
  });

  it('a bare zod object passed as responseModel drops undeclared keys the same way', async () => {
    const { service } = writingInJsonObjectMode();
    const stream = service.routeStructuredStreaming({
      prompt: 'p',
      responseModel: z.object({ name: z.string() }),
      mode: 'json_object',
    });
    for (const { partialResult } of await collectResponses(stream)) {
      expect(JSON.stringify(partialResult) ?? '').not.toContain('comment');
    }
    await expect(stream.result).resolves.toEqual({ name: 'Ada' });
  });
});

describe('fromZod: async refinements', () => {
  it('awaits an async refinement on the final value and re-asks with its message', async () => {
    const taken = new Set(['ada']);
    const Signup = z.object({
      username: z.string().refine(async (name) => !taken.has(name), 'username is taken'),
    });
    const { service, provider } = createMockService({
      responses: [{ json: { username: 'ada' } }, { json: { username: 'grace' } }],
    });
    await expect(
      service.routeStructured({ prompt: 'signup', responseModel: fromZod(Signup) }),
    ).resolves.toEqual({ username: 'grace' });
    expect(provider.calls[1]?.messages.at(-1)?.content).toContain(
      '- $.username: username is taken',
    );
  });
});
