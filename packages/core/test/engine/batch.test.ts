import { describe, expect, it } from 'vitest';
import type { BatchResponse } from '../../src/index.ts';
import { type Profile, profile, profileModel, service } from '../support/engine.ts';
import { createMockProvider } from '../support/mock-provider.ts';

const people = ['Ada', 'Grace', 'Edsger', 'Barbara', 'Donald', 'Frances'];

describe('routeStructuredBatch', () => {
  it('streams every request, tagged by index, with results in input order', async () => {
    const provider = createMockProvider({
      responses: (call) => ({
        json: { ...profile, name: String(call.messages.at(-1)?.content) },
        chunkSize: 6,
      }),
    });
    const batch = service(provider).routeStructuredBatch(
      people.map((name) => ({ prompt: name, responseModel: profileModel })),
      { concurrency: 2 },
    );
    const responses: BatchResponse<Profile>[] = [];
    for await (const response of batch) responses.push(response);
    const results = await batch.results;
    expect(
      results.map((r) => (r.status === 'fulfilled' ? r.value.name : r.error.category)),
    ).toEqual(people);
    expect(results.map((r) => r.index)).toEqual([0, 1, 2, 3, 4, 5]);
    for (const [index] of people.entries()) {
      const own = responses.filter((r) => r.index === index);
      expect(own.at(-1)?.isComplete).toBe(true);
      expect(own.filter((r) => r.isComplete)).toHaveLength(1);
    }
    expect(provider.maxInFlight).toBe(2);
  });

  it('one failure does not cancel the others', async () => {
    const provider = createMockProvider({
      responses: (call) =>
        call.messages.at(-1)?.content === 'Grace' ? { error: { status: 401 } } : { json: profile },
    });
    const results = await service(provider).routeStructuredBatch(
      people.map((name) => ({ prompt: name, responseModel: profileModel })),
      { concurrency: 3 },
    ).results;
    expect(results.map((r) => r.status)).toEqual([
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'fulfilled',
    ]);
    expect(results[1]).toMatchObject({ status: 'rejected', error: { category: 'auth' } });
  });

  it('failFast cancels the rest after the first failure', async () => {
    const provider = createMockProvider({
      responses: (call) =>
        call.messages.at(-1)?.content === 'Ada'
          ? { error: { status: 401 } }
          : { json: profile, stallAfterChunks: 2 },
    });
    const results = await service(provider).routeStructuredBatch(
      people.map((name) => ({ prompt: name, responseModel: profileModel })),
      { concurrency: 2, failFast: true },
    ).results;
    expect(results[0]).toMatchObject({ status: 'rejected', error: { category: 'auth' } });
    for (const result of results.slice(1)) {
      expect(result).toMatchObject({ status: 'rejected', error: { category: 'aborted' } });
    }
    expect(provider.calls.length).toBeLessThanOrEqual(2);
    expect(provider.inFlight).toBe(0);
  });

  it('with failFast, every request still ends with one final response in the stream', async () => {
    const provider = createMockProvider({
      responses: (call) =>
        call.messages.at(-1)?.content === 'Ada'
          ? { error: { status: 401 } }
          : { json: profile, stallAfterChunks: 2 },
    });
    const finals = new Map<number, string | undefined>();
    for await (const response of service(provider).routeStructuredBatch(
      people.map((name) => ({ prompt: name, responseModel: profileModel })),
      { concurrency: 1, failFast: true },
    )) {
      if (response.isComplete) {
        expect(finals.has(response.index)).toBe(false);
        finals.set(response.index, response.error?.code ?? response.error?.category);
      }
    }
    expect([...finals.keys()].sort()).toEqual(people.map((_, index) => index));
    expect(finals.get(0)).toBe('auth');
    for (const index of people.keys()) if (index > 0) expect(finals.get(index)).toBe('fail_fast');
    expect(provider.calls).toHaveLength(1);
  });
});
