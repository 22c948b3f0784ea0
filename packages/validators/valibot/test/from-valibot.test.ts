import {
  type DeepPartial,
  type ResponseModel,
  type StreamingResponse,
  StructuredLLMService,
} from '@structllm/core';
import { collectResponses, createMockService, sampleInvoice } from '@structllm/testing';
import { toStandardJsonSchema } from '@valibot/to-json-schema';
import * as v from 'valibot';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { fromValibot, valibotToJsonSchema } from '../src/index.ts';
import { Invoice, Person } from './schemas.ts';

// The contract every validator adapter shares is in conformance.test.ts; these are valibot's own
// messages and forms.

describe('fromValibot: valibot’s messages', () => {
  it('says it is the valibot schema that has no JSON Schema form', () => {
    expect(() => valibotToJsonSchema(v.object({ when: v.date() }))).toThrow(
      /valibot schema has no JSON Schema form/,
    );
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

describe('fromValibot: bare valibot schemas as responseModel', () => {
  it('accepts a bare valibot schema once it carries a JSON Schema (toStandardJsonSchema)', async () => {
    const { service } = createMockService({
      responses: [
        { json: { name: 'Ada', nickname: null, age: 36, role: null, email: 'ada@example.com' } },
      ],
    });
    const person = await service.routeStructured({
      prompt: 'Ada',
      responseModel: toStandardJsonSchema(Person),
    });
    expectTypeOf(person).toEqualTypeOf<v.InferOutput<typeof Person>>();
    expect(person).toEqual({ name: 'Ada', age: 36, role: 'user', email: 'ada@example.com' });
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

  it('refuses a bare valibot schema without a JSON Schema, saying what to do', async () => {
    const { service } = createMockService({ responses: [{ json: {} }] });
    await expect(
      service.routeStructured({ prompt: 'x', responseModel: Person as never }),
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

describe('fromValibot: async schemas', () => {
  const sync = v.object({
    name: v.pipe(v.string(), v.minLength(1)),
    tags: v.array(v.picklist(['a', 'b'])),
    shape: v.variant('kind', [
      v.object({ kind: v.literal('circle'), radius: v.number() }),
      v.object({ kind: v.literal('square'), side: v.number() }),
    ]),
    note: v.optional(v.string(), 'none'),
  });
  const reserved = new Set(['admin']);
  const async = v.objectAsync({
    name: v.pipeAsync(
      v.string(),
      v.minLength(1),
      v.checkAsync(async (name) => !reserved.has(name), 'name is reserved'),
    ),
    tags: v.arrayAsync(v.picklist(['a', 'b'])),
    shape: v.variantAsync('kind', [
      v.objectAsync({ kind: v.literal('circle'), radius: v.number() }),
      v.objectAsync({ kind: v.literal('square'), side: v.number() }),
    ]),
    note: v.optionalAsync(v.string(), 'none'),
  });

  it('ask the model for the same JSON Schema as their synchronous twins', () => {
    expect(valibotToJsonSchema(async)).toEqual(valibotToJsonSchema(sync));
    expect(fromValibot(async).jsonSchema).toEqual(fromValibot(sync).jsonSchema);
  });

  it('await the async checks on the final value, type it, and re-ask with their messages', async () => {
    const answer = { tags: ['a'], shape: { kind: 'circle', radius: 2 }, note: null };
    const { service, provider } = createMockService({
      responses: [{ json: { name: 'admin', ...answer } }, { json: { name: 'ada', ...answer } }],
    });
    const value = await service.routeStructured({ prompt: 'p', responseModel: fromValibot(async) });
    expectTypeOf(value).toEqualTypeOf<v.InferOutput<typeof async>>();
    expect(value).toEqual({
      name: 'ada',
      tags: ['a'],
      shape: { kind: 'circle', radius: 2 },
      note: 'none',
    });
    expect(provider.calls[1]?.messages.at(-1)?.content).toContain('- $.name: name is reserved');
  });
});
