import { StructuredLLMError } from '../../errors/index.ts';
import type { ProviderCall, ProviderPart, ProviderResult } from '../../provider/index.ts';
import { abortError } from '../stream-control.ts';
import { WaitTimer } from '../timers.ts';
import type { StreamingResponse } from '../types.ts';
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
 * The provider side of one attempt: the call, its abort wiring, the first-chunk
 * and idle timers, and the loop that reads parts until there is a partial to
 * show. Callback-driven rather than async: a chunk costs the provider's promise
 * and the consumer's, nothing in between.
 */
export function createPump<T>(settings: AttemptSettings<T>, stages: PumpStages<T>) {
  const { request, responseModel, routed, control } = settings;
  const attemptController = new AbortController();
  const signal = attemptController.signal;
  const abortAttempt = (reason: StructuredLLMError): void => attemptController.abort(reason);
  const onRequestAbort = (): void => abortAttempt(abortError(control.signal.reason));
  if (control.signal.aborted) onRequestAbort();
  else control.signal.addEventListener('abort', onRequestAbort, { once: true });

  const timeouts = request.timeouts ?? {};
  const firstChunk = new WaitTimer(timeouts.firstChunkMs, () =>
    abortAttempt(
      new StructuredLLMError({
        category: 'timeout',
        code: 'first_chunk_timeout',
        message: `No output from ${routed.requested} within ${timeouts.firstChunkMs} ms`,
      }),
    ),
  );
  // Runs only while a provider read is outstanding: a slow consumer is not an idle provider.
  const idle = new WaitTimer(timeouts.idleMs, () =>
    abortAttempt(
      new StructuredLLMError({
        category: 'timeout',
        code: 'idle_timeout',
        message: `${routed.requested} sent nothing for ${timeouts.idleMs} ms`,
      }),
    ),
  );
  let receivedText = false;
  /** A provider read is outstanding. */
  let reading = false;
  // Time spent paused is the consumer's, not the provider's: suspend the idle timer.
  const stopWatchingPause = control.onPauseChange((paused) => {
    if (paused) idle.end();
    else if (reading && receivedText) idle.begin();
  });
  // A provider that ignores its abort signal must not hold the consumer: the abort ends the pull.
  const onAttemptAbort = stages.aborted;
  signal.addEventListener('abort', onAttemptAbort, { once: true });

  const call: ProviderCall = {
    model: routed.model,
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
    if (part.type === 'finish') {
      meta.finishReason = part.finishReason;
      meta.usage = part.usage ?? meta.usage;
    } else if (part.type === 'metadata') {
      meta.responseId = part.id ?? meta.responseId;
      meta.responseModel = part.model ?? meta.responseModel;
    }
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
        meta.finishReason = result.finishReason;
        meta.usage = result.usage;
        meta.responseId = result.id;
        meta.responseModel = result.model;
        if (result.text.length > settings.maxResponseChars) {
          throw new StructuredLLMError({
            category: 'parse',
            code: 'length_limit',
            message: `The response is longer than maxResponseChars (${settings.maxResponseChars})`,
          });
        }
        stages.whole(result.text);
      } catch (thrown) {
        fail(thrown);
        return;
      }
      stages.finish();
    }, onProviderError);
  }

  /** Releases timers and listeners; an unfinished stream is aborted and its iterator closed. */
  function close(): void {
    signal.removeEventListener('abort', onAttemptAbort);
    firstChunk.stop();
    idle.stop();
    stopWatchingPause();
    control.signal.removeEventListener('abort', onRequestAbort);
    if (finished) return;
    // Release the connection: abort the provider call and close its iterator without waiting on it.
    if (!signal.aborted) attemptController.abort(abortError('attempt ended'));
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
