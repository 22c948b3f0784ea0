import { StructuredLLMError, StructuredLLMService } from '@structllm/core';
import { describe, expect, it } from 'vitest';
import {
  collectResponses,
  createMockProvider,
  createMockService,
  drain,
  sampleProfile,
  sampleProfileModel,
  textOf,
} from '../../src/index.ts';

const profileText = JSON.stringify(sampleProfile);

describe('collectResponses', () => {
  it('keeps each partial as it was when yielded (the engine updates partials in place)', async () => {
    const { service } = createMockService({ responses: [{ text: profileText, chunkSize: 6 }] });
    const snapshots = await collectResponses(
      service.routeStructuredStreaming({ prompt: 'p', responseModel: sampleProfileModel }),
    );
    const partials = snapshots.filter((r) => !r.isComplete).map((r) => r.partialResult);
    // Snapshots grow: an early one has no tags yet, a later one has some.
    expect(partials.some((p) => p !== undefined && !('tags' in p))).toBe(true);
    expect(partials.some((p) => (p as { tags?: unknown[] } | undefined)?.tags?.length === 2)).toBe(
      true,
    );
    expect(new Set(partials.map((p) => JSON.stringify(p))).size).toBeGreaterThan(3);
    expect(snapshots.at(-1)).toMatchObject({ isComplete: true, partialResult: sampleProfile });
  });

  it('returns the final error response of a failed request instead of throwing', async () => {
    const { service } = createMockService({ responses: [{ error: { status: 401 } }] });
    const responses = await collectResponses(
      service.routeStructuredStreaming({ prompt: 'p', responseModel: sampleProfileModel }),
    );
    expect(responses.at(-1)).toMatchObject({ isComplete: true });
    expect(responses.at(-1)?.error?.category).toBe('auth');
  });
});

describe('textOf', () => {
  it('joins the raw chunks of one attempt: the cut-off first try, then the whole retry', async () => {
    const { service } = createMockService({
      responses: [
        { text: profileText, chunkSize: 5, failAfterChunks: 3 },
        { text: profileText, chunkSize: 5 },
      ],
    });
    const responses = await collectResponses(
      service.routeStructuredStreaming({ prompt: 'p', responseModel: sampleProfileModel }),
    );
    expect(textOf(responses, 1)).toBe(profileText.slice(0, 15));
    expect(textOf(responses, 2)).toBe(profileText);
    expect(textOf(responses, 3)).toBe('');
  });
});

describe('drain', () => {
  it('runs the request to its end, whether it succeeds or fails', async () => {
    const provider = createMockProvider({
      responses: [
        { json: sampleProfile },
        { error: new StructuredLLMError({ category: 'auth', message: 'no' }) },
      ],
    });
    const service = new StructuredLLMService({ providers: [provider], defaultModel: 'mock/m' });
    const ok = service.routeStructuredStreaming({ prompt: 'p', responseModel: sampleProfileModel });
    await drain(ok);
    expect(ok.status).toBe('completed');
    const failed = service.routeStructuredStreaming({
      prompt: 'p',
      responseModel: sampleProfileModel,
      maxRetries: 0,
    });
    await expect(drain(failed)).resolves.toBeUndefined();
    expect(failed.status).toBe('failed');
    expect(provider.calls).toHaveLength(2);
  });
});
