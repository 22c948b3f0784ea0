import { describe, expect, it } from 'vitest';
import {
  createMockProvider,
  createMockService,
  createTestService,
  outcomeOf,
  sampleProfile,
  sampleProfileModel,
} from '../../src/index.ts';

describe('createTestService', () => {
  it('retries at once (no backoff) and names `<first provider id>/model` by default', async () => {
    const provider = createMockProvider({
      id: 'first',
      responses: [{ error: { status: 503 } }, { json: sampleProfile }],
    });
    const backup = createMockProvider({ id: 'second', responses: [{ json: {} }] });
    const stream = createTestService([provider, backup]).routeStructuredStreaming({
      prompt: 'p',
      responseModel: sampleProfileModel,
    });
    await expect(stream.result).resolves.toEqual(sampleProfile);
    expect(stream.attempts[0]).toMatchObject({ category: 'server', delayMs: 0 });
    expect(provider.calls.map((call) => call.model)).toEqual(['model', 'model']);
    expect(backup.calls).toHaveLength(0);
  });

  it('still honours a retry-after the provider sends', async () => {
    const provider = createMockProvider({
      responses: [{ error: { status: 429, retryAfterMs: 3 } }, { json: sampleProfile }],
    });
    const stream = createTestService(provider).routeStructuredStreaming({
      prompt: 'p',
      responseModel: sampleProfileModel,
    });
    await expect(stream.result).resolves.toEqual(sampleProfile);
    expect(stream.attempts[0]).toMatchObject({ category: 'rate_limit', delayMs: 3 });
  });

  it('lets the options win', async () => {
    const provider = createMockProvider({ responses: [{ json: sampleProfile }] });
    const service = createTestService(provider, { defaultModel: 'mock/big-model' });
    await service.routeStructured({ prompt: 'p', responseModel: sampleProfileModel });
    expect(provider.calls[0]?.model).toBe('big-model');
  });
});

describe('createMockService', () => {
  it('gives the provider, the service and the progress events of requests that pass onProgress', async () => {
    const { provider, service, events, onProgress } = createMockService(
      { responses: [{ json: sampleProfile }], modes: ['tool'] },
      { defaultModel: 'mock/tiny' },
    );
    await service.routeStructured({
      prompt: 'p',
      responseModel: sampleProfileModel,
      progressCallback: onProgress,
    });
    await service.routeStructured({ prompt: 'p', responseModel: sampleProfileModel });
    expect(provider.calls.map((call) => [call.model, call.mode])).toEqual([
      ['tiny', 'tool'],
      ['tiny', 'tool'],
    ]);
    const types = events.map((event) => event.eventType);
    expect(types[0]).toBe('start');
    expect(types.at(-1)).toBe('complete');
    expect(types.filter((type) => type === 'start')).toHaveLength(1);
  });
});

describe('outcomeOf', () => {
  it('says how a request ended: a value, an error category, or something else thrown', async () => {
    const { service } = createMockService({
      responses: [{ json: sampleProfile }, { error: { status: 401 } }],
    });
    await expect(
      outcomeOf(service.routeStructured({ prompt: 'p', responseModel: sampleProfileModel })),
    ).resolves.toEqual({ outcome: 'value', value: sampleProfile });
    await expect(
      outcomeOf(service.routeStructured({ prompt: 'p', responseModel: sampleProfileModel })),
    ).resolves.toEqual({ outcome: 'error', category: 'auth' });
    await expect(outcomeOf(Promise.reject(new TypeError('a bug')))).resolves.toEqual({
      outcome: 'thrown',
      thrown: 'TypeError: a bug',
    });
  });
});
