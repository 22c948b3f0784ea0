import type { ElementEvent, ProgressEvent } from '@structllm/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readStructuredStream, StreamEvents, toEventStreamResponse } from '../src/index.ts';
import { createSseReader, encodeEvent, type SseEvent } from '../src/protocol.ts';
import { type Order, order, orderModel, serviceFor } from './support.ts';

/** A request forwarding its progress events and elements; `seen` gets what the server saw. */
function tapped(service: ReturnType<typeof serviceFor>['service'], seen: ProgressEvent[] = []) {
  const events = new StreamEvents();
  const request = service.routeStructuredStreaming({
    prompt: 'o',
    responseModel: orderModel,
    elementPath: 'items',
    progressCallback: (event) => {
      seen.push(event);
      events.progressCallback(event);
    },
    onElement: events.onElement,
  });
  return toEventStreamResponse(request, { events, heartbeatMs: 0 });
}

describe('progress and element events', () => {
  it('the client gets the progress events whole, estimate included, and every element once', async () => {
    const { service } = serviceFor({ json: order, chunkSize: 4 });
    const seen: ProgressEvent[] = [];
    const progress: ProgressEvent[] = [];
    const elements: ElementEvent<unknown>[] = [];
    const stream = readStructuredStream<Order>(tapped(service, seen), {
      responseModel: orderModel,
      onProgress: (event) => progress.push(event),
      onElement: (element) => elements.push(element),
    });
    expect(await stream.result).toEqual(order);
    // Lifecycle events all arrive, in order; `progress` ones are coalesced with the text.
    const lifecycle = (events: ProgressEvent[]) => events.filter((e) => e.eventType !== 'progress');
    expect(lifecycle(progress).map((e) => e.eventType)).toContain('start');
    const lifecycleSent = lifecycle(seen).slice(0, lifecycle(progress).length);
    expect(lifecycle(progress)).toEqual(JSON.parse(JSON.stringify(lifecycleSent)));
    const moving = progress.filter((e) => e.eventType === 'progress');
    expect(moving.length).toBeGreaterThan(0);
    for (const event of moving) {
      expect(seen.map((e) => JSON.stringify(e))).toContain(JSON.stringify(event));
      expect(event.estimate).toBeDefined();
    }
    expect(stream.progress).toEqual(progress.at(-1));
    expect(elements).toEqual(
      order.items.map((value, index) => ({ index, value, error: undefined })),
    );
  });

  it('a retry starts the partials over but delivers no element twice', async () => {
    const { service } = serviceFor([
      { json: order, chunkSize: 8, failAfterChunks: 40 },
      { json: order, chunkSize: 8 },
    ]);
    const elements: number[] = [];
    const attempts = new Set<number>();
    const stream = readStructuredStream<Order>(tapped(service), {
      onElement: (element) => elements.push(element.index),
    });
    for await (const r of stream) attempts.add(r.attempt);
    expect(await stream.result).toEqual(order);
    expect(attempts).toEqual(new Set([1, 2]));
    expect(elements).toEqual(order.items.map((_, i) => i));
  });

  it('an invalid element under elementErrors "skip" arrives with its error', async () => {
    const bad = {
      ...order,
      items: order.items.map((item, i) => (i === 3 ? { ...item, qty: 0 } : item)),
    };
    const { service } = serviceFor({ json: bad, chunkSize: 8 });
    const events = new StreamEvents();
    const request = service.routeStructuredStreaming({
      prompt: 'o',
      responseModel: orderModel,
      elementPath: 'items',
      elementErrors: 'skip',
      onElement: events.onElement,
    });
    const elements: ElementEvent<unknown>[] = [];
    const stream = readStructuredStream<Order>(
      toEventStreamResponse(request, { events, heartbeatMs: 0 }),
      { onElement: (element) => elements.push(element) },
    );
    await stream.result.catch(() => undefined);
    const invalid = elements.find((e) => e.index === 3);
    expect(invalid?.value).toBeUndefined();
    expect(invalid?.error).toMatchObject({ category: 'validation' });
    expect(elements.filter((e) => e.error === undefined).map((e) => e.index)).toEqual([
      0, 1, 2, 4, 5, 6, 7, 8, 9, 10, 11,
    ]);
  });

  it('a callback that throws breaks nothing', async () => {
    const { service } = serviceFor({ json: order, chunkSize: 16 });
    const stream = readStructuredStream<Order>(tapped(service), {
      onProgress: () => {
        throw new Error('progress bar broke');
      },
      onElement: () => {
        throw new Error('list broke');
      },
    });
    expect(await stream.result).toEqual(order);
  });

  it('a StreamEvents feeds one stream only', () => {
    const { service } = serviceFor({ json: order });
    const events = new StreamEvents();
    const request = () =>
      service.routeStructuredStreaming({ prompt: 'o', responseModel: orderModel });
    toEventStreamResponse(request(), { events }).body?.cancel();
    expect(() => toEventStreamResponse(request(), { events })).toThrow(TypeError);
  });
});

describe('the final error event', () => {
  it('carries category, code, message and attempts, and nothing else of the error', async () => {
    const { service } = serviceFor({ error: { status: 401, message: 'invalid key' } });
    const wire = await toEventStreamResponse(
      service.routeStructuredStreaming({ prompt: 'o', responseModel: orderModel }),
      { heartbeatMs: 0 },
    ).text();
    const block = wire.split('\n\n').find((b) => b.includes('event:error')) as string;
    const data = JSON.parse(block.slice(block.indexOf('data:') + 5)) as Record<string, unknown>;
    expect(data).toMatchObject({ category: 'auth' });
    expect('code' in data).toBe(true); // null when the error has none
    expect(typeof data.message).toBe('string');
    expect(Array.isArray(data.attempts) && data.attempts.length).toBeGreaterThan(0);
    expect(Object.keys(data).sort()).toEqual(
      ['attempts', 'category', 'code', 'message', 'retryAfterMs', 'retryable', 'status'].filter(
        (key) => key in data,
      ),
    );
    expect(wire).not.toMatch(/"cause"|"stack"/);
  });
});

describe('any cut of the wire', () => {
  it('gives the same responses, progress events and elements', async () => {
    const { service } = serviceFor([
      { json: { ...order, customer: 'Bob\r\nX' }, chunkSize: 7, failAfterChunks: 9 },
      { json: order, chunkSize: 7 },
    ]);
    const response = tapped(service);
    const headers = response.headers;
    const wire = new Uint8Array(await response.arrayBuffer());
    const read = async (cuts: number[]) => {
      const points = [...new Set(cuts.map((c) => c % (wire.length + 1)))].sort((a, b) => a - b);
      const body = new ReadableStream<Uint8Array>({
        start(c) {
          let at = 0;
          for (const p of [...points, wire.length]) {
            c.enqueue(wire.slice(at, p));
            at = p;
          }
          c.close();
        },
      });
      const seen: unknown[] = [];
      const stream = readStructuredStream(new Response(body, { headers }), {
        onProgress: (event) => seen.push(['progress', event]),
        onElement: (element) => seen.push(['element', element]),
      });
      for await (const r of stream)
        seen.push({ ...r, partialResult: JSON.stringify(r.partialResult) });
      seen.push(await stream.result);
      return seen;
    };
    const whole = await read([]);
    expect(whole.at(-1)).toEqual(order);
    expect(whole.some((x) => Array.isArray(x) && x[0] === 'element')).toBe(true);
    expect(whole.some((x) => Array.isArray(x) && x[0] === 'progress')).toBe(true);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat(), { maxLength: 60 }), async (cuts) => {
        expect(await read(cuts)).toEqual(whole);
      }),
      { numRuns: 60 },
    );
  });
});

describe('the event stream reader', () => {
  const event = fc.record({
    id: fc.nat(),
    type: fc.constantFrom('message', 'open', 'attempt', 'x'),
    data: fc.string({ unit: fc.constantFrom('a', ' ', ':', '\n', 'é', '😀', '{', '"') }),
  });

  it('reads events written with LF, CRLF or CR line ends, however the text is cut', () => {
    fc.assert(
      fc.property(
        fc.array(event, { maxLength: 8 }),
        fc.constantFrom('\n', '\r\n', '\r'),
        fc.array(fc.nat(), { maxLength: 30 }),
        (events, eol, cuts) => {
          const text = events
            .map((e) => encodeEvent(e))
            .join(': comment\n\n')
            .replaceAll('\n', eol);
          const got: SseEvent[] = [];
          let comments = 0;
          const reader = createSseReader(
            (e) => got.push(e),
            () => comments++,
          );
          const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
          let at = 0;
          for (const p of [...points, text.length]) {
            reader.write(text.slice(at, p));
            at = p;
          }
          expect(got).toEqual(
            events.map((e) => ({ id: String(e.id), type: e.type, data: e.data })),
          );
          expect(comments).toBe(Math.max(0, events.length - 1));
          expect(reader.midEvent).toBe(false);
        },
      ),
      { numRuns: 300 },
    );
  });
});
