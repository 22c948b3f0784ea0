import { jsonSchema } from '@structllm/core';
import { describe, expect, it } from 'vitest';
import {
  chunkText,
  createMockService,
  sampleInvoice,
  samplePerson,
  samplePersonSchema,
  sampleProfile,
  sampleProfileModel,
} from '../../src/index.ts';

describe('samples', () => {
  it('each value passes its schema through the engine', async () => {
    const { service } = createMockService({
      responses: [{ json: samplePerson }, { json: sampleProfile }],
    });
    await expect(
      service.routeStructured({ prompt: 'p', responseModel: jsonSchema(samplePersonSchema) }),
    ).resolves.toEqual(samplePerson);
    await expect(
      service.routeStructured({ prompt: 'p', responseModel: sampleProfileModel }),
    ).resolves.toEqual(sampleProfile);
    expect(sampleProfileModel.name).toBe('profile');
  });

  it('the profile model rejects a negative age', async () => {
    const { service } = createMockService({ responses: [{ json: { ...sampleProfile, age: -1 } }] });
    await expect(
      service.routeStructured({ prompt: 'p', responseModel: sampleProfileModel, maxRetries: 0 }),
    ).rejects.toMatchObject({ category: 'validation' });
  });

  it('are frozen, so no test changes what the next one sees', () => {
    expect(() => {
      (sampleProfile.tags as string[]).push('x');
    }).toThrow(TypeError);
    expect(() => {
      (sampleInvoice.customer as { name: string }).name = 'x';
    }).toThrow(TypeError);
    expect(Object.isFrozen(samplePersonSchema)).toBe(true);
  });

  it('the invoice has what its description promises', () => {
    expect(sampleInvoice.number).toMatch(/^INV-\d+$/);
    expect(['EUR', 'USD']).toContain(sampleInvoice.currency);
    expect(sampleInvoice.lines[0]).toMatchObject({ quantity: null, note: null });
    expect(Number.isNaN(Date.parse(sampleInvoice.issuedAt))).toBe(false);
    expect(sampleInvoice.customer.email).toMatch(/^[^@\s]+@[^@\s]+\.[a-z]+$/);
    expect(sampleInvoice.customer.id).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });
});

describe('chunkText', () => {
  it('cuts every `size` characters; the pieces join back to the text', () => {
    expect(chunkText('abcdefg', 3)).toEqual(['abc', 'def', 'g']);
    expect(chunkText('abc', 0)).toEqual(['a', 'b', 'c']);
    expect(chunkText('', 4)).toEqual([]);
    const text = JSON.stringify(sampleProfile);
    expect(chunkText(text, 10).join('')).toBe(text);
  });

  it('rounds a fraction down, takes Infinity as one piece, and refuses NaN', () => {
    expect(chunkText('abcde', 2.7)).toEqual(['ab', 'cd', 'e']);
    expect(chunkText('abcde', Number.POSITIVE_INFINITY)).toEqual(['abcde']);
    expect(() => chunkText('abcde', Number.NaN)).toThrow(RangeError);
  });
});
