import { expect } from 'vitest';
import { collectResponses } from '../engine/collect-responses.ts';
import { createMockService } from '../engine/test-service.ts';
import { sampleInvoice } from '../samples/samples.ts';
import type { ValidatorConformanceCheck } from './validator-scenarios.ts';

/** Re-asks with a path for each malformed format in the invoice. */
const malformedFormats: readonly (readonly [string, Record<string, unknown>, string])[] = [
  ['email', { customer: { ...sampleInvoice.customer, email: 'not-an-email' } }, '$.customer.email'],
  ['uuid', { customer: { ...sampleInvoice.customer, id: 'not-a-uuid' } }, '$.customer.id'],
  ['date-time', { issuedAt: '25/11/2026' }, '$.issuedAt'],
];

/** What a model answers, with a key the schema does not list. */
const withExtraKey = { name: 'Ada', comment: 'the model added this' };

/** A model that writes `withExtraKey`, in json_object mode only (nothing on the wire enforces the schema). */
const writingInJsonObjectMode = () =>
  createMockService({ responses: [{ json: withExtraKey, chunkSize: 4 }], modes: ['json_object'] });

/** The final value: nulls restored to absent optionals, the library's own checks, and re-asks. */
export const validatorFinalChecks: readonly ValidatorConformanceCheck[] = [
  {
    group: 'final value',
    name: 'round-trips optional → null → absent, nested in arrays and recursive objects',
    async run(t) {
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
      const doc = await service.routeStructured({
        prompt: 'doc',
        responseModel: t.model('outline'),
      });
      // Sent: every key required, optional ones nullable.
      expect(provider.calls[0]?.schema).toMatchObject({
        required: ['root', 'subtitle'],
        additionalProperties: false,
      });
      // `subtitle` is nullable and optional: null is a real value there and stays.
      expect(doc).toEqual({
        root: { title: 'A', sections: [{ title: 'A.1', summary: 'first', sections: [] }] },
        subtitle: null,
      });
      expect((doc as { root?: unknown }).root).not.toHaveProperty('summary');
    },
  },
  {
    group: 'final value',
    name: 'accepts nested optionals left out (not written as null) the first time, in any mode',
    async run(t) {
      // Outside strict output (json_object, prompt, a provider that ignores the schema)
      // a model may leave an optional key out rather than write it as null.
      const written = {
        ...sampleInvoice,
        lines: [
          { item: 'Tea', unitPrice: 3.5 },
          { item: 'Cake', quantity: 2, unitPrice: 4 },
        ],
      };
      for (const chunkSize of [5, 10_000]) {
        const { service, provider } = createMockService({
          responses: [{ json: written, chunkSize }],
          modes: ['json_object'],
        });
        const invoice = await service.routeStructured({
          prompt: 'invoice',
          responseModel: t.model('invoice'),
        });
        expect(invoice).toMatchObject({
          lines: [
            { item: 'Tea', quantity: 1, unitPrice: 3.5 },
            { item: 'Cake', quantity: 2, unitPrice: 4 },
          ],
        });
        expect(provider.calls).toHaveLength(1);
      }
    },
  },
  {
    group: 'final value',
    name: 'handles discriminated unions, nullable fields, recursion and formats end to end',
    async run(t) {
      const value = {
        shape: { kind: 'square', side: 2, label: null },
        owner: null,
        tree: { label: 'root', children: [{ label: 'leaf', children: [] }] },
        id: '4f1c2b9e-7d3a-4c5e-9b8a-1e2f3a4b5c6d',
        at: '2026-11-25T10:00:00Z',
      };
      const { service } = createMockService({ responses: [{ json: value, chunkSize: 7 }] });
      await expect(
        service.routeStructured({ prompt: 'doc', responseModel: t.model('document') }),
      ).resolves.toEqual({ ...value, shape: { kind: 'square', side: 2 } });
    },
  },
  {
    group: 'final value',
    name: 'parses each branch of a discriminated union, dropping the optional nulls',
    async run(t) {
      const { service } = createMockService({
        responses: [
          { json: { event: { type: 'key', key: 'a', shift: null } } },
          { json: { event: { type: 'scroll', delta: null } } },
        ],
      });
      const model = t.model('event');
      await expect(service.routeStructured({ prompt: 'e', responseModel: model })).resolves.toEqual(
        { event: { type: 'key', key: 'a' } },
      );
      await expect(service.routeStructured({ prompt: 'e', responseModel: model })).resolves.toEqual(
        { event: { type: 'scroll', delta: 0 } },
      );
    },
  },
  {
    group: 're-asks',
    name: 're-asks with the library’s own message for a refinement only it checks',
    async run(t) {
      const { service, provider } = createMockService({
        responses: [
          { json: { email: 'ada@example.com', password: 'a', confirm: 'b' } },
          { json: { email: 'ada@example.com', password: 'a', confirm: 'a' } },
        ],
      });
      await expect(
        service.routeStructured({ prompt: 'x', responseModel: t.model('signup') }),
      ).resolves.toEqual({ email: 'ada@example.com', password: 'a', confirm: 'a' });
      expect(provider.calls[1]?.messages.at(-1)?.content).toContain('$.confirm: passwords differ');
    },
  },
  {
    group: 're-asks',
    name: 'awaits an async refinement on the final value and re-asks with its message',
    skip: (t) => (t.has('asyncRefinement') ? undefined : 'no asyncRefinement schema given'),
    async run(t) {
      const { service, provider } = createMockService({
        responses: [{ json: { username: 'ada' } }, { json: { username: 'grace' } }],
      });
      await expect(
        service.routeStructured({ prompt: 'signup', responseModel: t.model('asyncRefinement') }),
      ).resolves.toEqual({ username: 'grace' });
      expect(provider.calls[1]?.messages.at(-1)?.content).toContain(
        '- $.username: username is taken',
      );
    },
  },
  {
    group: 're-asks',
    name: 'rejects a final value missing a required field, and re-asks naming it',
    async run(t) {
      const { customer: _, ...withoutCustomer } = sampleInvoice;
      const { service, provider } = createMockService({
        responses: [{ json: withoutCustomer }, { json: sampleInvoice }],
      });
      await service.routeStructured({ prompt: 'invoice', responseModel: t.model('invoice') });
      expect(provider.calls[1]?.messages.at(-1)?.content).toMatch(/- \$\.customer/);
    },
  },
  ...malformedFormats.map(
    ([format, change, path]): ValidatorConformanceCheck => ({
      group: 're-asks',
      name: `re-asks on a malformed ${format} with the path`,
      async run(t) {
        const { service, provider } = createMockService({
          responses: [{ json: { ...sampleInvoice, ...change } }, { json: sampleInvoice }],
        });
        await service.routeStructured({ prompt: 'invoice', responseModel: t.model('invoice') });
        expect(provider.calls[1]?.messages.at(-1)?.content).toContain(`- ${path}:`);
      },
    }),
  ),
  {
    group: 'undeclared keys',
    name: 'a default object strips a key the schema does not list (json_object mode), without a re-ask',
    async run(t) {
      const { service, provider } = writingInJsonObjectMode();
      const person = await service.routeStructured({
        prompt: 'p',
        responseModel: t.model('plainObject'),
        mode: 'json_object',
      });
      expect(person).toEqual({ name: 'Ada' });
      expect(provider.calls).toHaveLength(1);
    },
  },
  {
    group: 'undeclared keys',
    name: 'a strict object catches an extra key mid-stream and re-asks naming it',
    async run(t) {
      const { service, provider } = createMockService({
        responses: [{ json: withExtraKey, chunkSize: 4 }, { json: { name: 'Ada' } }],
      });
      const person = await service.routeStructured({
        prompt: 'p',
        responseModel: t.model('strictObject'),
      });
      expect(person).toEqual({ name: 'Ada' });
      expect(provider.calls[1]?.messages.at(-1)?.content).toContain('comment');
    },
  },
  {
    group: 'undeclared keys',
    name: 'a strict object never shows a refused key, whatever its value, and re-asks naming it',
    async run(t) {
      const refused = [
        '"__proto__":{"polluted":true}',
        '"constructor":{"prototype":{"polluted":true}}',
        '"role":["admin"]',
        '"role":"admin"',
      ];
      for (const entry of refused) {
        const { service, provider } = createMockService({
          responses: [{ text: `{"name":"Ada",${entry}}`, chunkSize: 2 }, { json: { name: 'Ada' } }],
        });
        const stream = service.routeStructuredStreaming({
          prompt: 'p',
          responseModel: t.model('strictObject'),
        });
        for (const { partialResult } of await collectResponses(stream)) {
          expect(Object.keys(partialResult ?? {}).filter((key) => key !== 'name')).toEqual([]);
        }
        await expect(stream.result).resolves.toEqual({ name: 'Ada' });
        const key = /^"(\w+)"/.exec(entry)?.[1] as string;
        expect(provider.calls[1]?.messages.at(-1)?.content).toContain(`$.${key}:`);
        expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
      }
    },
  },
  {
    group: 'undeclared keys',
    name: 'never shows a key the final value strips, in any partial (default objects, nested)',
    async run(t) {
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
        responseModel: t.model('nested'),
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
    },
  },
  {
    group: 'undeclared keys',
    name: 'a loose object shows and keeps undeclared keys',
    async run(t) {
      const { service } = writingInJsonObjectMode();
      const stream = service.routeStructuredStreaming({
        prompt: 'p',
        responseModel: t.model('looseObject'),
        mode: 'json_object',
      });
      const responses = await collectResponses(stream);
      expect(responses.some((r) => JSON.stringify(r.partialResult).includes('comment'))).toBe(true);
      await expect(stream.result).resolves.toEqual(withExtraKey);
    },
  },
];
