import { StructuredLLMError } from '@structllm/core';
import { expect } from 'vitest';
import { collectResponses, textOf } from '../engine/collect-responses.ts';
import { createMockService } from '../engine/test-service.ts';
import { sampleInvoice } from '../samples/samples.ts';
import type { ValidatorConformanceCheck } from './validator-scenarios.ts';

const goodPerson = {
  name: 'Ada',
  nickname: null,
  age: 36,
  role: 'admin',
  email: 'ada@example.com',
} as const;

/** Partial values out of reach of the schema: each one fails its attempt while it streams. */
const impossiblePartials: readonly (readonly [string, Record<string, unknown>, string])[] = [
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
];

/** Partials as they stream: checked along the changed path, shown as written, ended early when impossible. */
export const validatorStreamChecks: readonly ValidatorConformanceCheck[] = [
  {
    group: 'partials',
    name: 'streams partials, and applies defaults and transforms to the final value only',
    async run(t) {
      const written = { id: 'A-1', total: '12.50', note: null, status: null };
      const { service } = createMockService({ responses: [{ json: written, chunkSize: 5 }] });
      const responses = await collectResponses(
        service.routeStructuredStreaming({ prompt: 'order', responseModel: t.model('order') }),
      );
      const partials = responses.filter((r) => !r.isComplete);
      expect(partials.length).toBeGreaterThan(3);
      // Partials show what the model wrote (the strict encoding), never a transformed value.
      const totals = partials.map(
        (r) => (r.partialResult as { total?: unknown } | undefined)?.total,
      );
      expect(totals).toContain('12.50');
      expect(totals.every((total) => total === undefined || typeof total === 'string')).toBe(true);
      expect(responses.at(-1)).toMatchObject({
        isComplete: true,
        progressPercent: 100,
        partialResult: { id: 'A-1', total: 12.5, status: 'open' },
      });
      expect(responses.at(-1)?.partialResult).not.toHaveProperty('note');
    },
  },
  {
    group: 'partials',
    name: 'does not require fields before the final value: missing keys are fine mid-stream',
    async run(t) {
      const { service } = createMockService({
        responses: [{ json: sampleInvoice, chunkSize: 3 }],
      });
      const responses = await collectResponses(
        service.routeStructuredStreaming({ prompt: 'invoice', responseModel: t.model('invoice') }),
      );
      const partials = responses.filter((r) => !r.isComplete);
      expect(partials.length).toBeGreaterThan(20);
      expect(partials.every((r) => r.error === undefined && r.attempt === 1)).toBe(true);
      // Early partials lack required fields; they are still accepted.
      expect(
        partials.some(
          (r) =>
            typeof r.partialResult === 'object' &&
            r.partialResult !== null &&
            !('lines' in r.partialResult),
        ),
      ).toBe(true);
    },
  },
  {
    group: 'partials',
    name: 'streams growing arrays of objects and applies defaults to the final value only',
    async run(t) {
      type Lines = { lines?: { quantity?: unknown }[] } | undefined;
      const { service } = createMockService({
        responses: [{ json: sampleInvoice, chunkSize: 5 }],
      });
      const responses = await collectResponses(
        service.routeStructuredStreaming({ prompt: 'invoice', responseModel: t.model('invoice') }),
      );
      const partials = responses.filter((r) => !r.isComplete);
      const lineCounts = partials.map((r) => (r.partialResult as Lines)?.lines?.length ?? 0);
      expect(lineCounts).toContain(1);
      expect(lineCounts).toContain(2);
      // Mid-stream the first line shows what the model wrote: quantity null, no default yet.
      expect(partials.some((r) => (r.partialResult as Lines)?.lines?.[0]?.quantity === null)).toBe(
        true,
      );
      const early = partials.find((r) => (r.partialResult as Lines)?.lines?.length === 2);
      expect(early?.partialResult).toMatchObject({ lines: [{ quantity: null }, {}] });
      expect((responses.at(-1)?.partialResult as Lines)?.lines).toEqual([
        { item: 'Tea', quantity: 1, unitPrice: 3.5 },
        { item: 'Cake', quantity: 2, unitPrice: 4, note: 'lemon' },
      ]);
    },
  },
  {
    group: 'impossible partials',
    name: 'catches an enum value no prefix can complete mid-stream and re-asks with the issue',
    async run(t) {
      const bad = JSON.stringify({ ...goodPerson, role: 'superuser' });
      const { service, provider } = createMockService({
        responses: [
          { text: bad, chunkSize: 3 },
          { json: goodPerson, chunkSize: 8 },
        ],
      });
      const responses = await collectResponses(
        service.routeStructuredStreaming({ prompt: 'Ada', responseModel: t.model('person') }),
      );
      expect(textOf(responses, 1).length).toBeLessThan(
        bad.indexOf('superuser') + 'superuser'.length,
      );
      expect(provider.calls).toHaveLength(2);
      expect(provider.calls[1]?.messages.at(-1)?.content).toContain('role');
      expect(responses.at(-1)?.partialResult).toEqual({
        name: 'Ada',
        age: 36,
        role: 'admin',
        email: 'ada@example.com',
      });
    },
  },
  {
    group: 'impossible partials',
    name: 'catches a number out of range as soon as it is complete',
    async run(t) {
      const good = { ...goodPerson, role: null };
      const bad = `{"name": "Ada", "nickname": null, "age": 999, "role": null, "email": "${'x'.repeat(300)}`;
      const { service } = createMockService({
        responses: [
          { text: bad, chunkSize: 4 },
          { json: good, chunkSize: 8 },
        ],
      });
      const stream = service.routeStructuredStreaming({
        prompt: 'Ada',
        responseModel: t.model('person'),
      });
      const responses = await collectResponses(stream);
      expect(responses.at(-1)?.attempt).toBe(2);
      expect(textOf(responses, 1).length).toBeLessThan(bad.indexOf('"email"'));
      await expect(stream.result).resolves.toMatchObject({ age: 36, role: 'user' });
    },
  },
  ...impossiblePartials.map(
    ([what, change, path]): ValidatorConformanceCheck => ({
      group: 'impossible partials',
      name: `${what}: category validation, then a re-ask naming the path`,
      async run(t) {
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
            responseModel: t.model('invoice'),
            progressCallback: onProgress,
          }),
        );
        // The first attempt stopped long before the model finished writing.
        expect(textOf(responses, 1).length).toBeLessThan(bad.length - 300);
        expect(events.find((e) => e.eventType === 'retry')?.data).toMatchObject({
          category: 'validation',
          attempt: 2,
        });
        expect(provider.calls).toHaveLength(2);
        expect(provider.calls[1]?.messages.at(-1)?.content).toContain(`- ${path}`);
        expect(responses.at(-1)).toMatchObject({ isComplete: true, attempt: 2, error: undefined });
      },
    }),
  ),
  {
    group: 'impossible partials',
    name: 'fails the request with a validation error when no retry is left, every attempt recorded',
    async run(t) {
      const bad = JSON.stringify({ ...sampleInvoice, currency: 'GBP' });
      const { service } = createMockService({ responses: [{ text: bad, chunkSize: 6 }] });
      const error = await service
        .routeStructured({ prompt: 'invoice', responseModel: t.model('invoice'), maxRetries: 1 })
        .catch((e: unknown) => e);
      expect(StructuredLLMError.is(error)).toBe(true);
      const failure = error as StructuredLLMError;
      expect(failure.category).toBe('validation');
      expect(failure.message).toMatch(/- \$\.currency: .*"EUR".*"USD"/);
      expect(failure.attempts.map((a) => a.category)).toEqual(['validation', 'validation']);
    },
  },
  {
    group: 'impossible partials',
    name: 'catches a discriminator no branch has while streaming',
    async run(t) {
      const { service, events, onProgress } = createMockService({
        responses: [
          { text: `{"event": {"type": "hover", "x": 1, "y": 2, "z": "${'z'.repeat(200)}"}}` },
          { json: { event: { type: 'click', x: 1, y: 2 } } },
        ],
      });
      await expect(
        service.routeStructured({
          prompt: 'e',
          responseModel: t.model('event'),
          progressCallback: onProgress,
        }),
      ).resolves.toEqual({ event: { type: 'click', x: 1, y: 2 } });
      expect(events.find((e) => e.eventType === 'retry')?.data).toMatchObject({
        category: 'validation',
      });
    },
  },
];
