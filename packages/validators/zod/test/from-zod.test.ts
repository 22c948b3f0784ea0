import {
  type DeepPartial,
  type ResponseModel,
  type StreamingResponse,
  StructuredLLMError,
  StructuredLLMService,
} from '@structllm/core';
import { collectResponses, createMockService } from '@structllm/testing';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { fromZod, zodToJsonSchema } from '../src/index.ts';

const Person = z
  .object({
    name: z.string().min(1),
    nickname: z.string().optional(),
    age: z.number().int().min(0).max(150),
    role: z.enum(['admin', 'user']).default('user'),
    email: z.email(),
  })
  .describe('A person');

describe('fromZod: the schema sent', () => {
  it('is the input JSON Schema in OpenAI strict-mode form', () => {
    const model = fromZod(Person, { name: 'person' });
    expect(model.name).toBe('person');
    expect(model.description).toBe('A person');
    expect(model.jsonSchema).toMatchObject({
      type: 'object',
      additionalProperties: false,
      required: ['name', 'nickname', 'age', 'role', 'email'],
      properties: {
        name: { type: 'string' },
        nickname: { type: ['string', 'null'] },
        role: { type: ['string', 'null'], enum: ['admin', 'user', null] },
        email: { type: 'string', format: 'email' },
      },
    });
    // Dropped for strict mode (OpenAI rejects them); still enforced by zod at the end.
    expect(JSON.stringify(model.jsonSchema)).not.toMatch(/minLength|"default"|\$schema/);
  });

  it('is the plain JSON Schema with strict: false', () => {
    const model = fromZod(Person, { strict: false });
    expect(model.jsonSchema).toMatchObject({
      required: ['name', 'age', 'email'],
      properties: { name: { type: 'string', minLength: 1 }, role: { default: 'user' } },
    });
  });

  it('keeps recursion as $defs/$ref, which strict mode accepts', () => {
    const Category = z.object({
      label: z.string(),
      get children() {
        return z.array(Category);
      },
    });
    const model = fromZod(z.object({ root: Category }));
    expect(model.jsonSchema).toMatchObject({
      properties: { root: { $ref: expect.stringMatching(/^#\/\$defs\//) } },
      $defs: expect.any(Object),
    });
  });

  it('falls back to the plain schema for records in auto mode, and refuses with strict: true', () => {
    const Scores = z.object({ scores: z.record(z.string(), z.number()) });
    expect(fromZod(Scores).jsonSchema).toMatchObject({
      properties: { scores: { type: 'object', additionalProperties: { type: 'number' } } },
    });
    expect(() => fromZod(Scores, { strict: true })).toThrow(
      /cannot be sent in OpenAI strict mode: .*#\/properties\/scores/,
    );
  });

  it('explains types JSON cannot carry', () => {
    let thrown: unknown;
    try {
      zodToJsonSchema(z.object({ when: z.date() }));
    } catch (error) {
      thrown = error;
    }
    expect(StructuredLLMError.is(thrown)).toBe(true);
    expect((thrown as StructuredLLMError).category).toBe('bad_request');
    expect((thrown as StructuredLLMError).message).toMatch(/no JSON Schema form/);
  });
});

describe('fromZod: streaming through the engine', () => {
  it('streams partials, and applies defaults and transforms to the final value only', async () => {
    const Order = z.object({
      id: z.string(),
      total: z.string().transform((text) => Number.parseFloat(text)),
      note: z.string().optional(),
      status: z.enum(['open', 'paid']).default('open'),
    });
    const written = { id: 'A-1', total: '12.50', note: null, status: null };
    const { service: svc } = createMockService({ responses: [{ json: written, chunkSize: 5 }] });
    const responses = await collectResponses(
      svc.routeStructuredStreaming({ prompt: 'order', responseModel: fromZod(Order) }),
    );
    const partials = responses.filter((r) => !r.isComplete);
    expect(partials.length).toBeGreaterThan(3);
    // Partials show what the model wrote (the strict encoding), never a transformed value.
    const totals = partials.map((r) => (r.partialResult as { total?: unknown })?.total);
    expect(totals).toContain('12.50');
    expect(totals.every((t) => t === undefined || typeof t === 'string')).toBe(true);
    expect(responses.at(-1)).toMatchObject({
      isComplete: true,
      progressPercent: 100,
      partialResult: { id: 'A-1', total: 12.5, status: 'open' },
    });
    expect(responses.at(-1)?.partialResult).not.toHaveProperty('note');
  });

  it('catches an enum value no prefix can complete mid-stream and re-asks with the issue', async () => {
    const good = { name: 'Ada', nickname: null, age: 36, role: 'admin', email: 'ada@example.com' };
    const bad = JSON.stringify({ ...good, role: 'superuser' });
    const { service: svc, provider } = createMockService({
      responses: [
        { text: bad, chunkSize: 3 },
        { json: good, chunkSize: 8 },
      ],
    });
    const responses = await collectResponses(
      svc.routeStructuredStreaming({ prompt: 'Ada', responseModel: fromZod(Person) }),
    );
    const first = responses.filter((r) => r.attempt === 1);
    const seen = first.flatMap((r) => r.rawChunks ?? []).join('');
    expect(seen.length).toBeLessThan(bad.indexOf('superuser') + 'superuser'.length);
    expect(provider.calls).toHaveLength(2);
    expect(provider.calls[1]?.messages.at(-1)?.content).toContain('role');
    expect(responses.at(-1)?.partialResult).toEqual({
      name: 'Ada',
      age: 36,
      role: 'admin',
      email: 'ada@example.com',
    });
  });

  it('catches a number out of range as soon as it is complete', async () => {
    const good = { name: 'Ada', nickname: null, age: 36, role: null, email: 'ada@example.com' };
    const bad = `{"name": "Ada", "nickname": null, "age": 999, "role": null, "email": "${'x'.repeat(300)}`;
    const { service: svc } = createMockService({
      responses: [
        { text: bad, chunkSize: 4 },
        { json: good, chunkSize: 8 },
      ],
    });
    const stream = svc.routeStructuredStreaming({ prompt: 'Ada', responseModel: fromZod(Person) });
    const responses = await collectResponses(stream);
    const attempts = responses.at(-1)?.attempt;
    expect(attempts).toBe(2);
    const firstText = responses
      .filter((r) => r.attempt === 1)
      .flatMap((r) => r.rawChunks ?? [])
      .join('');
    expect(firstText.length).toBeLessThan(bad.indexOf('"email"'));
    await expect(stream.result).resolves.toMatchObject({ age: 36, role: 'user' });
  });

  it('re-asks with zod’s own messages for what only zod checks (formats, refinements)', async () => {
    const Signup = z
      .object({ email: z.email(), password: z.string(), confirm: z.string() })
      .refine((v) => v.password === v.confirm, { message: 'passwords differ', path: ['confirm'] });
    const { service: svc, provider } = createMockService({
      responses: [
        { json: { email: 'ada@example.com', password: 'a', confirm: 'b' } },
        { json: { email: 'ada@example.com', password: 'a', confirm: 'a' } },
      ],
    });
    await expect(
      svc.routeStructured({ prompt: 'x', responseModel: fromZod(Signup) }),
    ).resolves.toEqual({ email: 'ada@example.com', password: 'a', confirm: 'a' });
    const reask = provider.calls[1]?.messages.at(-1)?.content ?? '';
    expect(reask).toContain('$.confirm: passwords differ');
  });

  it('handles discriminated unions, nullable fields and recursive schemas end to end', async () => {
    type Tree = { label: string; children: Tree[] };
    const Tree: z.ZodType<Tree> = z.object({
      label: z.string(),
      get children() {
        return z.array(Tree);
      },
    });
    const Doc = z.object({
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
    });
    const value = {
      shape: { kind: 'square', side: 2, label: null },
      owner: null,
      tree: { label: 'root', children: [{ label: 'leaf', children: [] }] },
      id: '4f1c2b9e-7d3a-4c5e-9b8a-1e2f3a4b5c6d',
      at: '2026-11-25T10:00:00Z',
    };
    const { service: svc } = createMockService({ responses: [{ json: value, chunkSize: 7 }] });
    const result = await svc.routeStructured({ prompt: 'doc', responseModel: fromZod(Doc) });
    expect(result).toEqual({ ...value, shape: { kind: 'square', side: 2 } });
  });

  it('accepts a bare zod schema as responseModel, with the same strict handling', async () => {
    const { service: svc, provider } = createMockService({
      responses: [
        { json: { name: 'Ada', nickname: null, age: 36, role: null, email: 'ada@example.com' } },
      ],
    });
    const person = await svc.routeStructured({ prompt: 'Ada', responseModel: Person });
    expectTypeOf(person).toEqualTypeOf<z.output<typeof Person>>();
    expect(person).toEqual({ name: 'Ada', age: 36, role: 'user', email: 'ada@example.com' });
    expect(provider.calls[0]?.schema).toMatchObject({ additionalProperties: false });
  });
});

describe('fromZod: types', () => {
  it('infers T, DeepPartial<T> and the request result types', () => {
    const model = fromZod(Person);
    type P = z.output<typeof Person>;
    expectTypeOf(model).toEqualTypeOf<ResponseModel<P>>();
    expectTypeOf<P>().toEqualTypeOf<{
      name: string;
      nickname?: string | undefined;
      age: number;
      role: 'admin' | 'user';
      email: string;
    }>();
    const svc = new StructuredLLMService({ providers: [], defaultModel: 'mock/m' });
    const run = () => svc.routeStructured({ prompt: 'x', responseModel: model });
    expectTypeOf(run).returns.resolves.toEqualTypeOf<P>();
    const stream = () => svc.routeStructuredStreaming({ prompt: 'x', responseModel: model });
    type Partial = StreamingResponse<P>['partialResult'];
    expectTypeOf<Partial>().toEqualTypeOf<DeepPartial<P> | P | undefined>();
    expectTypeOf(stream).returns.toExtend<AsyncIterable<StreamingResponse<P>>>();
    expectTypeOf<DeepPartial<P>['nickname']>().toEqualTypeOf<string | null | undefined>();
  });
});
