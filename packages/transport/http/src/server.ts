import type { StructuredStream } from '@structllm/core';
import {
  EVENT,
  encodeEvent,
  PROTOCOL_HEADER,
  PROTOCOL_VERSION,
  type WireEvent,
} from './protocol.ts';
import { Run, type RunOptions } from './run.ts';
import { MemoryStreamStore, type StreamStore } from './store.ts';

export interface EventStreamOptions extends RunOptions {
  /** A comment line is sent after this long without an event, so idle connections survive proxies. Default 15,000; 0: none. */
  readonly heartbeatMs?: number;
  /** Extra response headers (CORS…). */
  readonly headers?: Readonly<Record<string, string>>;
  /** The incoming request's signal: its abort counts as the client leaving. */
  readonly signal?: AbortSignal;
  /**
   * Makes the run resumable: kept in these runs' store, it goes on while no
   * client is attached (for their `detachedTtlMs`) and a client can re-attach
   * with `Last-Event-ID`. Without it, the client leaving aborts the request.
   */
  readonly runs?: StreamRuns;
}

/** The part of `node:http`'s `ServerResponse` (or Express's response) used here. */
export interface NodeResponseLike {
  writeHead(status: number, headers: Record<string, string>): unknown;
  write(chunk: string): boolean;
  end(chunk?: string): unknown;
  on(event: 'close', listener: () => void): unknown;
  readonly writableEnded: boolean;
  flushHeaders?(): void;
}

/** The part of `node:http`'s `IncomingMessage` used here. */
export interface NodeRequestLike {
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
}

interface Sink {
  write(text: string): void;
  close(): void;
}

const DEFAULT_HEARTBEAT_MS = 15_000;
const encoder = new TextEncoder();

function streamHeaders(
  runId: string | undefined,
  extra: Readonly<Record<string, string>> | undefined,
): Record<string, string> {
  return {
    ...extra,
    'content-type': 'text/event-stream; charset=utf-8',
    // Proxies and CDNs must neither cache, compress nor buffer the stream.
    'cache-control': 'no-cache, no-transform',
    'x-accel-buffering': 'no',
    [PROTOCOL_HEADER]: String(PROTOCOL_VERSION),
    ...(runId === undefined ? {} : { 'x-structllm-run': runId }),
  };
}

/** Sends a run's events to one client from after `afterId`, then live ones; returns the detach. */
async function attach(
  run: Run | undefined,
  runId: string | undefined,
  resumeUrl: string | undefined,
  store: StreamStore | undefined,
  afterId: number,
  sink: Sink,
  heartbeatMs: number,
): Promise<() => void> {
  let closed = false;
  let last = afterId;
  let heartbeat: ReturnType<typeof setInterval> | undefined;
  let beat = false; // an event went out since the last heartbeat tick
  const close = (): void => {
    if (closed) return;
    closed = true;
    if (heartbeat !== undefined) clearInterval(heartbeat);
    unlisten?.();
    sink.close();
  };
  const send = (event: WireEvent): void => {
    if (closed || event.id <= last) return;
    last = event.id;
    beat = true;
    sink.write(encodeEvent(event));
    if (event.type === EVENT.result || event.type === EVENT.error) close();
  };
  sink.write(
    encodeEvent({
      id: afterId,
      type: EVENT.open,
      data: JSON.stringify({
        v: PROTOCOL_VERSION,
        run: runId ?? null,
        ...(resumeUrl === undefined ? {} : { resume: resumeUrl }),
      }),
    }),
  );
  if (heartbeatMs > 0) {
    heartbeat = setInterval(() => {
      if (!beat) sink.write(': keep-alive\n\n');
      beat = false;
    }, heartbeatMs);
  }
  // Live events wait while the stored ones are replayed; ids drop duplicates.
  let replaying = store !== undefined;
  const waiting: WireEvent[] = [];
  let unlisten: (() => void) | undefined = run?.listen((event) => {
    if (replaying) waiting.push(event);
    else send(event);
  });
  if (store !== undefined && runId !== undefined) {
    try {
      const read = await store.read(runId, afterId);
      if (read.state === 'running' || read.state === 'ended')
        for (const event of read.events) send(event);
    } catch {
      // an unreachable store: the live events still flow
    }
    replaying = false;
    for (const event of waiting) send(event);
  }
  // Nothing more will come: a finished run, or one running in another process (the client polls back).
  if (run === undefined || (run.finished && last >= run.lastId)) close();
  return () => {
    unlisten?.();
    unlisten = undefined;
    close();
  };
}

/** A `text/event-stream` body that calls `onCancel` when the client goes away. */
function responseBody(onCancel: () => void): { body: ReadableStream<Uint8Array>; sink: Sink } {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let open = true;
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
    },
    cancel() {
      open = false;
      onCancel();
    },
  });
  const sink: Sink = {
    write(text) {
      if (open) controller.enqueue(encoder.encode(text));
    },
    close() {
      if (!open) return;
      open = false;
      controller.close();
    },
  };
  return { body, sink };
}

function nodeSink(res: NodeResponseLike): Sink {
  return {
    write(text) {
      if (!res.writableEnded) res.write(text);
    },
    close() {
      if (!res.writableEnded) res.end();
    },
  };
}

/** Streams the request to a client as Server-Sent Events: a `Response` for fetch-style servers. */
export function toEventStreamResponse<T>(
  stream: StructuredStream<T>,
  options: EventStreamOptions = {},
): Response {
  let leave: () => void = () => undefined;
  const { body, sink } = responseBody(() => leave());
  const runs = options.runs;
  const run =
    runs === undefined ? new Run('', stream, undefined, options) : runs.start(stream, options);
  leave = connect(run, runs, sink, options, 0);
  return new Response(body, {
    status: 200,
    headers: streamHeaders(runs === undefined ? undefined : run.id, options.headers),
  });
}

/** Streams the request to a client of `node:http` (or Express) as Server-Sent Events. */
export function writeEventStream<T>(
  stream: StructuredStream<T>,
  res: NodeResponseLike,
  options: EventStreamOptions = {},
): Promise<void> {
  const runs = options.runs;
  const run =
    runs === undefined ? new Run('', stream, undefined, options) : runs.start(stream, options);
  res.writeHead(200, {
    ...streamHeaders(runs === undefined ? undefined : run.id, options.headers),
    connection: 'keep-alive',
  });
  res.flushHeaders?.();
  const leave = connect(run, runs, nodeSink(res), options, 0);
  res.on('close', leave);
  return run.start();
}

/** Attaches a connection to a run just made; returns what to do when the client leaves. */
function connect(
  run: Run,
  runs: StreamRuns | undefined,
  sink: Sink,
  options: EventStreamOptions,
  afterId: number,
): () => void {
  const heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
  if (runs === undefined) {
    let detach: (() => void) | undefined;
    let left = false;
    const leave = (): void => {
      if (left) return;
      left = true;
      detach?.();
      if (!run.finished) run.abort();
    };
    void attach(run, undefined, undefined, undefined, afterId, sink, heartbeatMs).then((d) => {
      detach = d;
      if (left) d();
    });
    options.signal?.addEventListener('abort', leave, { once: true });
    void run.start();
    return leave;
  }
  return runs.connect(run.id, sink, afterId, heartbeatMs, options.signal);
}

export interface StreamRunsOptions {
  /** Where events are kept for replay. Default: a {@link MemoryStreamStore} with its defaults. */
  readonly store?: StreamStore;
  /** How long a run goes on with no client attached before it is aborted. Default 60,000. */
  readonly detachedTtlMs?: number;
  /** The URL a client re-attaches to a run with (sent in the `open` event). */
  readonly resumeUrl?: (runId: string) => string;
  /** Run ids (tests inject). Default `crypto.randomUUID()`. */
  readonly generateId?: () => string;
}

interface LiveRun {
  readonly run: Run;
  connections: number;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/** What a resume request asks for, read from its headers. */
function lastEventIdOf(value: string | null | undefined): number | undefined {
  if (value === null || value === undefined || value === '') return 0;
  const id = Number(value);
  return Number.isSafeInteger(id) && id >= 0 ? id : undefined;
}

function problem(status: number, message: string): Response {
  return new Response(JSON.stringify({ error: message }), {
    status,
    headers: { 'content-type': 'application/json' },
  });
}

/**
 * The resumable runs of one server process: each run's events go to a
 * {@link StreamStore}, the run goes on while its client is away, and
 * `resumeResponse` / `writeResume` re-attach a client from its `Last-Event-ID`.
 */
export class StreamRuns {
  readonly #store: StreamStore;
  readonly #ttlMs: number;
  readonly #resumeUrl: ((runId: string) => string) | undefined;
  readonly #generateId: () => string;
  readonly #live = new Map<string, LiveRun>();

  constructor(options: StreamRunsOptions = {}) {
    this.#store = options.store ?? new MemoryStreamStore();
    this.#ttlMs = options.detachedTtlMs ?? 60_000;
    if (!(this.#ttlMs > 0)) throw new RangeError('StreamRuns: detachedTtlMs must be > 0');
    this.#resumeUrl = options.resumeUrl;
    this.#generateId = options.generateId ?? (() => crypto.randomUUID());
  }

  /** Runs going on in this process. */
  get running(): number {
    return this.#live.size;
  }

  /** @internal Registers and starts a run. */
  start<T>(stream: StructuredStream<T>, options: RunOptions): Run {
    const id = this.#generateId();
    const run = new Run(id, stream as StructuredStream<unknown>, this.#store, options);
    const live: LiveRun = { run, connections: 0, timer: undefined };
    this.#live.set(id, live);
    void (async () => {
      try {
        await this.#store.create(id);
      } catch {
        // the run goes on; only resumption is lost
      }
      await run.start();
      if (live.timer !== undefined) clearTimeout(live.timer);
      this.#live.delete(id);
    })();
    return run;
  }

  /** @internal Attaches a connection; returns what to do when it goes away. */
  connect(
    runId: string,
    sink: Sink,
    afterId: number,
    heartbeatMs: number,
    signal: AbortSignal | undefined,
  ): () => void {
    const live = this.#live.get(runId);
    if (live !== undefined) {
      live.connections++;
      if (live.timer !== undefined) {
        clearTimeout(live.timer);
        live.timer = undefined;
      }
    }
    let detach: (() => void) | undefined;
    let left = false;
    const leave = (): void => {
      if (left) return;
      left = true;
      detach?.();
      if (live === undefined) return;
      live.connections--;
      if (live.connections === 0 && !live.run.finished && live.timer === undefined) {
        live.timer = setTimeout(() => live.run.abort(), this.#ttlMs);
      }
    };
    void attach(
      live?.run,
      runId,
      this.#resumeUrl?.(runId),
      this.#store,
      afterId,
      sink,
      heartbeatMs,
    ).then((d) => {
      detach = d;
      if (left) d();
    });
    signal?.addEventListener('abort', leave, { once: true });
    return leave;
  }

  /** 404 for a run never known, 410 for one no longer kept, else undefined. */
  async #check(runId: string, afterId: number): Promise<Response | undefined> {
    if (this.#live.has(runId)) return undefined;
    const read = await this.#store.read(runId, afterId);
    if (read.state === 'unknown') return problem(404, 'Unknown run');
    if (read.state === 'expired') return problem(410, 'This run has expired');
    return undefined;
  }

  /**
   * Re-attaches a client (fetch-style server) to run `runId` from the request's
   * `Last-Event-ID` (none: from the start). 404 for an unknown run, 410 for an
   * expired one, 400 for a malformed `Last-Event-ID`.
   */
  async resumeResponse(
    runId: string,
    request: Request,
    options: Omit<EventStreamOptions, 'runs' | 'signal'> = {},
  ): Promise<Response> {
    const afterId = lastEventIdOf(request.headers.get('last-event-id'));
    if (afterId === undefined) return problem(400, 'Malformed Last-Event-ID');
    const refused = await this.#check(runId, afterId);
    if (refused !== undefined) return refused;
    let leave: () => void = () => undefined;
    const { body, sink } = responseBody(() => leave());
    leave = this.connect(
      runId,
      sink,
      afterId,
      options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS,
      request.signal,
    );
    return new Response(body, { status: 200, headers: streamHeaders(runId, options.headers) });
  }

  /** {@link resumeResponse} for `node:http` and Express. */
  async writeResume(
    runId: string,
    req: NodeRequestLike,
    res: NodeResponseLike,
    options: Omit<EventStreamOptions, 'runs' | 'signal'> = {},
  ): Promise<void> {
    const header = req.headers['last-event-id'];
    const afterId = lastEventIdOf(typeof header === 'string' ? header : undefined);
    const refused =
      afterId === undefined
        ? problem(400, 'Malformed Last-Event-ID')
        : await this.#check(runId, afterId);
    if (refused !== undefined || afterId === undefined) {
      const answer = refused ?? problem(400, 'Malformed Last-Event-ID');
      res.writeHead(answer.status, { 'content-type': 'application/json' });
      res.end(await answer.text());
      return;
    }
    res.writeHead(200, { ...streamHeaders(runId, options.headers), connection: 'keep-alive' });
    res.flushHeaders?.();
    const leave = this.connect(
      runId,
      nodeSink(res),
      afterId,
      options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS,
      undefined,
    );
    res.on('close', leave);
  }
}
