import { describe, expect, it, vi } from 'vitest';
import { jsonSchema } from '../../src/index.ts';
import { strictJsonSchema } from '../../src/strict.ts';
import { failureOf, service } from '../support/engine.ts';
import { createMockProvider } from '../support/mock-provider.ts';

/*
 * With a plain JSON Schema model, the engine checks each part of the answer as it
 * completes and finishes with what is left (the root's own keywords) instead of a
 * second full pass. These tests pin that the final value is still checked in full:
 * whatever the chunking, every rule of the schema is enforced, failures read as
 * before, and a model with its own final check always gets it.
 */

const order = jsonSchema<{ id: string; items: { sku: string; qty: number }[]; note?: string }>(
  {
    type: 'object',
    properties: {
      id: { type: 'string', minLength: 3 },
      items: {
        type: 'array',
        minItems: 2,
        items: {
          type: 'object',
          properties: { sku: { type: 'string' }, qty: { type: 'integer', minimum: 1 } },
          required: ['sku', 'qty'],
          additionalProperties: false,
        },
      },
      note: { type: 'string' },
    },
    required: ['id', 'items'],
    maxProperties: 3,
    additionalProperties: false,
  },
  { name: 'order' },
);

const valid = {
  id: 'A-1',
  items: [
    { sku: 'x', qty: 1 },
    { sku: 'y', qty: 2 },
  ],
  note: 'ok',
};

async function outcome(text: string, chunkSize: number) {
  const provider = createMockProvider({ responses: [{ text, chunkSize }] });
  return failureOf(
    service(provider).routeStructured({ prompt: 'order', responseModel: order, maxRetries: 0 }),
  );
}

describe('final validation of a plain JSON Schema model', () => {
  it('returns the value when every part and the whole pass, at any chunking', async () => {
    for (const chunkSize of [1, 7, 10_000]) {
      const provider = createMockProvider({ responses: [{ json: valid, chunkSize }] });
      const value = await service(provider).routeStructured({ prompt: 'o', responseModel: order });
      expect(value).toEqual(valid);
    }
  });

  it.each([
    ['a missing required key of the root', { id: 'A-1' }, 'missing required property "items"'],
    [
      'too many keys at the root',
      { id: 'A-1', items: valid.items, note: 'n', extra: 1 },
      'unexpected property',
    ],
    ['an array below its minItems', { id: 'A-1', items: [{ sku: 'x', qty: 1 }] }, 'at least 2'],
    [
      'an invalid last element',
      {
        id: 'A-1',
        items: [
          { sku: 'x', qty: 1 },
          { sku: 'y', qty: 0 },
        ],
      },
      '≥ 1',
    ],
    ['a string too short', { id: 'A', items: valid.items }, 'at least 3 characters'],
  ])('rejects %s, whether it arrives in one chunk or many', async (_name, answer, message) => {
    for (const chunkSize of [3, 100_000]) {
      const error = await outcome(JSON.stringify(answer), chunkSize);
      expect(error.category).toBe('validation');
      expect(error.message).toContain(message);
    }
  });

  it('words a failure found only at the end like any final failure', async () => {
    // No partial is shown before the end, so no part is checked before it either.
    const answer = {
      id: 'A-1',
      items: [
        { sku: 'x', qty: 1 },
        { sku: 'y', qty: 'two' },
      ],
    };
    const provider = createMockProvider({ responses: [{ json: answer, chunkSize: 4 }] });
    const error = await failureOf(
      service(provider).routeStructured({
        prompt: 'order',
        responseModel: order,
        maxRetries: 0,
        streamingChunkSize: 1_000_000,
      }),
    );
    expect(error.message).toMatch(/^The response does not match the "order" schema:/);
    expect(error.message).toContain('$.items[1].qty');
  });

  it('always runs a model’s own final check', async () => {
    const validate = vi.fn((value: unknown) => ({ success: true as const, value }));
    const model = jsonSchema(order.jsonSchema, { name: 'order', validate });
    const provider = createMockProvider({ responses: [{ json: valid, chunkSize: 5 }] });
    await service(provider).routeStructured({ prompt: 'o', responseModel: model });
    expect(validate).toHaveBeenCalledTimes(1);
    expect(validate).toHaveBeenCalledWith(valid);
  });
});

describe('strict models: what the model may leave out', () => {
  // Sent in strict form (every property required, optionals nullable); checked while
  // streaming against the original's `required`, as the final value is.
  const person = {
    type: 'object',
    properties: { name: { type: 'string' }, nickname: { type: 'string' } },
    required: ['name'],
    additionalProperties: false,
  };
  const team = strictJsonSchema<{
    lead: { name: string; nickname?: string };
    members: unknown[];
  }>(
    {
      type: 'object',
      properties: { lead: person, members: { type: 'array', items: person } },
      required: ['lead', 'members'],
      additionalProperties: false,
    },
    { name: 'team' },
  );

  it('sends every property as required', () => {
    const sent = team.jsonSchema as { properties: { lead: { required: string[] } } };
    expect(sent.properties.lead.required).toEqual(['name', 'nickname']);
  });

  it.each([3, 7, 1000])(
    'accepts nested optionals left out or null, in %i-character chunks, first time',
    async (chunkSize) => {
      const answer = {
        lead: { name: 'Ada' },
        members: [{ name: 'Bo', nickname: null }, { name: 'Cy' }],
      };
      const provider = createMockProvider({ responses: [{ json: answer, chunkSize }] });
      const value = await service(provider).routeStructured({ prompt: 't', responseModel: team });
      expect(value).toEqual({ lead: { name: 'Ada' }, members: [{ name: 'Bo' }, { name: 'Cy' }] });
      expect(provider.calls).toHaveLength(1);
    },
  );

  it('still fails a completed part that misses a required property, mid-stream', async () => {
    const answer = { lead: { nickname: 'A' }, members: [{ name: 'B' }, { name: 'C' }] };
    const provider = createMockProvider({ responses: [{ json: answer, chunkSize: 4 }] });
    const error = await failureOf(
      service(provider).routeStructured({ prompt: 't', responseModel: team, maxRetries: 0 }),
    );
    expect(error.category).toBe('validation');
    expect(error.message).toMatch(/completed part/);
    expect(error.message).toContain('$.lead: missing required property "name"');
  });
});
