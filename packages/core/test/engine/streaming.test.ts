import { describe, expect, it } from 'vitest';
import { collect, profile, profileModel, recordEvents, service } from '../support/engine.ts';
import { disagreement } from '../support/json-agreement.ts';
import { createMockProvider } from '../support/mock-provider.ts';

describe('routeStructuredStreaming: streaming a structured answer', () => {
  it('yields growing partials that agree with the final validated value', async () => {
    const provider = createMockProvider({ responses: [{ json: profile, chunkSize: 5 }] });
    const responses = await collect(
      service(provider).routeStructuredStreaming({ prompt: 'Ada', responseModel: profileModel }),
    );
    const final = responses.at(-1);
    expect(final).toMatchObject({
      isComplete: true,
      progressPercent: 100,
      error: undefined,
      attempt: 1,
    });
    expect(final?.partialResult).toEqual(profile);
    expect(responses.length).toBeGreaterThan(10);
    for (const response of responses.slice(0, -1)) {
      expect(response.isComplete).toBe(false);
      expect(response.error).toBeUndefined();
      expect(disagreement(response.partialResult, profile)).toBeUndefined();
      expect(response.progressPercent).toBeLessThan(100);
    }
    // Names grow as prefixes before the value completes.
    const names = responses.map((r) => (r.partialResult as { name?: string } | undefined)?.name);
    expect(names).toContain('Ada Lov');
  });

  it('passes every text chunk exactly once in rawChunks', async () => {
    const provider = createMockProvider({ responses: [{ json: profile, chunkSize: 7 }] });
    const responses = await collect(
      service(provider).routeStructuredStreaming({ prompt: 'Ada', responseModel: profileModel }),
    );
    const text = responses.flatMap((r) => r.rawChunks ?? []).join('');
    expect(text).toBe(JSON.stringify(profile, null, 2));
  });

  it('progress never decreases within the attempt and reaches 100 only when validated', async () => {
    const provider = createMockProvider({ responses: [{ json: profile, chunkSize: 3 }] });
    const { events, callback } = recordEvents();
    const responses = await collect(
      service(provider).routeStructuredStreaming({
        prompt: 'Ada',
        responseModel: profileModel,
        progressCallback: callback,
      }),
    );
    const percents = responses.map((r) => r.progressPercent);
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    expect(percents.filter((p) => p === 100)).toHaveLength(1);
    expect(events[0]?.eventType).toBe('start');
    expect(events.at(-1)).toMatchObject({ eventType: 'complete', progressPercent: 100 });
    const progress = events.filter((e) => e.eventType === 'progress').map((e) => e.progressPercent);
    expect(progress.length).toBeGreaterThan(5);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(Math.max(...progress)).toBeLessThan(100);
  });

  it('throttles partials with streamingChunkSize', async () => {
    const text = JSON.stringify(profile, null, 2);
    const provider = createMockProvider({ responses: [{ text, chunkSize: 2 }] });
    const responses = await collect(
      service(provider).routeStructuredStreaming({
        prompt: 'Ada',
        responseModel: profileModel,
        streamingChunkSize: 40,
      }),
    );
    const partials = responses.filter((r) => !r.isComplete);
    expect(partials.length).toBe(Math.floor(text.length / 40));
    for (const partial of partials) expect(partial.rawChunks?.join('').length).toBe(40);
  });

  it('learns answer sizes so later progress is closer to the truth', async () => {
    const provider = createMockProvider({ responses: [{ json: profile, chunkSize: 10 }] });
    const llm = service(provider);
    const first = await collect(
      llm.routeStructuredStreaming({ prompt: 'a', responseModel: profileModel }),
    );
    const second = await collect(
      llm.routeStructuredStreaming({ prompt: 'b', responseModel: profileModel }),
    );
    // Halfway through the text, the second run knows the expected size.
    const half = Math.floor(first.length / 2);
    expect(second[half]?.progressPercent ?? 0).toBeGreaterThan(35);
    expect(second[half]?.progressPercent ?? 0).toBeLessThan(75);
  });
});

describe('routeStructured and the migration path', () => {
  it('returns the validated value', async () => {
    const provider = createMockProvider({ responses: [{ json: profile }] });
    await expect(
      service(provider).routeStructured({ prompt: 'Ada', responseModel: profileModel }),
    ).resolves.toEqual(profile);
  });

  it('gives the same value as looping until isComplete', async () => {
    const provider = createMockProvider({ responses: [{ json: profile, chunkSize: 3 }] });
    const llm = service(provider);
    let looped: unknown;
    for await (const response of llm.routeStructuredStreaming({
      prompt: 'Ada',
      responseModel: profileModel,
    })) {
      if (response.isComplete) looped = response.partialResult;
    }
    expect(looped).toEqual(
      await llm.routeStructured({ prompt: 'Ada', responseModel: profileModel }),
    );
  });

  it('drives the request when only result is awaited', async () => {
    const provider = createMockProvider({ responses: [{ json: profile }] });
    const stream = service(provider).routeStructuredStreaming({
      prompt: 'Ada',
      responseModel: profileModel,
    });
    await expect(stream.result).resolves.toEqual(profile);
    expect(stream.status).toBe('completed');
    expect(stream.attempts).toEqual([{ attempt: 1, model: 'mock/model-a', provider: 'mock' }]);
    expect(() => stream[Symbol.asyncIterator]()).toThrow(TypeError);
  });

  it('with enableStreaming: false makes one non-streaming call with the same events', async () => {
    const provider = createMockProvider({ responses: [{ json: profile }] });
    const { events, callback } = recordEvents();
    const responses = await collect(
      service(provider).routeStructuredStreaming({
        prompt: 'Ada',
        responseModel: profileModel,
        enableStreaming: false,
        progressCallback: callback,
      }),
    );
    expect(provider.calls).toHaveLength(1);
    expect(responses).toHaveLength(1);
    expect(responses[0]).toMatchObject({
      isComplete: true,
      progressPercent: 100,
      partialResult: profile,
    });
    expect(events.map((e) => e.eventType)).toEqual(['start', 'progress', 'complete']);
  });

  it('uses one non-streaming call when the provider cannot stream', async () => {
    const provider = createMockProvider({ responses: [{ json: profile }], streaming: false });
    await expect(
      service(provider).routeStructured({ prompt: 'Ada', responseModel: profileModel }),
    ).resolves.toEqual(profile);
    expect(provider.calls).toHaveLength(1);
  });
});

describe('what the provider is asked', () => {
  it('sends the schema, its name, the mode and the prompt', async () => {
    const provider = createMockProvider({ responses: [{ json: profile }] });
    await service(provider).routeStructured({
      prompt: 'Describe Ada',
      system: 'Be brief.',
      responseModel: profileModel,
      temperature: 0.2,
      maxOutputTokens: 500,
    });
    const call = provider.calls[0];
    expect(call).toMatchObject({
      model: 'model-a',
      schemaName: 'profile',
      mode: 'json_schema',
      temperature: 0.2,
      maxOutputTokens: 500,
      schema: profileModel.jsonSchema,
    });
    expect(call?.messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Describe Ada' },
    ]);
  });

  it('degrades the output mode to what the model supports, and says the schema in prompt mode', async () => {
    const provider = createMockProvider({
      responses: [{ text: `Here you go:\n\`\`\`json\n${JSON.stringify(profile)}\n\`\`\`` }],
      modes: ['prompt'],
    });
    await expect(
      service(provider).routeStructured({ prompt: 'Ada', responseModel: profileModel }),
    ).resolves.toEqual(profile);
    expect(provider.calls[0]?.mode).toBe('prompt');
    expect(provider.calls[0]?.messages[0]?.content).toContain('"additionalProperties":false');
  });
});
