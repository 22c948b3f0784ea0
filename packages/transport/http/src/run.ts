import {
  createJsonStreamParser,
  type JsonStreamParser,
  type StreamingResponse,
  StructuredLLMError,
  type StructuredStream,
} from '@structllm/core';
import { EVENT, encodeText, errorToWire, type WireEvent } from './protocol.ts';
import type { StreamStore } from './store.ts';

export interface RunOptions {
  /**
   * Text is gathered for this long before it is sent as one event. Default 0:
   * what arrived before the event loop's next turn goes in one event.
   */
  readonly coalesceMs?: number;
  /** Text gathered beyond this many characters is sent at once. Default 65,536. */
  readonly maxEventChars?: number;
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
  #nextId = 1;
  #finished = false;
  #writes: Promise<void> = Promise.resolve();
  #done: Promise<void> | undefined;

  // Text not yet sent, and the attempt it belongs to.
  #pending: string[] = [];
  #pendingChars = 0;
  #attempt = 0;
  #percent = 0;
  #sentPercent = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
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
    this.#coalesceMs = options.coalesceMs ?? 0;
    this.#maxEventChars = options.maxEventChars ?? 65_536;
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
      this.#flush();
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
    if (this.#pendingChars >= this.#maxEventChars) this.#flush();
    else if (
      this.#timer === undefined &&
      (this.#pendingChars > 0 || this.#percent !== this.#sentPercent)
    ) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.#flush();
      }, this.#coalesceMs);
    }
    return false;
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
    } else if (this.#percent !== this.#sentPercent) {
      this.#sentPercent = this.#percent;
      this.#emit(
        EVENT.progress,
        JSON.stringify({ attempt: this.#attempt, percent: this.#percent }),
      );
    }
  }

  #emit(type: string, data: string): void {
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
