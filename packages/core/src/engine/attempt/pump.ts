import { abortedError } from '../../errors/aborted.ts';
import { StructuredLLMError } from '../../errors/index.ts';
import type { ProviderCall, ProviderPart, ProviderResult } from '../../provider/index.ts';
import type { StreamingResponse } from '../types.ts';
import { guardAttempt } from './guard.ts';
import type { AttemptSettings, ProviderMeta, ResponseResult } from './types.ts';

/** What the pump hands on: the stages of the attempt, as the conductor wires them. */
export interface PumpStages<T> {
  /** True once the attempt has ended: later provider results are ignored. */
  ended(): boolean;
  /** The first text arrived. */
  firstText(): void;
  /** Takes a text delta; returns the partial response to show, if it is time for one. */
  text(delta: string): StreamingResponse<T> | undefined;
  /** Takes the whole text of a non-streaming call. */
  whole(text: string): void;
  /** The provider is done: the final checks. */
  finish(): void;
  /** Hands a partial response to the consumer's pull; returns it as the pull's result. */
  deliver(response: StreamingResponse<T>): ResponseResult<T>;
  /**
   * Runs `start`, whose outcome reaches the consumer through `deliver` or the attempt's
   * end: the pull's promise when the consumer holds the read's instead (and none left
   * for it), otherwise nothing.
   */
  wait(start: () => void): Promise<ResponseResult<T>> | undefined;
  fail(thrown: unknown): void;
  /** The attempt was aborted (by the request, a timer, or its close). */
  aborted(): void;
}

/**
 * The provider side of one attempt: the call, guarded by the request's abort and
 * the first-chunk and idle timers, and the loop that reads parts until there is
 * a partial to show. Callback-driven rather than async: a chunk costs the provider's promise
 * and the consumer's, nothing in between.
 *
 * `advance()` returns the promise of the read it starts, which resolves with the pull's
 * result: a consumer may hold it instead of a promise of its own when the provider's
 * reads end on abort; anything but a partial to show then goes through `wait`.
 */
export interface Pump<T> {
  readonly signal: AbortSignal;
  readonly meta: ProviderMeta;
  advance(): Promise<ResponseResult<T>> | undefined;
  generate(): void;
  close(): void;
}

export function createPump<T>(settings: AttemptSettings<T>, stages: PumpStages<T>): Pump<T> {
  const { routed, control } = settings;
  let receivedText = false;
  /** A provider read is outstanding. */
  let reading = false;
  const guard = guardAttempt(
    settings,
    () => {
      aborted = true;
      stages.aborted();
    },
    () => reading && receivedText,
  );
  const { signal, firstChunk, idle } = guard;
  /** The attempt's signal has aborted (a flag: read on every chunk). */
  let aborted = signal.aborted;
  /** An idle timeout is set: reads start and end its waits (read once: a chunk skips the calls). */
  const idling = idle.timed;
  const call = providerCall(settings, signal);
  const meta = noMeta();
  let iterator: AsyncIterator<ProviderPart> | undefined;
  let finished = false;
  const { fail, wait } = stages;

  /** Reads provider parts until there is a partial to show, or the stream ends. */
  function advance(): Promise<ResponseResult<T>> | undefined {
    if (stages.ended()) return;
    if (aborted) return wait(() => fail(signal.reason));
    if (control.paused) return wait(() => control.waitWhilePaused().then(advance, fail));
    if (iterator === undefined) return wait(open);
    let read: Promise<IteratorResult<ProviderPart>>;
    try {
      read = iterator.next();
    } catch (thrown) {
      return wait(() => fail(thrown));
    }
    reading = true;
    if (receivedText && idling) idle.begin();
    // Undefined only once the attempt has ended, and a pull that holds the read is never
    // outstanding then: its attempt ends through `wait`, which the pull's promise follows.
    return read.then(onPart, onProviderError) as Promise<ResponseResult<T>>;
  }

  /** Starts the stream, then reads it. */
  function open(): void {
    firstChunk.begin();
    let started: Promise<AsyncIterable<ProviderPart>>;
    try {
      started = routed.provider.doStream(call);
    } catch (thrown) {
      fail(thrown);
      return;
    }
    started.then((iterable) => {
      if (stages.ended()) return;
      try {
        iterator = iterable[Symbol.asyncIterator]();
      } catch (thrown) {
        fail(thrown);
        return;
      }
      advance();
    }, onProviderError);
  }

  function onProviderError(thrown: unknown): Promise<ResponseResult<T>> | undefined {
    reading = false;
    if (idling) idle.end();
    return stages.ended() ? undefined : wait(() => fail(thrown));
  }

  function onPart(
    next: IteratorResult<ProviderPart>,
  ): ResponseResult<T> | Promise<ResponseResult<T>> | undefined {
    reading = false;
    if (idling) idle.end();
    if (stages.ended()) return;
    let response: StreamingResponse<T> | undefined;
    try {
      if (next.done === true) {
        finished = true;
        return wait(stages.finish);
      }
      response = accept(next.value);
    } catch (thrown) {
      return wait(() => fail(thrown));
    }
    return response === undefined ? wait(advance) : stages.deliver(response);
  }

  /** Takes one provider part; returns the partial response to show, if it is time for one. */
  function accept(part: ProviderPart): StreamingResponse<T> | undefined {
    if (part.type === 'text-delta') {
      if (part.delta === '') return undefined;
      if (!receivedText) {
        receivedText = true;
        firstChunk.stop();
        stages.firstText();
      }
      return stages.text(part.delta);
    }
    keepMeta(meta, part);
    return undefined;
  }

  /** One non-streaming call: the whole text at once, then the same checks. */
  function generate(): void {
    if (finished) return;
    firstChunk.begin();
    let generated: Promise<ProviderResult>;
    try {
      generated = routed.provider.doGenerate(call);
    } catch (thrown) {
      fail(thrown);
      return;
    }
    generated.then((result) => {
      if (stages.ended()) return;
      try {
        firstChunk.stop();
        finished = true;
        stages.whole(generatedText(settings, meta, result));
      } catch (thrown) {
        fail(thrown);
        return;
      }
      stages.finish();
    }, onProviderError);
  }

  /** Releases timers and listeners; an unfinished stream is aborted and its iterator closed. */
  function close(): void {
    guard.release();
    if (finished) return;
    // Release the connection: abort the provider call and close its iterator without waiting on it.
    if (!signal.aborted) guard.abort(abortedError('attempt ended'));
    if (iterator?.return !== undefined) {
      try {
        iterator.return().then(undefined, () => {});
      } catch {
        // An iterator that throws on return has nothing left to release.
      }
    }
  }

  return { signal, meta, advance, generate, close };
}

/** What the provider is asked, the same for every read of the attempt. */
function providerCall<T>(settings: AttemptSettings<T>, signal: AbortSignal): ProviderCall {
  const { request, responseModel } = settings;
  return {
    model: settings.routed.model,
    messages: settings.messages,
    schema: responseModel.jsonSchema,
    schemaName: responseModel.name,
    mode: settings.mode,
    signal,
    ...(responseModel.description === undefined
      ? {}
      : { schemaDescription: responseModel.description }),
    ...(request.maxOutputTokens === undefined ? {} : { maxOutputTokens: request.maxOutputTokens }),
    ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
    ...(request.providerOptions === undefined ? {} : { providerOptions: request.providerOptions }),
  };
}

/** The text of a non-streaming call, its metadata kept in `meta`; throws when it is too long. */
function generatedText<T>(
  settings: AttemptSettings<T>,
  meta: ProviderMeta,
  result: ProviderResult,
): string {
  meta.finishReason = result.finishReason;
  meta.usage = result.usage;
  meta.responseId = result.id;
  meta.responseModel = result.model;
  if (result.text.length > settings.env.maxResponseChars) {
    throw new StructuredLLMError({
      category: 'parse',
      code: 'length_limit',
      message: `The response is longer than maxResponseChars (${settings.env.maxResponseChars})`,
    });
  }
  return result.text;
}

/** Keeps what a `finish` or `metadata` part says in `meta`. */
function keepMeta(meta: ProviderMeta, part: ProviderPart): void {
  if (part.type === 'finish') {
    meta.finishReason = part.finishReason;
    meta.usage = part.usage ?? meta.usage;
  } else if (part.type === 'metadata') {
    meta.responseId = part.id ?? meta.responseId;
    meta.responseModel = part.model ?? meta.responseModel;
  }
}

/** What a provider said besides its text, before it said anything. */
function noMeta(): ProviderMeta {
  return {
    usage: undefined,
    finishReason: undefined,
    responseId: undefined,
    responseModel: undefined,
  };
}
