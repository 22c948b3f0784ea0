import { abortedError } from '../../errors/aborted.ts';
import { StructuredLLMError } from '../../errors/index.ts';
import type { ProviderCall, ProviderPart, ProviderResult } from '../../provider/index.ts';
import type { StreamingResponse } from '../types.ts';
import { guardAttempt } from './guard.ts';
import type { AttemptSettings, ProviderMeta } from './types.ts';

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
  /** Hands a partial response to the consumer's pull. */
  deliver(response: StreamingResponse<T>): void;
  fail(thrown: unknown): void;
  /** The attempt was aborted (by the request, a timer, or its close). */
  aborted(): void;
}

/**
 * The provider side of one attempt: the call, guarded by the request's abort and
 * the first-chunk and idle timers, and the loop that reads parts until there is
 * a partial to show. Callback-driven rather than async: a chunk costs the provider's promise
 * and the consumer's, nothing in between.
 */
export interface Pump {
  readonly signal: AbortSignal;
  readonly meta: ProviderMeta;
  advance(): void;
  generate(): void;
  close(): void;
}

export function createPump<T>(settings: AttemptSettings<T>, stages: PumpStages<T>): Pump {
  const { routed, control } = settings;
  let receivedText = false;
  /** A provider read is outstanding. */
  let reading = false;
  const guard = guardAttempt(settings, stages.aborted, () => reading && receivedText);
  const { signal, firstChunk, idle } = guard;
  const call = providerCall(settings, signal);
  const meta: ProviderMeta = {
    usage: undefined,
    finishReason: undefined,
    responseId: undefined,
    responseModel: undefined,
  };
  let iterator: AsyncIterator<ProviderPart> | undefined;
  let finished = false;
  const { fail } = stages;

  /** Reads provider parts until there is a partial to show, or the stream ends. */
  function advance(): void {
    if (stages.ended()) return;
    if (signal.aborted) {
      fail(signal.reason);
      return;
    }
    if (control.paused) {
      control.waitWhilePaused().then(advance, fail);
      return;
    }
    if (iterator === undefined) {
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
      return;
    }
    let read: Promise<IteratorResult<ProviderPart>>;
    try {
      read = iterator.next();
    } catch (thrown) {
      fail(thrown);
      return;
    }
    reading = true;
    if (receivedText) idle.begin();
    read.then(onPart, onProviderError);
  }

  function onProviderError(thrown: unknown): void {
    reading = false;
    idle.end();
    if (!stages.ended()) fail(thrown);
  }

  function onPart(next: IteratorResult<ProviderPart>): void {
    reading = false;
    idle.end();
    if (stages.ended()) return;
    let response: StreamingResponse<T> | undefined;
    try {
      if (next.done === true) {
        finished = true;
        stages.finish();
        return;
      }
      response = accept(next.value);
    } catch (thrown) {
      fail(thrown);
      return;
    }
    if (response === undefined) advance();
    else stages.deliver(response);
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
