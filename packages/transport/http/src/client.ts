import {
  createJsonStreamParser,
  type DeepPartial,
  type JsonPath,
  type JsonStreamParser,
  type ResponseModel,
  type StreamingResponse,
  StructuredLLMError,
} from '@structllm/core';
import { categoryForStatus } from '@structllm/core/provider';
import {
  createSseReader,
  decodeText,
  EVENT,
  errorFromWire,
  PROTOCOL_HEADER,
  PROTOCOL_VERSION,
  type SseEvent,
} from './protocol.ts';

export { PROTOCOL_VERSION } from './protocol.ts';

/** A URL to `fetch`, with its options. */
export interface StreamRequest {
  readonly url: string | URL;
  readonly init?: RequestInit;
}

export interface ReadStructuredStreamOptions<T> {
  /**
   * Checks partials as they complete (the parts the server's engine checks)
   * and gives the final value its validated type (transforms, defaults).
   */
  readonly responseModel?: ResponseModel<T>;
  /** Default `globalThis.fetch`. */
  readonly fetch?: typeof fetch;
  /**
   * Re-attaching after the connection drops (needs the server's resume URL):
   * `attempts` reconnections in a row without an event (default 3), `delayMs`
   * before each (default 500).
   */
  readonly reconnect?: { readonly attempts?: number; readonly delayMs?: number } | false;
  /**
   * With no byte from the server for this long (heartbeats included) the
   * connection counts as dropped. Default 45,000; 0: never.
   */
  readonly idleTimeoutMs?: number;
  /** Aborts reading (the server sees the client leave). */
  readonly signal?: AbortSignal;
}

/** A structured stream read from the server: the same responses the server iterates. */
export interface ClientStructuredStream<T> extends AsyncIterable<StreamingResponse<T>> {
  /** The validated value; rejects with the request's `StructuredLLMError`. Awaiting it without iterating drives the stream. */
  readonly result: Promise<T>;
  /** Stops reading; the stream ends with category `aborted`. */
  abort(reason?: unknown): void;
  /** The server's run id, once known (resumable runs only). */
  readonly runId: string | undefined;
  /** Where to re-attach to the run (for instance after a page reload), once known. */
  readonly resumeUrl: string | undefined;
  /** Id of the last event received. */
  readonly lastEventId: number;
}

/** Completed values at this depth or shallower are checked against the response model. */
const CHECK_DEPTH = 3;

function failure(
  category: StructuredLLMError['category'],
  code: string,
  message: string,
  extra: { status?: number; retryable?: boolean } = {},
): StructuredLLMError {
  return new StructuredLLMError({ category, code, message, ...extra });
}

class Dropped extends Error {}

/**
 * Reads a structured stream sent by `toEventStreamResponse` / `writeEventStream`:
 * from a `Response`, a byte stream, or a URL it fetches. Partials are rebuilt
 * from the model's text with the incremental parser (linear in the text); a
 * retry or fallback on the server starts them over (`attempt` changes). When
 * the connection drops, it re-attaches with `Last-Event-ID` and goes on with
 * no event lost or repeated.
 */
export function readStructuredStream<T = unknown>(
  input: Response | ReadableStream<Uint8Array> | StreamRequest | string | URL,
  options: ReadStructuredStreamOptions<T> = {},
): ClientStructuredStream<T> {
  const controller = new AbortController();
  const model = options.responseModel;
  const doFetch = options.fetch ?? globalThis.fetch;
  const reconnect = options.reconnect === false ? { attempts: 0 } : (options.reconnect ?? {});
  const maxReconnects = reconnect.attempts ?? 3;
  const reconnectDelayMs = 'delayMs' in reconnect ? (reconnect.delayMs ?? 500) : 500;
  const idleTimeoutMs = options.idleTimeoutMs ?? 45_000;
  if (options.signal !== undefined) {
    if (options.signal.aborted) controller.abort(options.signal.reason);
    else
      options.signal.addEventListener('abort', () => controller.abort(options.signal?.reason), {
        once: true,
      });
  }

  let runId: string | undefined;
  let resumeUrl: string | undefined;
  let baseUrl: string | undefined;
  let lastEventId = 0;
  let resolveResult!: (value: T) => void;
  let rejectResult!: (error: StructuredLLMError) => void;
  const result = new Promise<T>((resolve, reject) => {
    resolveResult = resolve;
    rejectResult = reject;
  });
  result.catch(() => undefined);

  // The attempt being rebuilt.
  let attempt = 0;
  let modelName = '';
  let percent = 0;
  let parser: JsonStreamParser | undefined;
  let completed: JsonPath[] = [];
  let invalid = false; // a completed part failed the check: the server will start over
  let settled = false;
  let opened = false; // this connection's `open` event arrived

  const newParser = (): JsonStreamParser => {
    completed = [];
    invalid = false;
    const p: JsonStreamParser = createJsonStreamParser({
      lenient: true,
      maxDepth: Number.POSITIVE_INFINITY,
      ...(model === undefined
        ? {}
        : {
            onValue: (_value, depth) => {
              if (depth > 0 && depth <= CHECK_DEPTH) completed.push(p.path);
            },
          }),
    });
    return p;
  };

  const abortedError = (): StructuredLLMError =>
    failure('aborted', 'aborted', 'Reading the structured stream was aborted');

  const open = async (afterId: number, first: boolean): Promise<ReadableStream<Uint8Array>> => {
    let response: Response;
    if (first && input instanceof ReadableStream) return input;
    if (first && input instanceof Response) response = input;
    else {
      let url: string | URL;
      let init: RequestInit = {};
      if (!first) {
        if (resumeUrl === undefined) throw new Dropped();
        url = baseUrl === undefined ? resumeUrl : new URL(resumeUrl, baseUrl);
      } else if (typeof input === 'string' || input instanceof URL) url = input;
      else {
        const request = input as StreamRequest;
        url = request.url;
        init = request.init ?? {};
      }
      const headers = new Headers(first ? init.headers : undefined);
      headers.set('accept', 'text/event-stream');
      if (!first) headers.set('last-event-id', String(afterId));
      try {
        response = await doFetch(url, {
          ...(first ? init : {}),
          headers,
          signal: controller.signal,
        });
      } catch (cause) {
        if (controller.signal.aborted) throw abortedError();
        if (first) {
          throw new StructuredLLMError({
            category: 'network',
            code: 'fetch_failed',
            message: 'The structured stream could not be fetched',
            cause,
          });
        }
        throw new Dropped();
      }
    }
    if (response.url !== '') baseUrl = response.url;
    if (response.status !== 200) {
      void response.body?.cancel().catch(() => undefined);
      const status = response.status;
      throw failure(
        status === 410 ? 'bad_request' : categoryForStatus(status),
        status === 404 ? 'unknown_run' : status === 410 ? 'run_expired' : `http_${status}`,
        status === 404
          ? 'The server does not know this run (404)'
          : status === 410
            ? 'The run has expired on the server (410)'
            : `The server answered ${status} instead of an event stream`,
        { status },
      );
    }
    const type = response.headers.get('content-type') ?? '';
    if (!type.toLowerCase().startsWith('text/event-stream')) {
      void response.body?.cancel().catch(() => undefined);
      throw failure(
        'server',
        'not_event_stream',
        `The server answered ${type === '' ? 'a body with no content type' : `"${type.split(';')[0]}"`} instead of an event stream`,
      );
    }
    const version = response.headers.get(PROTOCOL_HEADER);
    if (version !== null && version !== String(PROTOCOL_VERSION)) throw unsupported(version);
    if (response.body === null) throw new Dropped();
    return response.body;
  };

  const unsupported = (version: string): StructuredLLMError =>
    failure(
      'bad_request',
      'protocol_version',
      `The server speaks structured stream protocol ${version}; this client reads ${PROTOCOL_VERSION}`,
    );
  const notEventStream = (): StructuredLLMError =>
    failure('server', 'not_event_stream', 'The body is not a structured event stream');
  const malformed = (what: string): StructuredLLMError =>
    failure('parse', 'malformed_event', `Malformed ${what} event in the structured stream`);

  /** Interprets one event; returns the responses it makes. */
  const handle = async (
    event: SseEvent,
    out: StreamingResponse<T>[],
  ): Promise<'final' | undefined> => {
    if (!opened && event.type !== EVENT.open) throw notEventStream();
    if (event.type === EVENT.open) {
      opened = true;
      let data: unknown;
      try {
        data = JSON.parse(event.data);
      } catch {
        throw malformed('open');
      }
      const open = data as { v?: unknown; run?: unknown; resume?: unknown } | null;
      if (open === null || typeof open !== 'object') throw malformed('open');
      if (open.v !== PROTOCOL_VERSION) throw unsupported(String(open.v));
      if (typeof open.run === 'string') runId = open.run;
      if (typeof open.resume === 'string') resumeUrl = open.resume;
      return undefined;
    }
    const id = Number(event.id);
    if (event.id === undefined || !Number.isSafeInteger(id)) throw malformed(event.type);
    if (id <= lastEventId) return undefined; // already seen
    if (id !== lastEventId + 1) {
      throw failure(
        'parse',
        'event_gap',
        `Structured stream events ${lastEventId + 1}–${id - 1} are missing`,
      );
    }
    lastEventId = id;
    switch (event.type) {
      case EVENT.attempt: {
        let data: { attempt?: unknown; model?: unknown };
        try {
          data = JSON.parse(event.data) as typeof data;
        } catch {
          throw malformed('attempt');
        }
        if (typeof data?.attempt !== 'number' || typeof data.model !== 'string')
          throw malformed('attempt');
        attempt = data.attempt;
        modelName = data.model;
        percent = 0;
        parser = newParser();
        return undefined;
      }
      case EVENT.text: {
        const text = decodeText(event.data);
        if (text === undefined) throw malformed('text');
        if (text.attempt !== attempt || parser === undefined) {
          attempt = text.attempt;
          parser = newParser();
        }
        percent = Math.max(percent, text.percent);
        if (invalid) return undefined;
        try {
          parser.write(text.text);
        } catch {
          invalid = true; // not JSON: the server fails this attempt as well
          return undefined;
        }
        if (model !== undefined && !check(parser.value)) {
          invalid = true;
          return undefined;
        }
        out.push(response(parser.value as DeepPartial<T>, false, [text.text]));
        return undefined;
      }
      case EVENT.progress: {
        let data: { percent?: unknown };
        try {
          data = JSON.parse(event.data) as typeof data;
        } catch {
          throw malformed('progress');
        }
        if (typeof data?.percent !== 'number') throw malformed('progress');
        percent = Math.max(percent, data.percent);
        if (!invalid) out.push(response(parser?.value as DeepPartial<T>, false, undefined));
        return undefined;
      }
      case EVENT.result: {
        let data: { value?: unknown; fromText?: unknown; elementCount?: unknown };
        try {
          data = JSON.parse(event.data) as typeof data;
        } catch {
          throw malformed('result');
        }
        let value: unknown;
        if ('value' in data) value = data.value;
        else if (data.fromText === true && parser !== undefined) {
          try {
            parser.end();
          } catch {
            throw malformed('result');
          }
          value = parser.value;
        } else throw malformed('result');
        let typed = value as T;
        if (model !== undefined) {
          const checked = await model.validate(value);
          if (!checked.success) {
            throw failure(
              'validation',
              'client_validation',
              'The final value does not match the client’s response model',
            );
          }
          typed = checked.value;
        }
        percent = 100;
        out.push({
          ...response(typed, true, undefined),
          ...(typeof data.elementCount === 'number' ? { elementCount: data.elementCount } : {}),
        });
        settled = true;
        resolveResult(typed);
        return 'final';
      }
      case EVENT.error: {
        const error = errorFromWire(event.data);
        if (error === undefined) throw malformed('error');
        throw error;
      }
      default:
        return undefined; // an event a later minor version added: ignored
    }
  };

  const check = (root: unknown): boolean => {
    if (model === undefined) return true;
    for (const path of completed) {
      if (!model.validatePartial(root, { path, complete: true }).success) return false;
    }
    completed = [];
    return true;
  };

  const response = (
    partialResult: DeepPartial<T> | T | undefined,
    isComplete: boolean,
    rawChunks: string[] | undefined,
  ): StreamingResponse<T> => ({
    partialResult,
    isComplete,
    progressPercent: percent,
    rawChunks,
    error: undefined,
    attempt,
    model: modelName,
  });

  const final = (error: StructuredLLMError): StreamingResponse<T> => {
    settled = true;
    rejectResult(error);
    return { ...response(parser?.value as DeepPartial<T>, true, undefined), error };
  };

  async function* generate(): AsyncGenerator<StreamingResponse<T>, void, undefined> {
    try {
      yield* connectAndRead();
    } finally {
      // The reader stopped iterating early.
      if (!settled) {
        settled = true;
        rejectResult(abortedError());
      }
      controller.abort();
    }
  }

  async function* connectAndRead(): AsyncGenerator<StreamingResponse<T>, void, undefined> {
    let reconnects = 0;
    let first = true;
    const decoder = new TextDecoder();
    while (true) {
      if (controller.signal.aborted) {
        yield final(abortedError());
        return;
      }
      let body: ReadableStream<Uint8Array>;
      try {
        body = await open(lastEventId, first);
      } catch (error) {
        if (error instanceof Dropped && reconnects < maxReconnects && resumeUrl !== undefined) {
          reconnects++;
          await sleep(reconnectDelayMs, controller.signal);
          continue;
        }
        yield final(
          StructuredLLMError.is(error)
            ? error
            : failure('network', 'stream_closed', 'The structured stream closed before its end', {
                retryable: true,
              }),
        );
        return;
      }
      first = false;
      opened = false;
      let received = false;
      const events: SseEvent[] = [];
      const reader = createSseReader((event) => events.push(event));
      const bytes = body.getReader();
      let idle: ReturnType<typeof setTimeout> | undefined;
      const stopIdle = (): void => {
        if (idle !== undefined) clearTimeout(idle);
      };
      const armIdle = (): void => {
        stopIdle();
        if (idleTimeoutMs > 0)
          idle = setTimeout(() => void bytes.cancel().catch(() => undefined), idleTimeoutMs);
      };
      const onAbort = (): void => void bytes.cancel().catch(() => undefined);
      controller.signal.addEventListener('abort', onAbort, { once: true });
      if (controller.signal.aborted) onAbort();
      let outcome: 'final' | 'dropped' | StructuredLLMError = 'dropped';
      try {
        armIdle();
        while (true) {
          const chunk = await bytes.read();
          armIdle();
          if (chunk.done) break;
          received ||= chunk.value.length > 0;
          reader.write(decoder.decode(chunk.value, { stream: true }));
          // One event at a time: a partial is yielded before the next event updates it.
          for (const event of events.splice(0)) {
            const out: StreamingResponse<T>[] = [];
            const before = lastEventId;
            const end = await handle(event, out);
            if (lastEventId > before) reconnects = 0;
            for (const r of out) yield r;
            if (end === 'final') {
              outcome = 'final';
              break;
            }
          }
          if (outcome === 'final') break;
        }
      } catch (error) {
        outcome = StructuredLLMError.is(error) ? error : 'dropped';
      } finally {
        stopIdle();
        controller.signal.removeEventListener('abort', onAbort);
        void bytes.cancel().catch(() => undefined);
      }
      if (outcome === 'final') return;
      if (outcome === 'dropped' && received && !opened && !controller.signal.aborted) {
        outcome = notEventStream();
      }
      if (outcome !== 'dropped') {
        yield final(outcome);
        return;
      }
      if (controller.signal.aborted) continue; // reported at the top of the loop
      if (reconnects < maxReconnects && resumeUrl !== undefined) {
        reconnects++;
        await sleep(reconnectDelayMs, controller.signal);
        continue;
      }
      yield final(
        failure(
          'network',
          'stream_closed',
          reader.midEvent
            ? 'The structured stream closed in the middle of an event'
            : 'The structured stream closed before its end',
          { retryable: true },
        ),
      );
      return;
    }
  }

  let iterator: AsyncGenerator<StreamingResponse<T>, void, undefined> | undefined;
  const take = (): AsyncGenerator<StreamingResponse<T>, void, undefined> => {
    if (iterator !== undefined) throw new TypeError('This structured stream is already being read');
    iterator = generate();
    return iterator;
  };
  let draining = false;

  return {
    [Symbol.asyncIterator]: take,
    get result() {
      if (!draining) {
        draining = true;
        queueMicrotask(() => {
          if (iterator !== undefined) return;
          void (async () => {
            for await (const _ of take()) {
              // driven for `result`
            }
          })();
        });
      }
      return result;
    },
    abort(reason?: unknown) {
      controller.abort(reason);
    },
    get runId() {
      return runId;
    },
    get resumeUrl() {
      return resumeUrl;
    },
    get lastEventId() {
      return lastEventId;
    },
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (ms <= 0 || signal.aborted) {
      resolve();
      return;
    }
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
