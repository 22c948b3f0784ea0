import { describe, expect, expectTypeOf, it, vi } from 'vitest';
import {
  type ElementEvent,
  jsonSchema,
  type ProgressEvent,
  type ResponseModel,
  StructuredLLMError,
} from '../../src/index.ts';
import { collect, failureOf, service } from '../support/engine.ts';
import { createMockProvider } from '../support/mock-provider.ts';

interface Item {
  id: number;
  name: string;
}
interface Catalogue {
  title: string;
  items: Item[];
  total: number;
}

const itemSchema = {
  type: 'object',
  properties: { id: { type: 'integer', minimum: 0 }, name: { type: 'string' } },
  required: ['id', 'name'],
  additionalProperties: false,
};
const itemsModel = jsonSchema<Item[]>({ type: 'array', items: itemSchema }, { name: 'items' });
const catalogueModel = jsonSchema<Catalogue>(
  {
    type: 'object',
    properties: {
      title: { type: 'string', minLength: 1 },
      items: { type: 'array', items: itemSchema, minItems: 2 },
      total: { type: 'integer' },
    },
    required: ['title', 'items', 'total'],
    additionalProperties: false,
  },
  { name: 'catalogue' },
);

const item = (id: number): Item => ({ id, name: `item ${id}` });
const itemsOf = (n: number): Item[] => Array.from({ length: n }, (_, i) => item(i));

/** A root array written one element per chunk: chunk i ends with element i complete. */
function elementChunks(items: readonly unknown[]): string[] {
  const chunks = items.map((value, i) => `${i === 0 ? '[' : ','}${JSON.stringify(value)}`);
  chunks.push(items.length === 0 ? '[]' : ']');
  return chunks;
}

async function take<E>(iterable: AsyncIterable<E>): Promise<E[]> {
  const out: E[] = [];
  for await (const value of iterable) out.push(value);
  return out;
}

async function failureAfter<E>(
  iterable: AsyncIterable<E>,
): Promise<{ items: E[]; error: StructuredLLMError }> {
  const items: E[] = [];
  try {
    for await (const value of iterable) items.push(value);
  } catch (error) {
    if (StructuredLLMError.is(error)) return { items, error };
    throw error;
  }
  throw new Error('expected the iteration to throw');
}

describe('elements()', () => {
  it('yields each element of a root array with its index, and the result holds them all', async () => {
    const items = itemsOf(5);
    const provider = createMockProvider({ responses: [{ json: items, chunkSize: 7 }] });
    const stream = service(provider).routeStructuredStreaming({
      prompt: 'list',
      responseModel: itemsModel,
    });
    const got = await take(stream.elements());
    expect(got).toEqual(items.map((value, index) => ({ index, value, error: undefined })));
    expect(await stream.result).toEqual(items);
    expect(stream.elementCount).toBe(5);
    expect(stream.status).toBe('completed');
  });

  it('hands out elements while the model is still writing', async () => {
    const provider = createMockProvider({
      responses: [{ chunks: elementChunks(itemsOf(10)), stallAfterChunks: 4 }],
    });
    const stream = service(provider).routeStructuredStreaming({
      prompt: 'list',
      responseModel: itemsModel,
    });
    const seen: number[] = [];
    const iterator = stream.elements()[Symbol.asyncIterator]();
    for (let i = 0; i < 4; i++) {
      const next = await iterator.next();
      if (next.done !== true) seen.push(next.value.index);
    }
    // The provider has sent 4 chunks and waits: those 4 elements were delivered anyway.
    expect(seen).toEqual([0, 1, 2, 3]);
    expect(stream.status).toBe('streaming');
    stream.abort('enough');
    await expect(iterator.next()).rejects.toMatchObject({ category: 'aborted' });
    await vi.waitFor(() => expect(provider.inFlight).toBe(0));
  });

  it('streams an array field named by elementPath (dotted string or path array)', async () => {
    const catalogue: Catalogue = { title: 'Tools', items: itemsOf(3), total: 3 };
    for (const elementPath of ['items', ['items']] as const) {
      const provider = createMockProvider({ responses: [{ json: catalogue, chunkSize: 5 }] });
      const stream = service(provider).routeStructuredStreaming({
        prompt: 'catalogue',
        responseModel: catalogueModel,
        elementPath,
      });
      const got = await take(stream.elements<Item>());
      expect(got.map((e) => e.value)).toEqual(catalogue.items);
      expect(got.map((e) => e.index)).toEqual([0, 1, 2]);
      expect(await stream.result).toEqual(catalogue);
    }
  });

  it('finds a nested array by a dotted path', async () => {
    const model = jsonSchema<{ data: { rows: number[] } }>(
      {
        type: 'object',
        properties: {
          data: {
            type: 'object',
            properties: { rows: { type: 'array', items: { type: 'number' } } },
          },
        },
      },
      { name: 'nested' },
    );
    const provider = createMockProvider({ responses: [{ json: { data: { rows: [3, 1, 4] } } }] });
    const stream = service(provider).routeStructuredStreaming({
      prompt: 'rows',
      responseModel: model,
      elementPath: 'data.rows',
      retainElements: false,
    });
    expect((await take(stream.elements())).map((e) => e.value)).toEqual([3, 1, 4]);
    expect(await stream.result).toEqual({ data: { rows: [] } });
    expect(stream.elementCount).toBe(3);
  });

  it('validates each element before delivering it: an invalid one is never yielded as a value', async () => {
    const items: unknown[] = [item(0), { id: -1, name: 'bad' }, item(2)];
    const provider = createMockProvider({
      responses: [{ chunks: elementChunks(items) }, { chunks: elementChunks(itemsOf(3)) }],
    });
    const stream = service(provider).routeStructuredStreaming({
      prompt: 'list',
      responseModel: itemsModel,
    });
    const got = await take(stream.elements());
    // Element 0 came from the first attempt; elements 1 and 2 from the re-asked one.
    expect(got).toEqual(itemsOf(3).map((value, index) => ({ index, value, error: undefined })));
    expect(stream.attempts.map((a) => a.category)).toEqual(['validation', undefined]);
    expect(stream.attempts[0]?.message).toMatch(/Element 1 of \$ is invalid/);
    // The re-ask quotes the answer and names the element.
    const reask = provider.calls[1]?.messages.at(-1)?.content;
    expect(reask).toMatch(/Element 1 of \$ is invalid/);
    expect(reask).toMatch(/\$\[1\]\.id/);
  });

  it('ends by throwing the request error, after every valid element', async () => {
    const provider = createMockProvider({
      responses: [
        {
          chunks: elementChunks(itemsOf(6)),
          failAfterChunks: 3,
          midStreamError: new StructuredLLMError({ category: 'auth', message: 'revoked' }),
        },
      ],
    });
    const stream = service(provider).routeStructuredStreaming({
      prompt: 'list',
      responseModel: itemsModel,
    });
    const { items, error } = await failureAfter(stream.elements());
    expect(items.map((e) => e.index)).toEqual([0, 1, 2]);
    expect(error.category).toBe('auth');
    expect(error.attempts).toHaveLength(1);
    await expect(stream.result).rejects.toBe(error);
  });

  it('breaking out of the loop cancels the request', async () => {
    const provider = createMockProvider({
      responses: [{ chunks: elementChunks(itemsOf(50)), stallAfterChunks: 20 }],
    });
    const stream = service(provider).routeStructuredStreaming({
      prompt: 'list',
      responseModel: itemsModel,
    });
    let count = 0;
    for await (const element of stream.elements()) {
      count++;
      if (element.index === 4) break;
    }
    expect(count).toBe(5);
    expect(stream.status).toBe('aborted');
    await vi.waitFor(() => expect(provider.inFlight).toBe(0));
  });

  it.each([true, false])(
    'breaking out while result drives the request through a waiting read (abortEndsReads %s)',
    async (abortEndsReads) => {
      const provider = createMockProvider({
        abortEndsReads,
        responses: [{ chunks: elementChunks(itemsOf(50)), stallAfterChunks: 20 }],
      });
      const stream = service(provider).routeStructuredStreaming({
        prompt: 'list',
        responseModel: itemsModel,
      });
      const elements = stream.elements();
      const result = stream.result; // drives the request in the background
      const seen: number[] = [];
      for await (const element of elements) {
        seen.push(element.index);
        // Let the background drive reach the stalled read before leaving the loop.
        await new Promise((resolve) => setImmediate(resolve));
        if (element.index === 2) break;
      }
      expect(seen).toEqual([0, 1, 2]);
      await expect(result).rejects.toMatchObject({ category: 'aborted' });
      expect(stream.status).toBe('aborted');
      await vi.waitFor(() => expect(provider.inFlight).toBe(0));
    },
  );

  it('can be combined with awaiting result, and drives the request itself', async () => {
    const provider = createMockProvider({ responses: [{ json: itemsOf(3) }] });
    const stream = service(provider).routeStructuredStreaming({
      prompt: 'list',
      responseModel: itemsModel,
    });
    const elements = stream.elements();
    const result = stream.result;
    expect(await take(elements)).toHaveLength(3);
    expect(await result).toEqual(itemsOf(3));
  });

  it('awaiting result before iterating runs the request; the elements wait in order', async () => {
    const provider = createMockProvider({ responses: [{ chunks: elementChunks(itemsOf(4)) }] });
    const stream = service(provider).routeStructuredStreaming({
      prompt: 'list',
      responseModel: itemsModel,
    });
    const elements = stream.elements();
    expect(stream.status).toBe('pending'); // nothing runs until asked
    expect(provider.calls).toHaveLength(0);
    expect(await stream.result).toEqual(itemsOf(4));
    expect(provider.calls).toHaveLength(1);
    expect(await take(elements)).toEqual(
      itemsOf(4).map((value, index) => ({ index, value, error: undefined })),
    );
  });

  it('awaiting result first on a failing request: result rejects, the loop yields then throws', async () => {
    const provider = createMockProvider({
      responses: [{ chunks: [...elementChunks(itemsOf(3)).slice(0, 3), ',{"id":-1'] }],
    });
    const stream = service(provider).routeStructuredStreaming({
      prompt: 'list',
      responseModel: itemsModel,
      maxRetries: 0,
    });
    const elements = stream.elements();
    const error = await failureOf(stream.result);
    const after = await failureAfter(elements);
    expect(after.items.map((event) => event.index)).toEqual([0, 1, 2]);
    expect(after.error).toBe(error);
  });

  it('reports progress chunk by chunk while elements() is iterated, as the stream would', async () => {
    const run = async (viaElements: boolean): Promise<ProgressEvent[]> => {
      const provider = createMockProvider({ responses: [{ json: itemsOf(6), chunkSize: 8 }] });
      const events: ProgressEvent[] = [];
      const stream = service(provider).routeStructuredStreaming({
        prompt: 'list',
        responseModel: itemsModel,
        progressCallback: (event) => void events.push(event),
      });
      if (viaElements) await take(stream.elements());
      else await collect(stream);
      return events;
    };
    const viaElements = await run(true);
    const progress = viaElements.filter((event) => event.eventType === 'progress');
    expect(progress.length).toBe(
      (await run(false)).filter((e) => e.eventType === 'progress').length,
    );
    expect(progress.length).toBeGreaterThan(10);
    const percents = progress.map((event) => event.progressPercent);
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    expect(viaElements.at(-1)).toMatchObject({ eventType: 'complete', progressPercent: 100 });
  });

  it('is typed by the array element, or by the given type', () => {
    const provider = createMockProvider({ responses: [{ json: [] }] });
    const llm = service(provider);
    const rootStream = llm.routeStructuredStreaming({ prompt: 'x', responseModel: itemsModel });
    const ofRoot = (stream: typeof rootStream) => stream.elements();
    expectTypeOf(ofRoot).returns.toEqualTypeOf<AsyncIterable<ElementEvent<Item>>>();
    const fieldStream = llm.routeStructuredStreaming({
      prompt: 'x',
      responseModel: catalogueModel,
      elementPath: 'items',
    });
    const ofField = (stream: typeof fieldStream) => stream.elements();
    const ofFieldTyped = (stream: typeof fieldStream) => stream.elements<Item>();
    expectTypeOf(ofField).returns.toEqualTypeOf<AsyncIterable<ElementEvent<unknown>>>();
    expectTypeOf(ofFieldTyped).returns.toEqualTypeOf<AsyncIterable<ElementEvent<Item>>>();
  });
});

describe('misuse', () => {
  it('elements() without an array to stream is a TypeError', () => {
    const provider = createMockProvider({ responses: [{ json: { title: 'x' } }] });
    const stream = service(provider).routeStructuredStreaming({
      prompt: 'x',
      responseModel: catalogueModel,
    });
    expect(() => stream.elements()).toThrow(/elements\(\) needs an array to stream/);
  });

  it('iterating both the stream and elements() is a TypeError', async () => {
    const provider = createMockProvider({ responses: [{ json: itemsOf(2) }] });
    const llm = service(provider);
    const first = llm.routeStructuredStreaming({ prompt: 'x', responseModel: itemsModel });
    await collect(first);
    expect(() => first.elements()).toThrow(TypeError);
    const second = llm.routeStructuredStreaming({ prompt: 'x', responseModel: itemsModel });
    const elements = second.elements();
    expect(() => second[Symbol.asyncIterator]()).toThrow(TypeError);
    await take(elements);
    expect(() => elements[Symbol.asyncIterator]()).toThrow(/once/);
  });

  it('onElement or retainElements without an array, or a path to a non-array, fail as bad_request', async () => {
    const provider = createMockProvider({ responses: [{ json: { title: 'x' } }] });
    const llm = service(provider);
    const noArray = await failureOf(
      llm.routeStructured({ prompt: 'x', responseModel: catalogueModel, onElement: () => {} }),
    );
    expect(noArray).toMatchObject({ category: 'bad_request', code: 'invalid_element_path' });
    const notRetained = await failureOf(
      llm.routeStructured({ prompt: 'x', responseModel: catalogueModel, retainElements: false }),
    );
    expect(notRetained.code).toBe('invalid_element_path');
    const wrongPath = await failureOf(
      llm.routeStructured({ prompt: 'x', responseModel: catalogueModel, elementPath: 'title' }),
    );
    expect(wrongPath.message).toMatch(/elementPath "title" is not an array/);
    expect(provider.calls).toHaveLength(0);
  });
});

describe('onElement', () => {
  it('receives each validated element while the stream is iterated as usual', async () => {
    const seen: Array<ElementEvent<Item>> = [];
    const provider = createMockProvider({ responses: [{ json: itemsOf(4), chunkSize: 9 }] });
    const stream = service(provider).routeStructuredStreaming({
      prompt: 'list',
      responseModel: itemsModel,
      onElement: (element) => void seen.push(element),
    });
    const responses = await collect(stream);
    expect(seen.map((e) => e.value)).toEqual(itemsOf(4));
    const last = responses.at(-1);
    expect(last?.partialResult).toEqual(itemsOf(4));
    expect(last?.elementCount).toBe(4);
  });

  it('a throwing or rejecting callback never breaks the stream, and is reported once', async () => {
    const warn = vi.fn();
    const provider = createMockProvider({ responses: [{ json: itemsOf(4) }] });
    const llm = service(provider, { logger: { debug() {}, info() {}, warn, error() {} } });
    let calls = 0;
    const value = await llm.routeStructured({
      prompt: 'list',
      responseModel: itemsModel,
      onElement: (element) => {
        calls++;
        if (element.index % 2 === 0) throw new Error('boom');
        return Promise.reject(new Error('async boom'));
      },
    });
    expect(value).toEqual(itemsOf(4));
    expect(calls).toBe(4);
    await Promise.resolve();
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]?.[0]).toMatch(/onElement threw/);
  });

  it('a slow async callback does not stall the stream', async () => {
    vi.useFakeTimers();
    try {
      const provider = createMockProvider({ responses: [{ json: itemsOf(3) }] });
      const value = await service(provider).routeStructured({
        prompt: 'list',
        responseModel: itemsModel,
        onElement: () => new Promise((resolve) => setTimeout(resolve, 60_000)),
      });
      expect(value).toEqual(itemsOf(3));
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('retainElements: false', () => {
  it('releases delivered elements: partials never hold more than the element being written', async () => {
    const catalogue: Catalogue = { title: 'Tools', items: itemsOf(40), total: 40 };
    const provider = createMockProvider({ responses: [{ json: catalogue, chunkSize: 3 }] });
    const delivered: Item[] = [];
    const stream = service(provider).routeStructuredStreaming({
      prompt: 'catalogue',
      responseModel: catalogueModel,
      elementPath: 'items',
      retainElements: false,
      onElement: (element) => {
        if (element.error === undefined) delivered.push(element.value as Item);
      },
    });
    let largest = 0;
    let final: unknown;
    for await (const response of stream) {
      const partial = response.partialResult as Partial<Catalogue> | undefined;
      largest = Math.max(largest, partial?.items?.length ?? 0);
      if (response.isComplete) final = response.partialResult;
    }
    expect(delivered).toEqual(catalogue.items);
    expect(largest).toBeLessThanOrEqual(1);
    // The rest of the document is validated and kept; the array is empty; the count says how many.
    expect(final).toEqual({ title: 'Tools', items: [], total: 40 });
    expect(await stream.result).toEqual({ title: 'Tools', items: [], total: 40 });
    expect(stream.elementCount).toBe(40);
  });

  it("ignores the released array's own keywords (minItems) but still checks the rest", async () => {
    const provider = createMockProvider({
      responses: [
        { json: { title: '', items: itemsOf(3), total: 3 } }, // title too short
        { json: { title: 'ok', items: itemsOf(3), total: 3 } },
      ],
    });
    const stream = service(provider).routeStructuredStreaming({
      prompt: 'catalogue',
      responseModel: catalogueModel,
      elementPath: 'items',
      retainElements: false,
    });
    const got = await take(stream.elements());
    expect(got.map((e) => e.index)).toEqual([0, 1, 2]);
    expect(await stream.result).toEqual({ title: 'ok', items: [], total: 3 });
    expect(stream.attempts[0]?.message).toMatch(/title/);
  });

  it('checks maxItems on each element as it arrives', async () => {
    const model = jsonSchema<number[]>(
      { type: 'array', items: { type: 'number' }, maxItems: 2 },
      { name: 'short' },
    );
    const provider = createMockProvider({ responses: [{ json: [1, 2, 3] }] });
    const stream = service(provider).routeStructuredStreaming({
      prompt: 'x',
      responseModel: model,
      retainElements: false,
      elementErrors: 'stop',
    });
    const { items, error } = await failureAfter(stream.elements());
    expect(items.map((e) => e.value)).toEqual([1, 2]);
    expect(error.message).toMatch(/Element 2 of \$ is invalid/);
    expect(error.message).toMatch(/at most 2 items/);
  });
});

describe('released elements are validated by built-in and custom models alike', () => {
  // A model of your own that knows nothing of `subject`: the engine shows it the element in place.
  const custom: ResponseModel<Catalogue> = {
    name: 'custom',
    jsonSchema: catalogueModel.jsonSchema,
    validate: (value) => catalogueModel.validate(value),
    validatePartial: (value, options) =>
      catalogueModel.validatePartial(value, {
        ...(options?.path === undefined ? {} : { path: options.path }),
        ...(options?.complete === undefined ? {} : { complete: options.complete }),
      }),
  };
  const items = [...itemsOf(30), { id: -1, name: 'bad' }, ...itemsOf(2)];

  for (const [label, responseModel] of [
    ['built-in', catalogueModel],
    ['custom', custom],
  ] as const) {
    it(`${label}: the 31st element, after 30 were released, is caught with its index`, async () => {
      const provider = createMockProvider({
        responses: [{ json: { title: 'T', items, total: 33 }, chunkSize: 7 }],
      });
      const stream = service(provider).routeStructuredStreaming({
        prompt: 'catalogue',
        responseModel,
        elementPath: 'items',
        retainElements: false,
        elementErrors: 'skip',
      });
      const got = await take(stream.elements());
      expect(got.map((e) => e.index)).toEqual(items.map((_, i) => i));
      expect(got[30]?.error?.message).toMatch(
        /Element 30 of \$\.items is invalid:\n- \$\.items\[30\]\.id: expected a number ≥ 0, got -1/,
      );
      expect(got.filter((e) => e.error === undefined)).toHaveLength(32);
    });
  }
});

describe('elementErrors', () => {
  const withBad: unknown[] = [item(0), item(1), { id: 'two', name: 'x' }, item(3)];

  it("'skip' reports the invalid element with its index and error, and goes on", async () => {
    const provider = createMockProvider({ responses: [{ chunks: elementChunks(withBad) }] });
    const stream = service(provider).routeStructuredStreaming({
      prompt: 'list',
      responseModel: itemsModel,
      elementErrors: 'skip',
    });
    const got = await take(stream.elements());
    expect(got.map((e) => [e.index, e.error === undefined])).toEqual([
      [0, true],
      [1, true],
      [2, false],
      [3, true],
    ]);
    const skipped = got[2];
    expect(skipped?.error).toMatchObject({ category: 'validation', code: 'invalid_element' });
    expect(skipped?.error?.message).toMatch(/Element 2 .*\n.*\$\[2\]\.id/);
    // The final value holds the valid elements only.
    expect(await stream.result).toEqual([item(0), item(1), item(3)]);
    expect(stream.elementCount).toBe(3);
    expect(provider.calls).toHaveLength(1);
  });

  it.each([true, false])(
    "'skip' keeps a reported element out of the final value across a retry (retainElements: %s)",
    async (retainElements) => {
      const provider = createMockProvider({
        responses: [
          { chunks: elementChunks(withBad), failAfterChunks: 4 },
          { chunks: elementChunks(withBad) },
        ],
      });
      const stream = service(provider).routeStructuredStreaming({
        prompt: 'list',
        responseModel: itemsModel,
        elementErrors: 'skip',
        retainElements,
      });
      const got = await take(stream.elements());
      expect(got.map((e) => [e.index, e.error?.code])).toEqual([
        [0, undefined],
        [1, undefined],
        [2, 'invalid_element'],
        [3, undefined],
      ]);
      expect(await stream.result).toEqual(retainElements ? [item(0), item(1), item(3)] : []);
      expect(stream.elementCount).toBe(3);
      expect(provider.calls).toHaveLength(2);
    },
  );

  it('counts an element rewritten by several later attempts once in replacedElements', async () => {
    const rewrite = (n: number) => [item(0), { id: 1, name: `rewrite ${n}` }, item(2)];
    const provider = createMockProvider({
      responses: [
        { chunks: elementChunks(itemsOf(3)), failAfterChunks: 3 },
        { chunks: elementChunks(rewrite(1)), failAfterChunks: 3 },
        { chunks: elementChunks(rewrite(2)), failAfterChunks: 3 },
        { chunks: elementChunks(rewrite(3)) },
      ],
    });
    const stream = service(provider).routeStructuredStreaming({
      prompt: 'list',
      responseModel: itemsModel,
    });
    const got = await take(stream.elements());
    expect(got.map((e) => e.value)).toEqual(itemsOf(3));
    expect(provider.calls).toHaveLength(4);
    expect(stream.replacedElements).toBe(1);
  });

  it("'stop' ends the request at once, without retrying or falling back", async () => {
    const provider = createMockProvider({ responses: [{ chunks: elementChunks(withBad) }] });
    const stream = service(provider).routeStructuredStreaming({
      prompt: 'list',
      responseModel: itemsModel,
      elementErrors: 'stop',
      fallbackModels: ['mock/model-b'],
    });
    const { items, error } = await failureAfter(stream.elements());
    expect(items.map((e) => e.index)).toEqual([0, 1]);
    expect(error).toMatchObject({
      category: 'validation',
      code: 'invalid_element',
      retryable: false,
    });
    expect(error.message).toMatch(/Element 2/);
    expect(provider.calls).toHaveLength(1);
  });

  it("'reask' (default) asks again and continues after the delivered elements", async () => {
    const provider = createMockProvider({
      responses: [{ chunks: elementChunks(withBad) }, { chunks: elementChunks(itemsOf(4)) }],
    });
    const { events, callback } = recordProgress();
    const stream = service(provider).routeStructuredStreaming({
      prompt: 'list',
      responseModel: itemsModel,
      progressCallback: callback,
    });
    const got = await take(stream.elements());
    expect(got.map((e) => e.index)).toEqual([0, 1, 2, 3]);
    expect(got.map((e) => e.value)).toEqual(itemsOf(4));
    expect(stream.replacedElements).toBe(0);
    const retry = events.find((e) => e.eventType === 'retry');
    expect(retry?.data).toMatchObject({ category: 'validation', deliveredElements: 2 });
  });
});

function recordProgress(): { events: ProgressEvent[]; callback: (e: ProgressEvent) => void } {
  const events: ProgressEvent[] = [];
  return { events, callback: (event) => void events.push(event) };
}

describe('retries and fallbacks after elements were delivered', () => {
  const N = 1500;

  it('a mid-stream failure after 1,000 elements, then a retry: each element once, in order', async () => {
    const items = itemsOf(N);
    const provider = createMockProvider({
      responses: [
        { chunks: elementChunks(items), failAfterChunks: 1000 },
        { chunks: elementChunks(items) },
      ],
    });
    const { events, callback } = recordProgress();
    const stream = service(provider).routeStructuredStreaming({
      prompt: 'list',
      responseModel: itemsModel,
      progressCallback: callback,
    });
    const got = await take(stream.elements());
    expect(got).toHaveLength(N);
    expect(got.map((e) => e.index)).toEqual(items.map((_, i) => i));
    expect(got.map((e) => e.value)).toEqual(items);
    expect(stream.attempts.map((a) => a.category)).toEqual(['server', undefined]);
    const retry = events.find((e) => e.eventType === 'retry');
    expect(retry?.data).toMatchObject({ deliveredElements: 1000, replacedElements: 0 });
    expect(await stream.result).toEqual(items);
    expect(stream.elementCount).toBe(N);
  });

  it('the same with retainElements: false and a fallback model that writes some elements differently', async () => {
    const items = itemsOf(N);
    const rewritten = items.map((value) =>
      value.id % 100 === 0 ? { ...value, name: `${value.name} (again)` } : value,
    );
    const primary = createMockProvider({
      id: 'a',
      responses: [{ chunks: elementChunks(items), failAfterChunks: 1000 }],
    });
    const fallback = createMockProvider({
      id: 'b',
      responses: [{ chunks: elementChunks(rewritten) }],
    });
    const delivered: Array<ElementEvent<Item>> = [];
    const stream = service([primary, fallback]).routeStructuredStreaming({
      prompt: 'list',
      responseModel: itemsModel,
      model: 'a/model',
      maxRetries: 0,
      fallbackModels: ['b/model'],
      retainElements: false,
      onElement: (element) => void delivered.push(element),
    });
    const responses = await collect(stream);
    expect(responses.at(-1)?.error).toBeUndefined();
    expect(delivered.map((e) => e.index)).toEqual(items.map((_, i) => i));
    // The first 1,000 come from the primary; the consumer keeps them, the fallback's
    // different versions of 10 of them are counted, not delivered.
    expect(delivered.slice(0, 1000).map((e) => e.value)).toEqual(items.slice(0, 1000));
    expect(delivered.slice(1000).map((e) => e.value)).toEqual(rewritten.slice(1000));
    expect(stream.replacedElements).toBe(10);
    expect(await stream.result).toEqual([]);
    expect(responses.at(-1)?.elementCount).toBe(N);
  });
});

describe('every way of calling the model', () => {
  it('non-streaming providers and prompt mode with prose around the JSON', async () => {
    const items = itemsOf(3);
    const cases = [
      createMockProvider({ responses: [{ json: items }], streaming: false }),
      createMockProvider({
        responses: [{ text: `Here you go:\n\`\`\`json\n${JSON.stringify(items)}\n\`\`\`\nBye` }],
        modes: ['prompt'],
      }),
    ];
    for (const provider of cases) {
      const stream = service(provider).routeStructuredStreaming({
        prompt: 'list',
        responseModel: itemsModel,
        retainElements: false,
      });
      expect((await take(stream.elements())).map((e) => e.value)).toEqual(items);
      expect(await stream.result).toEqual([]);
    }
  });

  it('routeStructuredBatch takes the same options, per request', async () => {
    const provider = createMockProvider({
      responses: (call) => ({ json: itemsOf(Number(call.messages.at(-1)?.content)) }),
    });
    const seen: Array<[number, number]> = [];
    const batch = service(provider).routeStructuredBatch(
      [2, 3, 4].map((n) => ({
        prompt: String(n),
        responseModel: itemsModel,
        retainElements: false,
        onElement: (element: ElementEvent<Item>) => void seen.push([n, element.index]),
      })),
      { concurrency: 2 },
    );
    const results = await batch.results;
    expect(results.map((r) => r.status === 'fulfilled' && r.value)).toEqual([[], [], []]);
    for (const n of [2, 3, 4]) {
      expect(seen.filter(([of]) => of === n).map(([, index]) => index)).toEqual(
        Array.from({ length: n }, (_, i) => i),
      );
    }
  });
});
