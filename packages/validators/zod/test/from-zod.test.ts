import {
  type DeepPartial,
  type ResponseModel,
  type StreamingResponse,
  StructuredLLMService,
} from '@structllm/core';
import { collectResponses, createMockService, sampleInvoice } from '@structllm/testing';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { z as zm } from 'zod/mini';
import { fromZod } from '../src/index.ts';
import { Invoice, Person } from './schemas.ts';

// The contract every validator adapter shares is in conformance.test.ts; these are zod's own forms.

describe('fromZod: zod-only schema forms', () => {
  it('keeps a getter-recursive property as a $ref into $defs', () => {
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

  it('takes zod/mini schemas, with the same strict handling and typing', async () => {
    const MiniPerson = zm.object({
      name: zm.string(),
      age: zm.optional(zm.number().check(zm.minimum(0))),
    });
    const model = fromZod(MiniPerson);
    expect(model.jsonSchema).toMatchObject({
      required: ['name', 'age'],
      properties: { age: { type: ['number', 'null'] } },
    });
    const { service } = createMockService({ responses: [{ json: { name: 'Ada', age: null } }] });
    const person = await service.routeStructured({ prompt: 'p', responseModel: model });
    expectTypeOf(person).toEqualTypeOf<{ name: string; age?: number | undefined }>();
    expect(person).toEqual({ name: 'Ada' });
  });
});

describe('fromZod: bare zod schemas as responseModel', () => {
  it('accepts a bare zod schema, with the same strict handling', async () => {
    const { service, provider } = createMockService({
      responses: [
        { json: { name: 'Ada', nickname: null, age: 36, role: null, email: 'ada@example.com' } },
      ],
    });
    const person = await service.routeStructured({ prompt: 'Ada', responseModel: Person });
    expectTypeOf(person).toEqualTypeOf<z.output<typeof Person>>();
    expect(person).toEqual({ name: 'Ada', age: 36, role: 'user', email: 'ada@example.com' });
    expect(provider.calls[0]?.schema).toMatchObject({ additionalProperties: false });
  });

  it('streams typed partials from a bare zod schema', async () => {
    const { service } = createMockService({ responses: [{ json: sampleInvoice, chunkSize: 40 }] });
    const stream = service.routeStructuredStreaming({ prompt: 'invoice', responseModel: Invoice });
    type T = z.output<typeof Invoice>;
    const responses = await collectResponses(stream);
    expectTypeOf(responses[0]?.partialResult).toEqualTypeOf<DeepPartial<T> | T | undefined>();
    await expect(stream.result).resolves.toMatchObject({ lines: [{ quantity: 1 }, {}] });
  });

  it('drops undeclared keys from a bare zod object the same way', async () => {
    const { service } = createMockService({
      responses: [{ json: { name: 'Ada', comment: 'the model added this' }, chunkSize: 4 }],
      modes: ['json_object'],
    });
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
