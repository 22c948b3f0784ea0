import { type ChildProcess, spawn } from 'node:child_process';
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StructuredLLMService } from '@structllm/core';
import {
  readStructuredStream,
  StreamRuns,
  type StreamStore,
  writeEventStream,
} from '@structllm/http';
import { createMockProvider } from '@structllm/testing';
import { afterAll, afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import { createRedisStreamStore, type RedisStreamStore } from '../src/index.ts';
import { type Order, order, orderModel } from './fixtures/stream-order.ts';
import { useRedis } from './support.ts';

const here = dirname(fileURLToPath(import.meta.url));
const redisServer = useRedis();
let prefixes = 0;
/** A prefix no other test uses: each test sees only its own keys. */
const freshPrefix = (): string => `stream-test-${++prefixes}:`;

/** A text event as the http server stores it (protocol 2: the unnamed `message` event). */
const event = (id: number, data = `1 0 event ${id}`) => ({ id, type: 'message', data });

/**
 * The events of an event stream's text, as a Server-Sent Events reader sees them: `field:value`
 * lines (one optional space after the colon), a blank line ending each event, comments skipped,
 * `message` for an event with no `event:` line. A cut-off last event is left out.
 */
function wireEvents(text: string): { id: number; type: string; data: string }[] {
  const events: { id: number; type: string; data: string }[] = [];
  let fields = new Map<string, string[]>();
  for (const line of text.split(/\r\n|\r|\n/)) {
    if (line === '') {
      const data = fields.get('data');
      if (data !== undefined) {
        events.push({
          id: Number(fields.get('id')?.at(-1)),
          type: fields.get('event')?.at(-1) ?? 'message',
          data: data.join('\n'),
        });
      }
      fields = new Map();
      continue;
    }
    const colon = line.indexOf(':');
    if (colon === 0) continue;
    const name = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(line[colon + 1] === ' ' ? colon + 2 : colon + 1);
    fields.set(name, [...(fields.get(name) ?? []), value]);
  }
  return events;
}

/** Polls `read` until it answers `state` (a TTL passing on the Redis server's clock); a failing read is tried again. */
async function until(store: RedisStreamStore, runId: string, state: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const read = await store.read(runId, 0).catch(() => undefined);
    if (read?.state === state) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`run ${runId} never became ${state}`);
}

const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/** A `node:http` server on 127.0.0.1. */
async function listen(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ url: string; server: Server }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('createRedisStreamStore', () => {
  it('is the StreamStore of @structllm/http', async () => {
    const store = createRedisStreamStore(await redisServer.open());
    expectTypeOf(store).toExtend<StreamStore>();
    const runs = new StreamRuns({ store });
    expect(runs.running).toBe(0);
  });

  it('keeps a run’s events in order and reads those after an id, in every process', async () => {
    const prefix = freshPrefix();
    const writer = createRedisStreamStore(await redisServer.open(), { prefix });
    const reader = createRedisStreamStore(await redisServer.open(), { prefix });
    await writer.create('run-1');
    expect(await reader.read('run-1', 0)).toEqual({ state: 'running', events: [] });
    const data = ['{"a":', '"ünïcødé 🚀\nline"', '}', ''];
    for (const [i, text] of data.entries()) await writer.append('run-1', event(i + 1, text));
    expect(await reader.read('run-1', 0)).toEqual({
      state: 'running',
      events: data.map((text, i) => event(i + 1, text)),
    });
    expect(await reader.read('run-1', 2)).toEqual({
      state: 'running',
      events: [event(3, '}'), event(4, '')],
    });
    await writer.end('run-1');
    expect(await reader.read('run-1', 4)).toEqual({ state: 'ended', events: [] });
    // A repeated or older id is not stored twice.
    await writer.append('run-1', event(4, 'again'));
    expect((await reader.read('run-1', 3)) as unknown).toEqual({
      state: 'ended',
      events: [event(4, '')],
    });
  });

  it('answers unknown for a run never created, and stores nothing for it', async () => {
    const prefix = freshPrefix();
    const redis = await redisServer.open();
    const store = createRedisStreamStore(redis, { prefix });
    await store.append('nope', event(1));
    await store.end('nope');
    expect(await store.read('nope', 0)).toEqual({ state: 'unknown' });
    expect(await redis.keys(`${prefix}*`)).toEqual([]);
  });

  it('caps a run at maxLength events: memory stays bounded, a too-late reader gets expired', async () => {
    const prefix = freshPrefix();
    const redis = await redisServer.open();
    const store = createRedisStreamStore(redis, { prefix, maxLength: 5 });
    await store.create('long');
    for (let id = 1; id <= 200; id++) await store.append('long', event(id, 'x'.repeat(100)));
    expect(await redis.xlen(`${prefix}stream:{long}:events`)).toBe(5);
    // Events 1–195 are gone: a reader that has 195 gets the rest, one that has less is refused.
    expect(await store.read('long', 195)).toEqual({
      state: 'running',
      events: [196, 197, 198, 199, 200].map((id) => event(id, 'x'.repeat(100))),
    });
    expect(await store.read('long', 194)).toEqual({ state: 'expired' });
    expect(await store.read('long', 0)).toEqual({ state: 'expired' });
  });

  it('an event whose write was lost leaves no hole: a reader from before it gets expired', async () => {
    const store = createRedisStreamStore(await redisServer.open(), { prefix: freshPrefix() });
    await store.create('holed');
    for (const id of [1, 2, 4, 5]) await store.append('holed', event(id));
    expect(await store.read('holed', 0)).toEqual({ state: 'expired' });
    expect(await store.read('holed', 2)).toEqual({ state: 'expired' });
    expect(await store.read('holed', 3)).toEqual({
      state: 'running',
      events: [event(4), event(5)],
    });
  });

  it('expires a run ttlSeconds after its last write; it is then known as expired, later unknown', async () => {
    const prefix = freshPrefix();
    const redis = await redisServer.open();
    const store = createRedisStreamStore(redis, {
      prefix,
      ttlSeconds: 0.2,
      expiredKnownSeconds: 0.4,
    });
    await store.create('short');
    await store.append('short', event(1));
    await until(store, 'short', 'expired');
    // Writes to an expired run are dropped, and never bring it back.
    await store.append('short', event(2));
    expect(await store.read('short', 0)).toEqual({ state: 'expired' });
    expect(await redis.exists(`${prefix}stream:{short}:events`)).toBe(0);
    await until(store, 'short', 'unknown');
    expect(await redis.keys(`${prefix}*`)).toEqual([]);
  });

  it('refuses bad options and bad ids with clear errors', async () => {
    const redis = await redisServer.open();
    for (const options of [
      { maxLength: 0 },
      { maxLength: 2.5 },
      { ttlSeconds: -1 },
      { ttlSeconds: Number.NaN },
      { expiredKnownSeconds: 0 },
      { timeoutMs: 0 },
    ]) {
      expect(() => createRedisStreamStore(redis, options)).toThrow(
        expect.objectContaining({ category: 'bad_request', code: 'invalid_options' }),
      );
    }
    const store = createRedisStreamStore(redis, { prefix: freshPrefix() });
    await expect(store.append('r', event(0))).rejects.toMatchObject({
      category: 'bad_request',
      code: 'invalid_event_id',
      message: expect.stringContaining('≥ 1, got 0'),
    });
    await expect(store.read('r', 1.5)).rejects.toMatchObject({
      category: 'bad_request',
      code: 'invalid_event_id',
      message: expect.stringContaining('≥ 0, got 1.5'),
    });
  });

  it('fails within timeoutMs when Redis does not answer', async () => {
    const redis = await redisServer.open();
    const store = createRedisStreamStore(redis, { prefix: freshPrefix(), timeoutMs: 50 });
    await store.create('slow');
    const blocker = await redisServer.open();
    // The server holds every client's commands for 1 s.
    await blocker.call('CLIENT', 'PAUSE', '1000', 'ALL');
    await expect(store.read('slow', 0)).rejects.toThrow(/did not answer within 50 ms/);
    // Once it answers again the store works.
    await until(store, 'slow', 'running');
  });
});

describe('StreamRuns on a Redis stream store', () => {
  async function resumeServer(store: RedisStreamStore): Promise<string> {
    const runs = new StreamRuns({ store });
    const { url } = await listen((req, res) => {
      void runs.writeResume((req.url ?? '').slice('/runs/'.length), req, res, { heartbeatMs: 0 });
    });
    return url;
  }

  it('404 for an unknown run, 410 once its events expired', async () => {
    const prefix = freshPrefix();
    const store = createRedisStreamStore(await redisServer.open(), { prefix, ttlSeconds: 0.3 });
    const provider = createMockProvider({ responses: [{ json: order, chunkSize: 16 }] });
    const service = new StructuredLLMService({ providers: [provider], defaultModel: 'mock/m' });
    const runs = new StreamRuns({ store });
    const { url: generate } = await listen((_req, res) => {
      const stream = service.routeStructuredStreaming({ prompt: 'o', responseModel: orderModel });
      void writeEventStream(stream, res, { runs, heartbeatMs: 0 });
    });
    const first = readStructuredStream<Order>(generate, { responseModel: orderModel });
    expect(await first.result).toEqual(order);
    const runId = first.runId as string;
    // Another server with its own connection replays the ended run while it is kept.
    const other = await resumeServer(
      createRedisStreamStore(await redisServer.open(), { prefix, ttlSeconds: 0.3 }),
    );
    expect(await readStructuredStream<Order>(`${other}/runs/${runId}`).result).toEqual(order);
    const unknown = await fetch(`${other}/runs/no-such-run`);
    expect(unknown.status).toBe(404);
    await unknown.body?.cancel();
    await until(store, runId, 'expired');
    const gone = await fetch(`${other}/runs/${runId}`);
    expect(gone.status).toBe(410);
    await gone.body?.cancel();
    await expect(readStructuredStream(`${other}/runs/${runId}`).result).rejects.toMatchObject({
      code: 'run_expired',
      status: 410,
    });
  });

  it('a client that resumes too late for the length cap gets 410, not a hole', async () => {
    const prefix = freshPrefix();
    const store = createRedisStreamStore(await redisServer.open(), { prefix, maxLength: 3 });
    await store.create('capped');
    for (let id = 1; id <= 10; id++) await store.append('capped', event(id));
    const url = await resumeServer(store);
    const late = await fetch(`${url}/runs/capped`, { headers: { 'last-event-id': '4' } });
    expect(late.status).toBe(410);
    await late.body?.cancel();
    const recent = await fetch(`${url}/runs/capped`, { headers: { 'last-event-id': '7' } });
    expect(recent.status).toBe(200);
    // `open` (whose id is the last event the client has), then the stored events 8–10 as stored.
    expect(wireEvents(await recent.text())).toEqual([
      { id: 7, type: 'open', data: expect.stringContaining('"v":2') },
      event(8),
      event(9),
      event(10),
    ]);
  });
});

/** The end of the third event after `open` in an event stream's text, or -1. */
function afterThirdEvent(text: string): number {
  let seen = 0;
  let at = 0;
  while (true) {
    const end = text.indexOf('\n\n', at);
    if (end < 0) return -1;
    if (wireEvents(text.slice(at, end + 2))[0]?.type !== 'open') seen++;
    at = end + 2;
    if (seen === 3) return at;
  }
}

describe('resuming a run in another process', () => {
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  });

  /** The application server in a child process, with its own Redis connection. */
  async function serverProcess(prefix: string): Promise<string> {
    const child = spawn(
      process.execPath,
      [
        '--conditions=@structllm/source',
        join(here, 'fixtures', 'stream-server.ts'),
        redisServer.url(),
        prefix,
        '3',
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    children.push(child);
    const line = await new Promise<string>((resolve, reject) => {
      let buffer = '';
      child.stdout?.on('data', (data: Buffer) => {
        buffer += data.toString('utf8');
        const newline = buffer.indexOf('\n');
        if (newline >= 0) resolve(buffer.slice(0, newline));
      });
      child.once('exit', (code) => reject(new Error(`server exited (${code})`)));
    });
    return `http://127.0.0.1:${(JSON.parse(line) as { port: number }).port}`;
  }

  it('a client cut off from process A resumes through process B: no gap, no duplicate', async () => {
    const prefix = freshPrefix();
    const processA = await serverProcess(prefix);
    // Process B: this process, its own StreamRuns and its own ioredis connection.
    const runsB = new StreamRuns({
      store: createRedisStreamStore(await redisServer.open(), { prefix }),
    });
    const { url: processB } = await listen((req, res) => {
      void runsB.writeResume((req.url ?? '').slice('/runs/'.length), req, res, {
        heartbeatMs: 0,
      });
    });

    // The load balancer: new runs go to A, resumes to B. It records what each client
    // connection received, and cuts the first one after three events.
    const received: string[] = [];
    const routed: string[] = [];
    let cut = false;
    const { url: balancer } = await listen((req, res) => {
      const path = req.url ?? '/';
      const backend = path.startsWith('/runs/') ? processB : processA;
      routed.push(backend === processA ? 'A' : 'B');
      const index = received.push('') - 1;
      const upstream = httpRequest(
        `${backend}${path}`,
        { method: req.method, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.on('data', (chunk: Buffer) => {
            const sent = received[index] as string;
            const text = sent + chunk.toString('utf8');
            const cutAt = cut || backend !== processA ? -1 : afterThirdEvent(text);
            if (cutAt < 0) {
              received[index] = text;
              res.write(chunk);
              return;
            }
            // The connection between the client and A drops right after the third event.
            cut = true;
            received[index] = text.slice(0, cutAt);
            res.end(text.slice(sent.length, cutAt));
            upstream.destroy();
          });
          answer.on('end', () => res.end());
        },
      );
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
    });

    const stream = readStructuredStream<Order>(`${balancer}/generate`, {
      responseModel: orderModel,
      reconnect: { attempts: 200, delayMs: 10 },
    });
    const texts: string[] = [];
    for await (const response of stream) texts.push(...(response.rawChunks ?? []));

    expect(await stream.result).toEqual(order);
    expect(cut).toBe(true);
    expect(routed[0]).toBe('A');
    expect(routed.slice(1).length).toBeGreaterThan(0);
    expect(routed.slice(1).every((backend) => backend === 'B')).toBe(true);
    // Every character of the model's text arrived once, in order.
    expect(texts.join('')).toBe(JSON.stringify(order, null, 2));
    // On the wire: across all connections, every event id exactly once, in order.
    const events = received.flatMap((text) => wireEvents(text).filter((e) => e.type !== 'open'));
    const ids = events.map((e) => e.id);
    expect(ids).toEqual(Array.from({ length: ids.length }, (_, i) => i + 1));
    expect(ids.length).toBeGreaterThan(3);
    // The cut came in the middle of the model's text: text events on both sides of it.
    const firstConnection = wireEvents(received[0] as string).filter((e) => e.type !== 'open');
    expect(firstConnection.map((e) => e.type)).toEqual(['attempt', 'message', 'message']);
    expect(events.at(-1)?.type).toBe('result');
  });
});
