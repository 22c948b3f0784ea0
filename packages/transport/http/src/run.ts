import {
  createJsonStreamParser,
  type ElementEvent,
  type JsonStreamParser,
  type ProgressEvent,
  type StreamingResponse,
  StructuredLLMError,
  type StructuredStream,
} from '@structllm/core';
import { EVENT, encodeText, errorToWire, type WireEvent } from './protocol.ts';
import type { StreamStore } from './store.ts';

/** Default {@link RunOptions.coalesceMs}. */
const DEFAULT_COALESCE_MS = 50;
/** Default {@link RunOptions.maxEventChars}. */
const DEFAULT_EVENT_CHARS = 1024;

export interface RunOptions {
  /**
   * Text waits at most this long (from its first character) before it is sent
   * as one event, unless `maxEventChars` is reached first. Default 50: a fast
   * model's text goes out in events of `maxEventChars`, a slow one's at least
   * every 50 ms. 0: what arrived before the event loop's next turn goes in one
   * event (lowest latency, most framing).
   */
  readonly coalesceMs?: number;
  /** Once this many characters wait, they are sent at once. Default 1024. */
  readonly maxEventChars?: number;
  /**
   * The request's progress events and elements, forwarded as `progress` and
   * `element` events: pass the same {@link StreamEvents} whose hooks the
   * request was given.
   */
  readonly events?: StreamEvents;
  /** Clock for the coalescing window, in milliseconds (tests and simulations inject). Default `performance.now`. */
  readonly now?: () => number;
}

type Tap = { progress(event: ProgressEvent): void; element(event: ElementEvent<unknown>): void };

/**
 * Hooks that forward a request's progress events and array elements to its
 * event stream. Give the request the hooks it needs, and the same object to
 * the server (`toEventStreamResponse(stream, { events })`):
 *
 * ```ts
 * const events = new StreamEvents();
 * const stream = service.routeStructuredStreaming({
 *   prompt, responseModel,
 *   progressCallback: events.progressCallback,
 *   onElement: events.onElement, // only when the response streams elements
 * });
 * return toEventStreamResponse(stream, { events });
 * ```
 */
export class StreamEvents {
  #tap: Tap | undefined;
  #early: (() => void)[] = [];

  /** A request's `progressCallback`: each progress event becomes a `progress` event. */
  readonly progressCallback = (event: ProgressEvent): void => {
    if (this.#tap !== undefined) this.#tap.progress(event);
    else this.#early.push(() => this.#tap?.progress(event));
  };

  /** A request's `onElement`: each element (or invalid element under `'skip'`) becomes an `element` event. */
  readonly onElement = (element: ElementEvent<unknown>): void => {
    if (this.#tap !== undefined) this.#tap.element(element);
    else this.#early.push(() => this.#tap?.element(element));
  };

  /** @internal Connects the run that sends them; what came before goes first. */
  attach(tap: Tap): void {
    if (this.#tap !== undefined) throw new TypeError('These StreamEvents already feed a stream');
    this.#tap = tap;
    for (const send of this.#early.splice(0)) send();
  }
}

type Listener = (event: WireEvent) => void;

/**
 * One request's events: drives its stream, gathers text into events, keeps
 * them in a store when the run is resumable and hands them to the attached
 * connections.
 */
export class Run {
  readonly id: string;
  readonly #stream: StructuredStream<unknown>;
  readonly #store: StreamStore | undefined;
  readonly #listeners = new Set<Listener>();
  readonly #coalesceMs: number;
  readonly #maxEventChars: number;
  readonly #now: () => number;
  #nextId = 1;
  #finished = false;
  #ended = false;
  #writes: Promise<void> = Promise.resolve();
  #done: Promise<void> | undefined;

  // Text not yet sent, and the attempt it belongs to.
  #pending: string[] = [];
  #pendingChars = 0;
  #attempt = 0;
  #percent = 0;
  #sentPercent = 0;
  /** The latest `progress` progress event not yet sent (they are coalesced with the text). */
  #progress: ProgressEvent | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** When the text waiting now started waiting. */
  #since = 0;
  // The attempt's text as the client will parse it: the final value is only sent when it differs.
  #parser: JsonStreamParser | undefined;

  constructor(
    id: string,
    stream: StructuredStream<unknown>,
    store: StreamStore | undefined,
    options: RunOptions,
  ) {
    this.id = id;
    this.#stream = stream;
    this.#store = store;
    this.#coalesceMs = options.coalesceMs ?? DEFAULT_COALESCE_MS;
    this.#maxEventChars = options.maxEventChars ?? DEFAULT_EVENT_CHARS;
    if (!(this.#coalesceMs >= 0)) throw new RangeError('coalesceMs must be ≥ 0');
    if (!(this.#maxEventChars >= 1)) throw new RangeError('maxEventChars must be ≥ 1');
    this.#now = options.now ?? (() => performance.now());
    options.events?.attach({
      progress: (event) => this.#takeProgress(event),
      element: (event) => this.#takeElement(event),
    });
  }

  /** Starts pulling from the stream (once); resolves when the last event was stored and handed out. */
  start(): Promise<void> {
    this.#done ??= this.#drive();
    return this.#done;
  }

  get finished(): boolean {
    return this.#finished;
  }

  /** The id of the last event emitted (0 before the first). */
  get lastId(): number {
    return this.#nextId - 1;
  }

  listen(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  abort(reason?: unknown): void {
    this.#stream.abort(reason);
  }

  async #drive(): Promise<void> {
    try {
      for await (const response of this.#stream) {
        if (this.#take(response)) break;
      }
    } catch (cause) {
      // Only misuse throws (the stream iterated elsewhere): the client still gets an end.
      this.#flush();
      this.#emit(
        EVENT.error,
        errorToWire(
          StructuredLLMError.is(cause)
            ? cause
            : new StructuredLLMError({
                category: 'unknown',
                code: 'stream_failed',
                message: 'The structured stream failed on the server',
              }),
        ),
      );
    }
    this.#finished = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    const store = this.#store;
    if (store !== undefined) this.#write(() => store.end(this.id));
    await this.#writes;
  }

  /** Handles one response; true when it was the last. */
  #take(response: StreamingResponse<unknown>): boolean {
    if (response.attempt !== this.#attempt) {
      // The text waiting is the previous attempt's; a `progress` event waiting is already this one's.
      const progress = this.#progress;
      this.#progress = undefined;
      this.#flush();
      this.#progress = progress;
      this.#attempt = response.attempt;
      this.#sentPercent = 0;
      this.#percent = 0;
      this.#parser = createJsonStreamParser({ lenient: true, maxDepth: Number.POSITIVE_INFINITY });
      this.#emit(
        EVENT.attempt,
        JSON.stringify({ attempt: response.attempt, model: response.model }),
      );
    }
    if (response.error !== undefined) {
      this.#flush();
      this.#emit(EVENT.error, errorToWire(response.error));
      return true;
    }
    const chunks = response.rawChunks;
    if (chunks !== undefined) {
      for (const chunk of chunks) {
        if (chunk === '') continue;
        this.#pending.push(chunk);
        this.#pendingChars += chunk.length;
        if (this.#parser !== undefined) {
          try {
            this.#parser.write(chunk);
          } catch {
            this.#parser = undefined; // the final value will be sent whole
          }
        }
      }
    }
    if (!response.isComplete) this.#percent = response.progressPercent;
    if (response.isComplete) {
      this.#flush();
      this.#emit(EVENT.result, this.#resultData(response));
      return true;
    }
    this.#schedule();
    return false;
  }

  /** Sends what waits once `maxEventChars` wait or the oldest waited `coalesceMs`. */
  #schedule(): void {
    if (this.#pendingChars >= this.#maxEventChars) {
      this.#flush();
      return;
    }
    if (
      this.#pendingChars === 0 &&
      this.#percent === this.#sentPercent &&
      this.#progress === undefined
    ) {
      return;
    }
    if (this.#timer === undefined) {
      this.#since = this.#coalesceMs > 0 ? this.#now() : 0;
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.#flush();
      }, this.#coalesceMs);
    } else if (this.#coalesceMs > 0 && this.#now() - this.#since >= this.#coalesceMs) {
      // A busy event loop runs the timer late: the clock decides on arrival.
      this.#flush();
    }
  }

  #takeProgress(event: ProgressEvent): void {
    if (this.#ended) return;
    if (event.eventType === 'progress') {
      this.#progress = event;
      this.#schedule();
      return;
    }
    // start, retry, fallback, complete, error: at once, after the text before them.
    this.#flush();
    this.#emit(EVENT.progress, JSON.stringify(event));
  }

  #takeElement(element: ElementEvent<unknown>): void {
    if (this.#ended) return;
    this.#flush();
    this.#emit(
      EVENT.element,
      element.error === undefined
        ? `{"index":${element.index},"value":${JSON.stringify(element.value) ?? 'null'}}`
        : `{"index":${element.index},"error":${errorToWire(element.error)}}`,
    );
  }

  #resultData(response: StreamingResponse<unknown>): string {
    const value = response.partialResult;
    const extra =
      response.elementCount === undefined ? '' : `,"elementCount":${response.elementCount}`;
    const parser = this.#parser;
    if (parser !== undefined) {
      try {
        parser.end();
        if (parser.complete && JSON.stringify(parser.value) === JSON.stringify(value)) {
          return `{"fromText":true${extra}}`;
        }
      } catch {
        // not parseable as the client would parse it: send the value
      }
    }
    return `{"value":${JSON.stringify(value) ?? 'null'}${extra}}`;
  }

  #flush(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    if (this.#pendingChars > 0) {
      const text =
        this.#pending.length === 1 ? (this.#pending[0] as string) : this.#pending.join('');
      this.#pending = [];
      this.#pendingChars = 0;
      this.#sentPercent = this.#percent;
      this.#emit(EVENT.text, encodeText(this.#attempt, this.#percent, text));
    } else if (this.#percent !== this.#sentPercent && this.#attempt > 0) {
      // The percent moved with no new text: a text event with none.
      this.#sentPercent = this.#percent;
      this.#emit(EVENT.text, encodeText(this.#attempt, this.#percent, ''));
    }
    const progress = this.#progress;
    if (progress !== undefined) {
      this.#progress = undefined;
      this.#emit(EVENT.progress, JSON.stringify(progress));
    }
  }

  #emit(type: string, data: string): void {
    // Nothing follows the final event (a late progress or element event is dropped).
    if (this.#ended) return;
    if (type === EVENT.result || type === EVENT.error) this.#ended = true;
    const event: WireEvent = { id: this.#nextId++, type, data };
    const store = this.#store;
    if (store === undefined) {
      for (const listener of this.#listeners) listener(event);
      return;
    }
    this.#write(async () => {
      try {
        await store.append(this.id, event);
      } finally {
        // A store that fails costs resumption, never the attached clients' events.
        for (const listener of this.#listeners) listener(event);
      }
    });
  }

  /** Store writes run one at a time, in order; a failing store never stops the run. */
  #write(operation: () => void | Promise<void>): void {
    this.#writes = this.#writes.then(operation).catch(() => undefined);
  }
}
