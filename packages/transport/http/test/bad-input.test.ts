import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { readStructuredStream, toEventStreamResponse } from '../src/index.ts';
import { order, orderModel, serviceFor } from './support.ts';

const sse = { 'content-type': 'text/event-stream', 'x-structllm-protocol': '2' };
const open = 'id:0\nevent:open\ndata:{"v":2,"run":null}\n\n';
const attempt = 'id:1\nevent:attempt\ndata:{"attempt":1,"model":"m"}\n\n';

function bytes(text: string): ReadableStream<Uint8Array> {
  return new Response(text).body as ReadableStream<Uint8Array>;
}

async function errorOf(input: Response | ReadableStream<Uint8Array>) {
  const stream = readStructuredStream(input, { reconnect: false });
  let last: { isComplete: boolean; error: unknown } | undefined;
  for await (const r of stream) last = r;
  expect(last?.isComplete).toBe(true);
  await expect(stream.result).rejects.toBeDefined();
  return last?.error as { category: string; code: string; message: string; status?: number };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('bad input ends with a categorized error, never a hang', () => {
  it('a non-200 answer', async () => {
    const error = await errorOf(new Response('{"error":"nope"}', { status: 503 }));
    expect(error).toMatchObject({ category: 'server', code: 'http_503', status: 503 });
  });

  it('404 and 410 from a resume URL', async () => {
    expect(await errorOf(new Response('', { status: 404 }))).toMatchObject({ code: 'unknown_run' });
    expect(await errorOf(new Response('', { status: 410 }))).toMatchObject({ code: 'run_expired' });
  });

  it('a body that is not an event stream', async () => {
    const error = await errorOf(
      new Response('{"id":1}', { headers: { 'content-type': 'application/json' } }),
    );
    expect(error).toMatchObject({ category: 'server', code: 'not_event_stream' });
    // A raw byte stream holding something else.
    expect(await errorOf(bytes('<html>hello</html>\n\n'))).toMatchObject({
      code: 'not_event_stream',
    });
  });

  it('an unknown protocol version, in the header or in the open event', async () => {
    const header = await errorOf(
      new Response(open, { headers: { ...sse, 'x-structllm-protocol': '9' } }),
    );
    expect(header).toMatchObject({ category: 'bad_request', code: 'protocol_version' });
    const event = await errorOf(bytes('id: 0\nevent: open\ndata: {"v":3}\n\n'));
    expect(event).toMatchObject({ code: 'protocol_version' });
    // Version 1's wire (before compact framing) is refused, not misread.
    const v1 = await errorOf(
      new Response('id: 0\nevent: open\ndata: {"v":1,"run":null}\n\n', {
        headers: { ...sse, 'x-structllm-protocol': '1' },
      }),
    );
    expect(v1).toMatchObject({ category: 'bad_request', code: 'protocol_version' });
    expect(v1.message).toMatch(/protocol 1; this client reads 2/);
  });

  it('a malformed event', async () => {
    const error = await errorOf(
      new Response(`${open}id: 1\nevent: attempt\ndata: {oops\n\n`, { headers: sse }),
    );
    expect(error).toMatchObject({ category: 'parse', code: 'malformed_event' });
    const text = await errorOf(bytes(`${open}${attempt}id:2\ndata:x\n\n`));
    expect(text).toMatchObject({ code: 'malformed_event' });
    for (const bad of [
      'event:progress\ndata:{"percent":3}', // not a ProgressEvent
      'event:element\ndata:{"index":-1,"value":1}',
      'event:element\ndata:{"index":0}',
      'event:result\ndata:[1]',
    ]) {
      expect(await errorOf(bytes(`${open}${attempt}id:2\n${bad}\n\n`))).toMatchObject({
        category: 'parse',
        code: 'malformed_event',
      });
    }
  });

  it('a gap in event ids', async () => {
    const error = await errorOf(
      bytes(`${open}id:3\nevent:attempt\ndata:{"attempt":1,"model":"m"}\n\n`),
    );
    expect(error).toMatchObject({ category: 'parse', code: 'event_gap' });
  });

  it('a server that closes mid-event', async () => {
    const error = await errorOf(bytes(`${open}${attempt}id:2\ndata:1 0 {"a\ndata:"b`));
    expect(error).toMatchObject({ category: 'network', code: 'stream_closed' });
    expect(error.message).toMatch(/middle of an event/);
  });

  it('a server that goes silent: dropped after idleTimeoutMs', async () => {
    vi.useFakeTimers();
    const silent = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode(open));
      },
    });
    const stream = readStructuredStream(silent, { reconnect: false, idleTimeoutMs: 1000 });
    const done = (async () => {
      const all = [];
      for await (const r of stream) all.push(r);
      return all.at(-1);
    })();
    await vi.advanceTimersByTimeAsync(1000);
    const last = await done;
    expect(last?.error).toMatchObject({ category: 'network', code: 'stream_closed' });
  });

  it('abort() ends the stream with category aborted', async () => {
    const stream = readStructuredStream(new ReadableStream<Uint8Array>(), { idleTimeoutMs: 0 });
    const done = (async () => {
      const all = [];
      for await (const r of stream) all.push(r);
      return all.at(-1);
    })();
    stream.abort();
    expect((await done)?.error).toMatchObject({ category: 'aborted' });
  });
});

describe('any cut of the event stream bytes', () => {
  it('gives the same responses', async () => {
    // The wire of a request with a retry, text holding a CR, progress and a result.
    const { service: again } = serviceFor([
      { json: { ...order, customer: 'Bob\r\nX' }, chunkSize: 7, failAfterChunks: 9 },
      { json: order, chunkSize: 7 },
    ]);
    const wire = new Uint8Array(
      await toEventStreamResponse(
        again.routeStructuredStreaming({ prompt: 'o', responseModel: orderModel }),
        { heartbeatMs: 0, maxEventChars: 40 },
      ).arrayBuffer(),
    );
    const read = async (cuts: number[]) => {
      const points = [...new Set(cuts.map((c) => c % (wire.length + 1)))].sort((a, b) => a - b);
      const pieces: Uint8Array[] = [];
      let at = 0;
      for (const p of [...points, wire.length]) {
        pieces.push(wire.slice(at, p));
        at = p;
      }
      const body = new ReadableStream<Uint8Array>({
        start(c) {
          for (const p of pieces) c.enqueue(p);
          c.close();
        },
      });
      const out = [];
      for await (const r of readStructuredStream(body)) {
        out.push({ ...r, partialResult: JSON.stringify(r.partialResult) });
      }
      return out;
    };
    const whole = await read([]);
    expect(whole.at(-1)?.partialResult).toBe(JSON.stringify(order));
    expect(new Set(whole.map((r) => r.attempt))).toEqual(new Set([1, 2]));
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat(), { maxLength: 40 }), async (cuts) => {
        expect(await read(cuts)).toEqual(whole);
      }),
      { numRuns: 60 },
    );
  });
});

describe('text events as written by hand', () => {
  it('a text event with no text moves the percent only; a j-marked one carries a JSON string', async () => {
    const wire =
      `${open}${attempt}` +
      'id:2\ndata:1 40 {"a":\n\n' +
      'id:3\ndata:1 60 \n\n' +
      'id:4\ndata:1 80j "\\"x\\\\r\\"}"\n\n' +
      'id:5\nevent:result\ndata:{"fromText":true}\n\n';
    const stream = readStructuredStream(new Response(wire, { headers: sse }));
    const seen = [];
    for await (const r of stream) {
      seen.push({ p: r.progressPercent, raw: r.rawChunks, v: JSON.stringify(r.partialResult) });
    }
    expect(seen).toEqual([
      { p: 40, raw: ['{"a":'], v: '{}' },
      { p: 60, raw: undefined, v: '{}' },
      { p: 80, raw: ['"x\\r"}'], v: '{"a":"x\\r"}' },
      { p: 100, raw: undefined, v: '{"a":"x\\r"}' },
    ]);
    expect(await stream.result).toEqual({ a: 'x\r' });
  });

  it('model text holding carriage returns crosses unchanged', async () => {
    const text = `{\r\n"id": 7,\r"customer": "Ada",\r\n"items": []\r\n}`;
    const { service } = serviceFor({ text, chunkSize: 3 });
    const stream = readStructuredStream(
      toEventStreamResponse(
        service.routeStructuredStreaming({ prompt: 'o', responseModel: orderModel }),
        { heartbeatMs: 0 },
      ),
    );
    const raw: string[] = [];
    for await (const r of stream) raw.push(...(r.rawChunks ?? []));
    expect(raw.join('')).toBe(text);
    expect(await stream.result).toEqual({ id: 7, customer: 'Ada', items: [] });
  });
});
