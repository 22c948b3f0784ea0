import {
  type DeepPartial,
  type ResponseModel,
  type StreamingResponse,
  StructuredLLMError,
  StructuredLLMService,
} from '@structllm/core';
import { collectResponses, createMockService } from '@structllm/testing';
import { toStandardJsonSchema } from '@valibot/to-json-schema';
import * as v from 'valibot';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { fromValibot, valibotToJsonSchema } from '../src/index.ts';

const Person = v.pipe(
  v.object({
    name: v.pipe(v.string(), v.minLength(1)),
    nickname: v.optional(v.string()),
    age: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(150)),
    role: v.optional(v.picklist(['admin', 'user']), 'user'),
    email: v.pipe(v.string(), v.email()),
  }),
  v.description('A person'),
);

describe('fromValibot: the schema sent', () => {
  it('is the input JSON Schema in OpenAI strict-mode form', () => {
    const model = fromValibot(Person, { name: 'person' });
    expect(model.name).toBe('person');
    expect(model.description).toBe('A person');
    expect(model.jsonSchema).toMatchObject({
      type: 'object',
      additionalProperties: false,
      required: ['name', 'nickname', 'age', 'role', 'email'],
      properties: {
        nickname: { type: ['string', 'null'] },
        role: { type: ['string', 'null'], enum: ['admin', 'user', null] },
        email: { type: 'string', format: 'email' },
      },
    });
    expect(JSON.stringify(model.jsonSchema)).not.toMatch(/minLength|"default"|\$schema/);
  });

  it('is the plain JSON Schema with strict: false', () => {
    expect(fromValibot(Person, { strict: false }).jsonSchema).toMatchObject({
      required: ['name', 'age', 'email'],
      properties: { name: { minLength: 1 }, role: { default: 'user' } },
    });
  });

  it('explains schemas JSON Schema cannot express', () => {
    let thrown: unknown;
    try {
      valibotToJsonSchema(v.object({ when: v.date() }));
    } catch (error) {
      thrown = error;
    }
    expect(StructuredLLMError.is(thrown)).toBe(true);
    expect((thrown as StructuredLLMError).message).toMatch(
      /valibot schema has no JSON Schema form/,
    );
  });
});

describe('fromValibot: streaming through the engine', () => {
  it('streams partials, and applies defaults and transforms to the final value only', async () => {
    const Order = v.object({
      id: v.string(),
      total: v.pipe(
        v.string(),
        v.transform((text) => Number.parseFloat(text)),
      ),
      note: v.optional(v.string()),
      status: v.optional(v.picklist(['open', 'paid']), 'open'),
    });
    const { service: svc } = createMockService({
      responses: [{ json: { id: 'A-1', total: '12.50', note: null, status: null }, chunkSize: 5 }],
    });
    const responses = await collectResponses(
      svc.routeStructuredStreaming({ prompt: 'order', responseModel: fromValibot(Order) }),
    );
    const totals = responses
      .filter((r) => !r.isComplete)
      .map((r) => (r.partialResult as { total?: unknown })?.total);
    expect(totals).toContain('12.50');
    expect(responses.at(-1)).toMatchObject({
      isComplete: true,
      partialResult: { id: 'A-1', total: 12.5, status: 'open' },
    });
    expect(responses.at(-1)?.partialResult).not.toHaveProperty('note');
  });

  it('catches an impossible enum prefix mid-stream and re-asks with the issue', async () => {
    const good = { name: 'Ada', nickname: null, age: 36, role: 'admin', email: 'ada@example.com' };
    const bad = JSON.stringify({ ...good, role: 'superuser' });
    const { service: svc, provider } = createMockService({
      responses: [
        { text: bad, chunkSize: 3 },
        { json: good, chunkSize: 8 },
      ],
    });
    const responses = await collectResponses(
      svc.routeStructuredStreaming({ prompt: 'Ada', responseModel: fromValibot(Person) }),
    );
    const seen = responses
      .filter((r) => r.attempt === 1)
      .flatMap((r) => r.rawChunks ?? [])
      .join('');
    expect(seen.length).toBeLessThan(bad.indexOf('superuser') + 'superuser'.length);
    expect(provider.calls[1]?.messages.at(-1)?.content).toContain('role');
    expect(responses.at(-1)?.partialResult).toEqual({
      name: 'Ada',
      age: 36,
      role: 'admin',
      email: 'ada@example.com',
    });
  });

  it('re-asks with valibot’s own messages for what only valibot checks', async () => {
    const Signup = v.pipe(
      v.object({ password: v.string(), confirm: v.string() }),
      v.forward(
        v.check((x) => x.password === x.confirm, 'passwords differ'),
        ['confirm'],
      ),
    );
    const { service: svc, provider } = createMockService({
      responses: [
        { json: { password: 'a', confirm: 'b' } },
        { json: { password: 'a', confirm: 'a' } },
      ],
    });
    await expect(
      svc.routeStructured({ prompt: 'x', responseModel: fromValibot(Signup) }),
    ).resolves.toEqual({ password: 'a', confirm: 'a' });
    expect(provider.calls[1]?.messages.at(-1)?.content).toContain('$.confirm: passwords differ');
  });

  it('handles variants (discriminated unions), nullable and recursive schemas end to end', async () => {
    type Tree = { label: string; children: Tree[] };
    const Tree: v.GenericSchema<Tree> = v.object({
      label: v.string(),
      children: v.array(v.lazy(() => Tree)),
    });
    const Doc = v.object({
      shape: v.variant('kind', [
        v.object({ kind: v.literal('circle'), radius: v.number() }),
        v.object({ kind: v.literal('square'), side: v.number(), label: v.optional(v.string()) }),
      ]),
      owner: v.nullable(v.string()),
      id: v.pipe(v.string(), v.uuid()),
      tree: Tree,
    });
    const value = {
      shape: { kind: 'square', side: 2, label: null },
      owner: null,
      id: '4f1c2b9e-7d3a-4c5e-9b8a-1e2f3a4b5c6d',
      tree: { label: 'root', children: [{ label: 'leaf', children: [] }] },
    };
    const model = fromValibot(Doc);
    expect(JSON.stringify(model.jsonSchema)).toContain('$ref');
    const { service: svc } = createMockService({ responses: [{ json: value, chunkSize: 7 }] });
    await expect(svc.routeStructured({ prompt: 'doc', responseModel: model })).resolves.toEqual({
      ...value,
      shape: { kind: 'square', side: 2 },
    });
  });

  it('accepts a bare valibot schema once it carries a JSON Schema (toStandardJsonSchema)', async () => {
    const { service: svc } = createMockService({
      responses: [
        { json: { name: 'Ada', nickname: null, age: 36, role: null, email: 'ada@example.com' } },
      ],
    });
    const person = await svc.routeStructured({
      prompt: 'Ada',
      responseModel: toStandardJsonSchema(Person),
    });
    expectTypeOf(person).toEqualTypeOf<v.InferOutput<typeof Person>>();
    expect(person).toEqual({ name: 'Ada', age: 36, role: 'user', email: 'ada@example.com' });
  });

  it('refuses a bare valibot schema without a JSON Schema, saying what to do', async () => {
    const { service: svc } = createMockService({ responses: [{ json: {} }] });
    await expect(
      svc.routeStructured({ prompt: 'x', responseModel: Person as never }),
    ).rejects.toThrow(/valibot.*without "~standard.jsonSchema"/);
  });
});

describe('fromValibot: types', () => {
  it('infers T, DeepPartial<T> and the request result types', () => {
    const model = fromValibot(Person);
    type P = v.InferOutput<typeof Person>;
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
    expectTypeOf<StreamingResponse<P>['partialResult']>().toEqualTypeOf<
      DeepPartial<P> | P | undefined
    >();
  });
});
