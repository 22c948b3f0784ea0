import {
  createJsonStreamParser,
  type DeepPartial,
  type ElementEvent,
  type ElementOf,
  type JsonPath,
  type JsonStreamParser,
  type ProgressEvent,
  type ResponseModel,
  type StreamingResponse,
  StructuredLLMError,
} from '@structllm/core';
import { categoryForStatus } from '@structllm/core/provider';
import {
  createSseReader,
  decodeText,
  EVENT,
  errorFromJson,
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
  /**
   * Called with each progress event the server forwards (`StreamEvents` on the
   * server): the full `ProgressEvent`, `estimate` included. A callback that
   * throws is ignored.
   */
  readonly onProgress?: (event: ProgressEvent) => void;
  /**
   * Called with each array element the server forwards (`StreamEvents` on the
   * server), once, as soon as it is complete and validated there; invalid ones
   * (under `elementErrors: 'skip'`) come with their error. A callback that throws is ignored.
   */
  readonly onElement?: (element: ElementEvent<ElementOf<T>>) => void;
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
  /** The last progress event the server forwarded, if any. */
  readonly progress: ProgressEvent | undefined;
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
  let lastProgress: ProgressEvent | undefined;

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

  const parseData = (event: SseEvent, what: string): Record<string, unknown> => {
    let data: unknown;
    try {
      data = JSON.parse(event.data);
    } catch {
      throw malformed(what);
    }
    if (typeof data !== 'object' || data === null) throw malformed(what);
    return data as Record<string, unknown>;
  };

  /** Interprets one event, pushing the responses it makes to `out`; `'final'` after the last. */
  const handle = (
    event: SseEvent,
    out: StreamingResponse<T>[],
  ): 'final' | Promise<'final'> | undefined => {
    const type = event.type;
    if (!opened) {
      if (type !== EVENT.open) throw notEventStream();
      opened = true;
      const open = parseData(event, 'open');
      if (open.v !== PROTOCOL_VERSION) throw unsupported(String(open.v));
      if (typeof open.run === 'string') runId = open.run;
      if (typeof open.resume === 'string') resumeUrl = open.resume;
      return undefined;
    }
    const id = Number(event.id);
    if (event.id === undefined || !Number.isSafeInteger(id)) throw malformed(type);
    if (id <= lastEventId) return undefined; // already seen
    if (id !== lastEventId + 1) {
      throw failure(
        'parse',
        'event_gap',
        `Structured stream events ${lastEventId + 1}–${id - 1} are missing`,
      );
    }
    lastEventId = id;
    switch (type) {
      case EVENT.text: {
        const text = decodeText(event.data);
        if (text === undefined) throw malformed('text');
        if (text.attempt !== attempt || parser === undefined) {
          attempt = text.attempt;
          parser = newParser();
        }
        if (text.percent > percent) percent = text.percent;
        if (invalid) return undefined;
        if (text.text !== '') {
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
        }
        out.push(
          response(
            parser.value as DeepPartial<T>,
            false,
            text.text === '' ? undefined : [text.text],
          ),
        );
        return undefined;
      }
      case EVENT.attempt: {
        const data = parseData(event, 'attempt');
        if (typeof data.attempt !== 'number' || typeof data.model !== 'string')
          throw malformed('attempt');
        attempt = data.attempt;
        modelName = data.model;
        percent = 0;
        parser = newParser();
        return undefined;
      }
      case EVENT.progress: {
        const data = parseData(event, 'progress');
        if (
          typeof data.eventType !== 'string' ||
          typeof data.progressPercent !== 'number' ||
          typeof data.message !== 'string' ||
          typeof data.timestamp !== 'number'
        ) {
          throw malformed('progress');
        }
        const progress = data as unknown as ProgressEvent;
        lastProgress = progress;
        isolated(options.onProgress, progress);
        if (
          progress.eventType === 'progress' &&
          attempt > 0 &&
          progress.progressPercent > percent
        ) {
          percent = progress.progressPercent;
          if (!invalid) out.push(response(parser?.value as DeepPartial<T>, false, undefined));
        }
        return undefined;
      }
      case EVENT.element: {
        const data = parseData(event, 'element');
        const index = data.index;
        if (typeof index !== 'number' || !Number.isSafeInteger(index) || index < 0)
          throw malformed('element');
        let element: ElementEvent<ElementOf<T>>;
        if ('error' in data) {
          const error = errorFromJson(data.error);
          if (error === undefined) throw malformed('element');
          element = { index, value: undefined, error };
        } else if ('value' in data) {
          element = { index, value: data.value as ElementOf<T>, error: undefined };
        } else throw malformed('element');
        isolated(options.onElement, element);
        return undefined;
      }
      case EVENT.result:
        return finish(parseData(event, 'result'), out);
      case EVENT.error: {
        const error = errorFromWire(event.data);
        if (error === undefined) throw malformed('error');
        throw error;
      }
      default:
        return undefined; // an event a later minor version added: ignored
    }
  };

  /** The `result` event: the final value, checked against the response model. */
  const finish = (
    data: Record<string, unknown>,
    out: StreamingResponse<T>[],
  ): 'final' | Promise<'final'> => {
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
    const done = (typed: T): 'final' => {
      percent = 100;
      out.push({
        ...response(typed, true, undefined),
        ...(typeof data.elementCount === 'number' ? { elementCount: data.elementCount } : {}),
      });
      settled = true;
      resolveResult(typed);
      return 'final';
    };
    if (model === undefined) return done(value as T);
    return Promise.resolve(model.validate(value)).then((checked) => {
      if (!checked.success) {
        throw failure(
          'validation',
          'client_validation',
          'The final value does not match the client’s response model',
        );
      }
      return done(checked.value);
    });
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

  /** The stream's one generator: connections, reads and events in one flat loop. */
  async function* generate(): AsyncGenerator<StreamingResponse<T>, void, undefined> {
    try {
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
        const out: StreamingResponse<T>[] = [];
        try {
          armIdle();
          reading: while (true) {
            const chunk = await bytes.read();
            armIdle();
            if (chunk.done) break;
            received ||= chunk.value.length > 0;
            reader.write(decoder.decode(chunk.value, { stream: true }));
            // One event at a time: a partial is yielded before the next event updates it.
            for (let i = 0; i < events.length; i++) {
              const before = lastEventId;
              let end = handle(events[i] as SseEvent, out);
              if (end !== undefined && end !== 'final') end = await end;
              if (lastEventId > before) reconnects = 0;
              for (let j = 0; j < out.length; j++) yield out[j] as StreamingResponse<T>;
              out.length = 0;
              if (end === 'final') {
                outcome = 'final';
                break reading;
              }
            }
            events.length = 0;
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
    } finally {
      // Also when the reader stopped iterating early.
      if (!settled) {
        settled = true;
        rejectResult(abortedError());
      }
      controller.abort();
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
    get progress() {
      return lastProgress;
    },
  };
}

/** Calls a user callback; what it throws is not the stream's concern. */
function isolated<E>(callback: ((event: E) => void) | undefined, event: E): void {
  if (callback === undefined) return;
  try {
    callback(event);
  } catch {
    // a throwing callback never breaks the stream
  }
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
