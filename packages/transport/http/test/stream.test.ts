import type { StreamingResponse } from '@structllm/core';
import { jsonSchema, StructuredLLMError } from '@structllm/core';
import { afterEach, describe, expect, it } from 'vitest';
import { readStructuredStream, toEventStreamResponse, writeEventStream } from '../src/index.ts';
import { listen, type Order, order, orderModel, serviceFor } from './support.ts';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function collect<T>(stream: AsyncIterable<StreamingResponse<T>>) {
  const responses: StreamingResponse<T>[] = [];
  for await (const r of stream)
    responses.push({ ...r, partialResult: structuredClone(r.partialResult) });
  return responses;
}

describe('through a Response, in process', () => {
  it('rebuilds the partials and the validated result from the text', async () => {
    const { service } = serviceFor({ json: order, chunkSize: 5 });
    const response = toEventStreamResponse(
      service.routeStructuredStreaming({ prompt: 'order', responseModel: orderModel }),
    );
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(response.headers.get('cache-control')).toContain('no-transform');
    expect(response.headers.get('x-accel-buffering')).toBe('no');
    const stream = readStructuredStream<Order>(response, { responseModel: orderModel });
    const responses = await collect(stream);
    const last = responses.at(-1);
    expect(last).toMatchObject({ isComplete: true, error: undefined, progressPercent: 100 });
    expect(last?.partialResult).toEqual(order);
    expect(await stream.result).toEqual(order);
    for (const r of responses.slice(0, -1)) {
      expect(r.isComplete).toBe(false);
      expect(r.attempt).toBe(1);
      expect(r.model).toBe('mock/m');
    }
    // Every partial is a prefix of the final value: customer only grows.
    const customers = responses.map(
      (r) => (r.partialResult as Partial<Order> | undefined)?.customer,
    );
    for (const c of customers) if (c !== undefined) expect(order.customer.startsWith(c)).toBe(true);
    expect(stream.lastEventId).toBeGreaterThan(2);
  });

  it('a retry mid-stream starts the partials over with the new attempt', async () => {
    const { service } = serviceFor([
      { json: { ...order, customer: 'Wrong' }, chunkSize: 8, failAfterChunks: 10 },
      { json: order, chunkSize: 8 },
    ]);
    const stream = readStructuredStream<Order>(
      toEventStreamResponse(
        service.routeStructuredStreaming({ prompt: 'o', responseModel: orderModel }),
      ),
    );
    const responses = await collect(stream);
    const customer = (r: StreamingResponse<Order>) =>
      (r.partialResult as Partial<Order> | undefined)?.customer;
    expect(responses.some((r) => r.attempt === 1 && customer(r) === 'Wrong')).toBe(true);
    const second = responses.filter((r) => r.attempt === 2);
    expect(second.length).toBeGreaterThan(0);
    // Attempt 2's partials are rebuilt from its own text only.
    for (const r of second) expect(customer(r)).not.toBe('Wrong');
    expect(responses.at(-1)?.partialResult).toEqual(order);
    expect(await stream.result).toEqual(order);
  });

  it('a failed request ends with one response carrying the redacted error', async () => {
    const { service } = serviceFor({ error: { status: 401, message: 'bad key sk-secret-123' } });
    const stream = readStructuredStream(
      toEventStreamResponse(
        service.routeStructuredStreaming({ prompt: 'o', responseModel: orderModel }),
      ),
    );
    const responses = await collect(stream);
    const last = responses.at(-1);
    expect(last?.isComplete).toBe(true);
    expect(StructuredLLMError.is(last?.error)).toBe(true);
    expect(last?.error?.category).toBe('auth');
    expect(last?.error?.attempts.length).toBeGreaterThan(0);
    await expect(stream.result).rejects.toMatchObject({ category: 'auth' });
  });

  it('sends the value itself when validation changed it (defaults)', async () => {
    const { service } = serviceFor({ text: '{"id":1,"customer":"A","items":[]}' });
    const model = jsonSchema<{ id: number; customer: string; items: unknown[]; note: string }>({
      type: 'object',
      properties: {
        id: { type: 'integer' },
        customer: { type: 'string' },
        items: { type: 'array' },
        note: { type: 'string', default: 'none' },
      },
    });
    const stream = readStructuredStream(
      toEventStreamResponse(
        service.routeStructuredStreaming({ prompt: 'o', responseModel: model }),
      ),
    );
    const expected = await service.routeStructured({ prompt: 'o', responseModel: model });
    expect(await stream.result).toEqual(expected);
  });

  it('the client leaving aborts the request', async () => {
    const { service, provider } = serviceFor({ json: order, chunkSize: 4, stallAfterChunks: 3 });
    const request = service.routeStructuredStreaming({ prompt: 'o', responseModel: orderModel });
    const response = toEventStreamResponse(request, { heartbeatMs: 0 });
    const stream = readStructuredStream(response);
    for await (const r of stream) if (r.partialResult !== undefined) break;
    await expect(request.result).rejects.toMatchObject({ category: 'aborted' });
    await expect(stream.result).rejects.toMatchObject({ category: 'aborted' });
    expect(provider.inFlight).toBe(0);
  });
});

describe('through a real node:http server', { timeout: 30_000 }, () => {
  it('writeEventStream streams the request to fetch', async () => {
    const { service } = serviceFor({ json: order, chunkSize: 4 });
    const server = await listen((_req, res) =>
      writeEventStream(
        service.routeStructuredStreaming({ prompt: 'o', responseModel: orderModel }),
        res,
      ),
    );
    closers.push(server.close);
    const stream = readStructuredStream<Order>(server.url, { responseModel: orderModel });
    const responses = await collect(stream);
    expect(responses.at(-1)).toMatchObject({ isComplete: true, partialResult: order });
    expect(await stream.result).toEqual(order);
  });

  it('the client disconnecting aborts the request on the server', async () => {
    const { service, provider } = serviceFor({ json: order, chunkSize: 4, stallAfterChunks: 2 });
    let request: ReturnType<typeof service.routeStructuredStreaming<Order>> | undefined;
    const server = await listen((_req, res) => {
      request = service.routeStructuredStreaming({ prompt: 'o', responseModel: orderModel });
      return writeEventStream(request, res, { heartbeatMs: 0 });
    });
    closers.push(server.close);
    const stream = readStructuredStream<Order>(server.url);
    for await (const r of stream) if (r.partialResult !== undefined) break;
    await expect(request?.result).rejects.toMatchObject({ category: 'aborted' });
    await expect.poll(() => provider.inFlight, { timeout: 20_000 }).toBe(0);
  });
});
