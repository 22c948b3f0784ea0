import { abortedError } from '../../errors/aborted.ts';
import { StructuredLLMError } from '../../errors/index.ts';
import { unexpectedError } from '../../errors/unexpected.ts';
import { partialCheckerOf } from '../../schema/model/partial-checker.ts';
import { TextExcerpt } from '../text-excerpt.ts';
import type { StreamingResponse } from '../types.ts';
import { createDocument } from './document.ts';
import { validateFinal } from './final.ts';
import { createProgress } from './progress.ts';
import { createPump, type Pump } from './pump.ts';
import {
  type AttemptEnd,
  AttemptFailure,
  type AttemptRun,
  type AttemptSettings,
  type ResponseResult,
} from './types.ts';

/**
 * One try against one model: streams text into the parser, hands out partial
 * responses step by step, validates along the way and at the end. A step object
 * rather than an async generator: a nested generator costs a promise hop per chunk.
 *
 * The stages, wired here: the provider pump (the call, timers, abort), the
 * document (the parser, its keys, the model's partial checks and the element
 * stage), progress and events, and the final validation.
 */
/** What settles a consumer's pull. */
type Resolve<T> = (result: ResponseResult<T> | Promise<ResponseResult<T>>) => void;

export function startAttempt<T>(settings: AttemptSettings<T>): AttemptRun<T> {
  const { request, responseModel, routed, control, elements } = settings;
  const { maxChunks, hub } = settings.env;
  // What the model wrote: its length, and the head and tail a re-ask quotes.
  const text = new TextExcerpt();
  const { parser, write, checks } = createDocument(settings, text, partialCheckerOf(responseModel));
  const progress = createProgress(settings, text, parser);

  // Chunks since the last response, when responses are held back (a chunk size, elements).
  let rawChunks: string[] | undefined;
  let chunks = 0;
  let charsAtLastEmit = 0;
  // Checked when the request was made: a number >= 0.
  const chunkSize = request.streamingChunkSize ?? 0;
  const readsEndOnAbort = settings.streaming && routed.provider.abortEndsReads === true;
  // No chunk events, batching or elements to hand over: every chunk is a response.
  const plain = chunkSize === 0 && elements === undefined && !hub.has('onChunk');

  let closed = false;
  /** Set once the attempt has ended; later provider results are ignored. */
  let ended = false;
  /** The consumer holds the provider's read in progress (`abortEndsReads`). */
  let reading = false;
  /** The consumer's pull in progress, if any, and what to call when the attempt ends. */
  let resolvePull: Resolve<T> | undefined;
  let onEnd: ((end: AttemptEnd<T>) => Promise<ResponseResult<T>>) | undefined;

  const fail = (thrown: unknown): void =>
    end({ failure: attemptFailure(thrown, pump, routed.provider.id, text) });
  /** Runs `start` under the consumer's pull: a new one, unless it already waits. */
  const wait = (start: () => void): Promise<ResponseResult<T>> | undefined => {
    reading = false;
    if (resolvePull === undefined) {
      return new Promise<ResponseResult<T>>((resolve) => {
        resolvePull = resolve;
        start();
      });
    }
    start();
    return undefined;
  };

  const pump = createPump<T>(settings, {
    ended: () => ended,
    firstText: progress.firstChunk,
    text(delta) {
      if (++chunks > maxChunks) throw chunkLimitError(maxChunks);
      write(delta);
      let batch: string[];
      if (plain) batch = [delta];
      else {
        if (rawChunks === undefined) rawChunks = [delta];
        else rawChunks.push(delta);
        progress.chunk(delta.length);
        if (text.length - charsAtLastEmit < chunkSize) return undefined;
        // Consumed through elements(): a response is made only to hand over waiting elements
        // (completed parts are still checked then); progress goes to whoever listens for it.
        if (elements?.listening && !elements.waiting) {
          progress.report();
          return undefined;
        }
        batch = rawChunks;
        rawChunks = undefined;
        charsAtLastEmit = text.length;
      }
      const partial = parser.value;
      checks.look(partial, parser, text.length);
      return progress.partial(partial, batch);
    },
    whole(all) {
      write(all);
      rawChunks = [all];
      chunks++;
      progress.received();
      checks.look(parser.value, parser, text.length);
      progress.whole();
    },
    finish,
    deliver(response: StreamingResponse<T>) {
      const result = { value: response, done: false } as const;
      reading = false;
      const resolve = resolvePull;
      resolvePull = undefined;
      resolve?.(result);
      return result;
    },
    wait,
    fail,
    // A provider that ignores its abort signal must not hold the consumer: the abort ends the pull.
    aborted() {
      if (resolvePull !== undefined) fail(pump.signal.reason);
    },
  });

  /** Hands the attempt's end to the runner and the runner's answer to the waiting consumer. */
  function end(result: AttemptEnd<T>): void {
    if (ended) return;
    ended = true;
    if (hub.has('onAttemptEnd')) progress.ended(result.failure?.error, chunks, pump.meta);
    const resolve = resolvePull;
    const handOff = onEnd;
    resolvePull = undefined;
    onEnd = undefined;
    if (resolve !== undefined && handOff !== undefined) resolve(handOff(result));
  }

  /** The stream (or call) is over: the final validation, then the attempt's end. */
  function finish(): void {
    validateFinal(settings, parser, pump.meta, checks, {
      ended: () => ended,
      done: (value) =>
        end({ outcome: { value, chars: text.length, rawChunks: rawChunks ?? [], ...pump.meta } }),
      fail,
    });
  }

  /** The executor of every watched pull's promise: one function per attempt, not one per chunk. */
  function startPull(resolve: Resolve<T>): void {
    resolvePull = resolve;
    if (settings.streaming) pump.advance();
    else pump.generate();
  }

  return {
    pull(handOff) {
      if (ended || resolvePull !== undefined || reading) {
        return Promise.reject(new TypeError('An attempt is pulled once at a time'));
      }
      onEnd = handOff;
      // The consumer holds the provider's read when an abort ends it: a promise less per chunk.
      if (!readsEndOnAbort) return new Promise<ResponseResult<T>>(startPull);
      reading = true;
      return pump.advance() as Promise<ResponseResult<T>>;
    },
    /** Releases timers and listeners; an unfinished stream is aborted and its iterator closed. */
    close() {
      if (closed) return;
      closed = true;
      if (!ended) {
        // Closed without an end (the request stopped before pulling it): still an ended attempt.
        ended = true;
        const reason = abortedError(control.signal.reason ?? 'attempt closed');
        if (hub.has('onAttemptEnd')) progress.ended(reason, chunks, pump.meta);
      }
      pump.close();
    },
  };
}

/** The error of a stream with more chunks than `limits.maxChunks`. */
function chunkLimitError(maxChunks: number): StructuredLLMError {
  return new StructuredLLMError({
    category: 'parse',
    code: 'chunk_limit',
    message: `The response exceeded maxChunks (${maxChunks} chunks)`,
  });
}

/** Why the attempt failed, with the text it produced (a re-ask quotes it). */
function attemptFailure(
  thrown: unknown,
  pump: Pump<unknown>,
  providerId: string,
  text: TextExcerpt,
): AttemptFailure {
  // The request's own abort wins over whatever the provider threw while being cut off.
  const error = pump.signal.aborted
    ? abortedError(pump.signal.reason)
    : unexpectedError(thrown, `Provider "${providerId}" failed`);
  return new AttemptFailure(error, text.toString(), pump.meta.usage);
}
