import { StructuredLLMService } from '@structllm/core';
import type { ProviderPart } from '@structllm/core/provider';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { readStructuredStream, toEventStreamResponse } from '../src/index.ts';
import { order, orderModel, serviceFor } from './support.ts';

/** A service whose model writes `chunks`, each one `tick()` after the previous. */
function tickingService(chunks: readonly string[], tick: () => void): StructuredLLMService {
  async function* parts(): AsyncGenerator<ProviderPart> {
    for (const delta of chunks) {
      tick();
      yield { type: 'text-delta', delta };
    }
    yield { type: 'finish', finishReason: 'stop' };
  }
  return new StructuredLLMService({
    providers: [
      {
        specificationVersion: 'v1',
        id: 'ticking',
        supports: () => ({ streaming: true, modes: ['json_schema'] }),
        doStream: async () => parts(),
        doGenerate: async () => ({ text: chunks.join(''), finishReason: 'stop' }),
      },
    ],
    defaultModel: 'ticking/m',
  });
}

afterEach(() => {
  vi.useRealTimers();
});

/** A compact answer (no indentation) of ~4 KB. */
const big = {
  ...order,
  items: Array.from({ length: 150 }, (_, i) => ({ sku: `SKU-${i}`, qty: i + 1 })),
};
const text = JSON.stringify(big);

interface Event {
  readonly id: string;
  readonly type: string;
  readonly data: string;
}

/** The events of a wire written by the server (it never writes CR). */
function eventsOf(wire: string): Event[] {
  return wire
    .split('\n\n')
    .filter((block) => block !== '' && !block.startsWith(':'))
    .map((block) => {
      let id = '';
      let type = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        const colon = line.indexOf(':');
        const name = line.slice(0, colon);
        const raw = line.slice(colon + 1);
        const value = raw.startsWith(' ') ? raw.slice(1) : raw;
        if (name === 'id') id = value;
        else if (name === 'event') type = value;
        else if (name === 'data') data.push(value);
      }
      return { id, type, data: data.join('\n') };
    });
}

/** The model text each `text` event carries. */
const texts = (events: Event[]): string[] =>
  events
    .filter((e) => e.type === 'message')
    .map((e) => e.data.slice(e.data.indexOf(' ', e.data.indexOf(' ') + 1) + 1));

/** Reads a response's body whole while fake timers run. */
async function wireOf(response: Response): Promise<string> {
  const body = response.text();
  await vi.runAllTimersAsync();
  return body;
}

describe('text is coalesced into events, by size or by time', () => {
  it('a model writing one 4-character chunk per millisecond: one event per 50 ms, ≤ 1.3× the raw text', async () => {
    vi.useFakeTimers();
    const { service } = serviceFor({ text, chunkSize: 4, delayMs: 1 });
    const response = toEventStreamResponse(
      service.routeStructuredStreaming({ prompt: 'o', responseModel: orderModel }),
      { heartbeatMs: 0 },
    );
    const wire = await wireOf(response);
    const events = eventsOf(wire);
    const sent = texts(events);
    expect(sent.join('')).toBe(text);
    // 50 ms of chunks a millisecond apart: about 50 chunks (200 characters) per event.
    for (const t of sent.slice(0, -1)) expect(t.length).toBeGreaterThanOrEqual(180);
    expect(sent.length).toBeLessThanOrEqual(Math.ceil(text.length / 180) + 1);
    expect(new TextEncoder().encode(wire).length / text.length).toBeLessThanOrEqual(1.3);
    // Every event has an id, in order without gaps.
    expect(events.map((e) => Number(e.id))).toEqual(events.map((_, i) => i));
    const stream = readStructuredStream(new Response(wire, { headers: response.headers }));
    expect(await stream.result).toEqual(big);
  });

  it('a fast model: events of maxEventChars, whatever the clock', async () => {
    vi.useFakeTimers();
    const { service } = serviceFor({ text, chunkSize: 4 });
    const wire = await wireOf(
      toEventStreamResponse(
        service.routeStructuredStreaming({ prompt: 'o', responseModel: orderModel }),
        { heartbeatMs: 0, maxEventChars: 512, now: () => 0 },
      ),
    );
    const sent = texts(eventsOf(wire));
    expect(sent.join('')).toBe(text);
    for (const t of sent.slice(0, -1)) expect(t.length).toBe(512);
  });

  it('text waits at most coalesceMs on the server clock, even when the timer runs late', async () => {
    vi.useFakeTimers();
    let now = 0;
    const chunks = text.match(/.{1,4}/gs) as string[];
    // The model writes a chunk every 10 ms of the server's clock; no timer fires meanwhile.
    const service = tickingService(chunks, () => {
      now += 10;
    });
    const request = service.routeStructuredStreaming({ prompt: 'o', responseModel: orderModel });
    const wire = await wireOf(
      toEventStreamResponse(request, { heartbeatMs: 0, coalesceMs: 50, now: () => now }),
    );
    const sent = texts(eventsOf(wire));
    expect(sent.join('')).toBe(text);
    // The chunk that finds the oldest waiting for 50 ms goes out with it: 6 chunks an event.
    for (const t of sent.slice(0, -1)) expect(t.length).toBe(24);
  });

  it('text a stalled model wrote goes out after coalesceMs', async () => {
    vi.useFakeTimers();
    const { service } = serviceFor({ text, chunkSize: 4, stallAfterChunks: 3 });
    const request = service.routeStructuredStreaming({ prompt: 'o', responseModel: orderModel });
    const response = toEventStreamResponse(request, { heartbeatMs: 0, coalesceMs: 50 });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let wire = '';
    const pump = (async () => {
      for (let r = await reader.read(); !r.done; r = await reader.read()) {
        wire += decoder.decode(r.value, { stream: true });
      }
    })();
    await vi.advanceTimersByTimeAsync(49);
    expect(texts(eventsOf(wire))).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(texts(eventsOf(wire))).toEqual([text.slice(0, 12)]);
    request.abort();
    await vi.runAllTimersAsync();
    await pump;
    expect(eventsOf(wire).at(-1)?.type).toBe('error');
  });

  it('refuses a negative coalesceMs and a maxEventChars below 1', () => {
    const { service } = serviceFor({ text });
    const request = () =>
      service.routeStructuredStreaming({ prompt: 'o', responseModel: orderModel });
    expect(() => toEventStreamResponse(request(), { coalesceMs: -1 })).toThrow(RangeError);
    expect(() => toEventStreamResponse(request(), { maxEventChars: 0 })).toThrow(RangeError);
  });
});
