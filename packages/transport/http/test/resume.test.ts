import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  MemoryStreamStore,
  readStructuredStream,
  StreamRuns,
  toEventStreamResponse,
  writeEventStream,
} from '../src/index.ts';
import { listen, type Order, order, orderModel, serviceFor } from './support.ts';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const close of closers.splice(0)) await close();
});

describe('resume', { timeout: 30_000 }, () => {
  it('a connection killed mid-stream is re-attached with Last-Event-ID: no gap, no duplicate', async () => {
    // The model writes slowly enough for the connection to be cut in the middle.
    const { service } = serviceFor({ json: order, chunkSize: 4, delayMs: 2 });
    const runs = new StreamRuns({ resumeUrl: (id) => `/runs/${id}` });
    let killed = false;
    const server = await listen(async (req, res) => {
      const url = req.url ?? '';
      if (url.startsWith('/runs/')) return runs.writeResume(url.slice(6), req, res);
      const request = service.routeStructuredStreaming({ prompt: 'o', responseModel: orderModel });
      void writeEventStream(request, res, { runs });
    });
    closers.push(server.close);
    const stream = readStructuredStream<Order>(`${server.url}/generate`, {
      responseModel: orderModel,
      reconnect: { attempts: 5, delayMs: 0 },
    });
    const texts: string[] = [];
    for await (const r of stream) {
      texts.push(...(r.rawChunks ?? []));
      if (!killed && r.partialResult !== undefined && stream.lastEventId >= 3) {
        killed = true;
        server.server.closeAllConnections(); // the network drops
      }
    }
    expect(killed).toBe(true);
    expect(await stream.result).toEqual(order);
    // Every character of the model's text arrived exactly once, in order.
    expect(texts.join('')).toBe(JSON.stringify(order, null, 2));
    expect(stream.runId).toBeDefined();
  });

  it('a page reload re-attaches to a running request by its id, from the start', async () => {
    const { service } = serviceFor({ json: order, chunkSize: 4, delayMs: 1 });
    const runs = new StreamRuns({ resumeUrl: (id) => `/runs/${id}` });
    const server = await listen(async (req, res) => {
      const url = req.url ?? '';
      if (url.startsWith('/runs/')) return runs.writeResume(url.slice(6), req, res);
      void writeEventStream(
        service.routeStructuredStreaming({ prompt: 'o', responseModel: orderModel }),
        res,
        { runs },
      );
    });
    closers.push(server.close);
    const first = readStructuredStream<Order>(`${server.url}/generate`);
    let resume: string | undefined;
    for await (const r of first) {
      if (r.partialResult !== undefined && first.resumeUrl !== undefined) {
        resume = first.resumeUrl;
        break; // the page goes away; the run goes on (detached)
      }
    }
    expect(resume).toBeDefined();
    const reloaded = readStructuredStream<Order>(`${server.url}${resume}`);
    const texts: string[] = [];
    for await (const r of reloaded) texts.push(...(r.rawChunks ?? []));
    expect(await reloaded.result).toEqual(order);
    expect(texts.join('')).toBe(JSON.stringify(order, null, 2));
  });

  it('404 for an unknown run, 410 for an expired one', async () => {
    let now = 0;
    const store = new MemoryStreamStore({ ttlMs: 1000, now: () => now });
    const runs = new StreamRuns({ store });
    const { service } = serviceFor({ json: order });
    const server = await listen(async (req, res) => {
      const url = req.url ?? '';
      if (url.startsWith('/runs/')) return runs.writeResume(url.slice(6), req, res);
      await writeEventStream(
        service.routeStructuredStreaming({ prompt: 'o', responseModel: orderModel }),
        res,
        { runs },
      );
    });
    closers.push(server.close);
    const done = readStructuredStream<Order>(server.url);
    for await (const _ of done) {
      // read to the end
    }
    expect(await done.result).toEqual(order);
    const id = done.runId as string;
    // Replay of an ended run, while it is kept.
    const replay = readStructuredStream<Order>(`${server.url}/runs/${id}`);
    expect(await replay.result).toEqual(order);
    const unknown = await fetch(`${server.url}/runs/nope`);
    expect(unknown.status).toBe(404);
    await unknown.body?.cancel();
    now = 5000;
    const expired = await fetch(`${server.url}/runs/${id}`);
    expect(expired.status).toBe(410);
    await expired.body?.cancel();
    const client = readStructuredStream(`${server.url}/runs/${id}`);
    await expect(client.result).rejects.toMatchObject({ code: 'run_expired', status: 410 });
  });

  it('a detached run is aborted once no client came back within detachedTtlMs', async () => {
    vi.useFakeTimers();
    const { service, provider } = serviceFor({ json: order, chunkSize: 4, stallAfterChunks: 3 });
    const runs = new StreamRuns({ detachedTtlMs: 10_000 });
    const request = service.routeStructuredStreaming({ prompt: 'o', responseModel: orderModel });
    const response = toEventStreamResponse(request, { runs, heartbeatMs: 0 });
    await response.body?.cancel(); // the client leaves at once
    await vi.advanceTimersByTimeAsync(9_000);
    expect(request.status).not.toBe('aborted');
    await vi.advanceTimersByTimeAsync(1_000);
    await expect(request.result).rejects.toMatchObject({ category: 'aborted' });
    expect(provider.inFlight).toBe(0);
  });
});
