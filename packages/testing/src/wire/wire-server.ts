import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createAnthropicWriter } from './anthropic-writer.ts';
import { piecesFor } from './chunking.ts';
import { readWireFixture } from './fixtures.ts';
import {
  type DialectWriter,
  resolveGeneration,
  type StreamEnding,
  streamEvents,
} from './generation.ts';
import { createOpenAIWriter } from './openai-writer.ts';
import { type ParsedRequest, parseRequest } from './recorded-request.ts';
import { splitEvents } from './sse.ts';
import type {
  ErrorScript,
  GenerateScript,
  NotCompletionScript,
  RecordedRequest,
  ReplayScript,
  WireDialect,
  WireScript,
  WireScriptFactory,
  WireServer,
  WireServerOptions,
  WriteChunking,
} from './types.ts';

// Real timers, captured at load: a test that fakes timers must not freeze the server.
const realSetTimeout = globalThis.setTimeout;
const realClearTimeout = globalThis.clearTimeout;
const realSetImmediate = globalThis.setImmediate;

const BASE_PATH: Record<WireDialect, string> = {
  openai: '/v1',
  anthropic: '',
  openrouter: '/api/v1',
};
const ENDPOINT: Record<WireDialect, string> = {
  openai: '/chat/completions',
  anthropic: '/messages',
  openrouter: '/chat/completions',
};

/** One response being written: knows when its client is gone and wakes every wait then. */
class ResponseRun {
  closed = false;
  /** Set when the server itself drops the connection (a scripted reset, or close()). */
  droppedByServer = false;
  private readonly wakers = new Set<() => void>();
  readonly res: ServerResponse;

  constructor(res: ServerResponse) {
    this.res = res;
  }

  /** Drops the connection on purpose. */
  drop(): void {
    this.droppedByServer = true;
    this.res.socket?.destroy();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const wake of this.wakers) wake();
    this.wakers.clear();
  }

  /** Waits `ms` real milliseconds, or a turn of the event loop; ends early when the response closes. */
  pause(ms: number): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = (): void => {
        this.wakers.delete(wake);
        if (timer !== undefined) realClearTimeout(timer);
        resolve();
      };
      this.wakers.add(wake);
      const timer = ms > 0 ? realSetTimeout(wake, ms) : undefined;
      if (ms <= 0) realSetImmediate(wake);
    });
  }

  /** Waits until the client disconnects or the server closes. */
  untilClosed(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => this.wakers.add(resolve));
  }

  /** Writes one piece and waits for the socket to take it. */
  write(piece: Buffer): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.res.write(piece)) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        this.wakers.delete(done);
        this.res.off('drain', done);
        resolve();
      };
      this.wakers.add(done);
      this.res.once('drain', done);
    });
  }
}

function writerFor(dialect: WireDialect): DialectWriter {
  return dialect === 'anthropic'
    ? createAnthropicWriter()
    : createOpenAIWriter({ openrouter: dialect === 'openrouter' });
}

/** What a `not-completion` script answers by default: a captive portal's sign-in page. */
export const CAPTIVE_PORTAL_PAGE = `<!DOCTYPE html>
<html>
<head><title>Sign in to the network</title></head>
<body>
<h1>Welcome</h1>
<p>Please accept the terms of use to continue to the internet.</p>
<form method="post" action="/login"><button type="submit">Accept</button></form>
</body>
</html>
`;

/** The default script: a 500 saying no script was queued for the request. */
export function noScript(): ErrorScript {
  return {
    kind: 'error',
    status: 500,
    message:
      'fake wire server: no script for this request (call server.enqueue(...) or server.setDefault(...))',
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    // A client that gives up while sending: answer nothing.
    req.on('error', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

/**
 * Starts a fake provider API on 127.0.0.1 (ephemeral port). It answers each
 * request with the next queued {@link WireScript} (or the default one) and
 * records every request.
 */
export async function startWireServer(options: WireServerOptions): Promise<WireServer> {
  const dialect = options.dialect;
  const writer = writerFor(dialect);
  const requests: RecordedRequest[] = [];
  const queue: WireScript[] = [...(options.scripts ?? [])];
  let fallback: WireScript | WireScriptFactory = options.defaultScript ?? noScript();
  const runs = new Set<ResponseRun>();
  const sockets = new Set<Socket>();
  let sequence = 0;

  const nextScript = (request: RecordedRequest): WireScript => {
    const queued = queue.shift();
    if (queued !== undefined) return queued;
    return typeof fallback === 'function' ? fallback(request) : fallback;
  };

  async function sendError(
    run: ResponseRun,
    script: ErrorScript,
    requestId: string,
  ): Promise<void> {
    if (script.headersDelayMs !== undefined && script.headersDelayMs > 0) {
      await run.pause(script.headersDelayMs);
    }
    if (run.closed) return;
    const body = Buffer.from(
      JSON.stringify(
        writer.errorBody(script.status, script.message, script.type, script.code, script.fields),
      ),
      'utf8',
    );
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'content-length': String(body.length),
      [writer.requestIdHeader]: requestId,
      ...(script.retryAfter === undefined ? {} : { 'retry-after': String(script.retryAfter) }),
      ...(script.retryAfterMs === undefined
        ? {}
        : { 'retry-after-ms': String(script.retryAfterMs) }),
      ...script.headers,
    };
    run.res.writeHead(script.status, headers);
    run.res.end(body);
  }

  async function sendStream(
    run: ResponseRun,
    events: readonly Buffer[],
    ending: StreamEnding,
    timing: {
      chunking?: WriteChunking;
      delayMs?: number;
      headers?: Readonly<Record<string, string>>;
    },
    requestId: string,
  ): Promise<void> {
    if (run.closed) return;
    run.res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      [writer.requestIdHeader]: requestId,
      ...timing.headers,
    });
    run.res.flushHeaders();
    const pieces = piecesFor(events, timing.chunking);
    for (const piece of pieces) {
      if (run.closed) return;
      await run.write(piece);
      // Give the client a chance to see each piece on its own.
      await run.pause(timing.delayMs ?? 0);
    }
    if (run.closed) return;
    if (ending === 'stall') await run.untilClosed();
    else if (ending === 'reset') run.drop();
    else run.res.end();
  }

  async function sendJson(
    run: ResponseRun,
    body: unknown,
    ending: StreamEnding,
    requestId: string,
    headers?: Readonly<Record<string, string>>,
  ): Promise<void> {
    if (run.closed) return;
    const bytes = Buffer.from(JSON.stringify(body), 'utf8');
    run.res.writeHead(200, {
      'content-type': 'application/json',
      'content-length': String(bytes.length),
      [writer.requestIdHeader]: requestId,
      ...headers,
    });
    if (ending === 'end') {
      run.res.end(bytes);
      return;
    }
    // A body cut short: half of it, then silence or a dropped connection.
    await run.write(bytes.subarray(0, Math.floor(bytes.length / 2)));
    if (ending === 'stall') await run.untilClosed();
    else run.drop();
  }

  function sendNotCompletion(
    run: ResponseRun,
    script: NotCompletionScript,
    requestId: string,
  ): void {
    if (run.closed) return;
    const body = Buffer.from(script.body ?? CAPTIVE_PORTAL_PAGE, 'utf8');
    run.res.writeHead(script.status ?? 200, {
      'content-type': script.contentType ?? 'text/html; charset=utf-8',
      'content-length': String(body.length),
      [writer.requestIdHeader]: requestId,
      ...script.headers,
    });
    run.res.end(body);
  }

  async function replay(run: ResponseRun, script: ReplayScript, requestId: string): Promise<void> {
    const events = splitEvents(readWireFixture(script.fixture));
    await sendStream(run, events, 'end', script, requestId);
  }

  async function generate(
    run: ResponseRun,
    script: GenerateScript,
    parsed: ParsedRequest,
    id: number,
    requestId: string,
  ): Promise<void> {
    const gen = resolveGeneration(script, parsed, dialect, id);
    if (gen.fault?.type === 'stall-before-headers') {
      await run.untilClosed();
      return;
    }
    if (script.headersDelayMs !== undefined && script.headersDelayMs > 0) {
      await run.pause(script.headersDelayMs);
    }
    if (!parsed.recorded.stream) {
      const fault = gen.fault;
      if (fault?.type === 'error-event') {
        await sendError(
          run,
          {
            kind: 'error',
            status: fault.status ?? writer.midStreamStatus,
            ...messageOf(fault),
            ...(fault.fields === undefined ? {} : { fields: fault.fields }),
            ...(script.headers === undefined ? {} : { headers: script.headers }),
          },
          requestId,
        );
      } else if (fault?.type === 'stall') {
        await run.untilClosed();
      } else if (fault?.type === 'reset') {
        run.drop();
      } else if (fault?.type === 'truncate' || fault?.type === 'malformed-event') {
        await sendJson(run, writer.body(gen), 'reset', requestId, script.headers);
      } else {
        await sendJson(run, writer.body(gen), 'end', requestId, script.headers);
      }
      return;
    }
    const { events, ending } = streamEvents(writer, gen);
    await sendStream(run, events, ending, script, requestId);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const run = new ResponseRun(res);
    runs.add(run);
    let parsed: ParsedRequest | undefined;
    res.on('close', () => {
      if (!res.writableFinished && !run.droppedByServer) parsed?.markDisconnected();
      run.close();
      runs.delete(run);
    });
    const rawBody = await readBody(req);
    const id = ++sequence;
    parsed = parseRequest({
      index: requests.length,
      dialect,
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      headers: req.headers,
      rawBody,
    });
    if (run.closed) parsed.markDisconnected();
    const recorded = parsed.recorded;
    requests.push(recorded);
    const requestId = `req_fake_${id}`;
    const pathname = (req.url ?? '/').split('?')[0] ?? '/';
    if (req.method !== 'POST' || !pathname.endsWith(ENDPOINT[dialect])) {
      await sendError(
        run,
        {
          kind: 'error',
          status: 404,
          message: `fake ${dialect} server: no route for ${req.method ?? 'GET'} ${pathname}`,
        },
        requestId,
      );
      return;
    }
    const script = nextScript(recorded);
    switch (script.kind) {
      case 'reset':
        run.drop();
        return;
      case 'error':
        await sendError(run, script, requestId);
        return;
      case 'replay':
        await replay(run, script, requestId);
        return;
      case 'generate':
        await generate(run, script, parsed, id, requestId);
        return;
      case 'not-completion':
        sendNotCompletion(run, script, requestId);
        return;
    }
  }

  const server = createServer({ noDelay: true }, (req, res) => {
    handle(req, res).catch((error: unknown) => {
      // A bug in a script (an unknown fixture…) answers 500 with the reason rather than hanging.
      if (!res.headersSent) {
        const message = error instanceof Error ? error.message : String(error);
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify(writer.errorBody(500, `fake wire server: ${message}`, undefined, null)),
        );
      } else res.destroy();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  let closing: Promise<void> | undefined;

  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      for (const run of runs) {
        run.droppedByServer = true;
        run.close();
      }
      server.close(() => resolve());
      server.closeAllConnections();
      for (const socket of sockets) socket.destroy();
    });
    return closing;
  };

  return {
    dialect,
    url,
    baseURL: `${url}${BASE_PATH[dialect]}`,
    port,
    requests,
    get openResponses() {
      return runs.size;
    },
    enqueue(...scripts) {
      queue.push(...scripts);
    },
    setDefault(script) {
      fallback = script;
    },
    reset() {
      requests.length = 0;
      queue.length = 0;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

function messageOf(fault: { readonly message?: string }): { message?: string } {
  return fault.message === undefined ? {} : { message: fault.message };
}

/** A fake OpenAI chat-completions API. `baseURL` is `<url>/v1`. */
export function startOpenAIServer(
  options: Omit<WireServerOptions, 'dialect'> = {},
): Promise<WireServer> {
  return startWireServer({ ...options, dialect: 'openai' });
}

/** A fake Anthropic messages API. `baseURL` is `<url>` (the SDK adds `/v1/messages`). */
export function startAnthropicServer(
  options: Omit<WireServerOptions, 'dialect'> = {},
): Promise<WireServer> {
  return startWireServer({ ...options, dialect: 'anthropic' });
}

/** A fake OpenRouter API (OpenAI-compatible). `baseURL` is `<url>/api/v1`. */
export function startOpenRouterServer(
  options: Omit<WireServerOptions, 'dialect'> = {},
): Promise<WireServer> {
  return startWireServer({ ...options, dialect: 'openrouter' });
}
