import type { StructuredLLMError } from '../errors/index.ts';
import type { Logger, ObserverHub } from '../observe/index.ts';
import type { ProgressTracker } from '../progress/index.ts';
import type { OutputMode } from '../provider/index.ts';
import type { AttemptOutcome } from './attempt.ts';
import type { RequestRun } from './request-run.ts';

/**
 * The moments of a request, each emitted once by the request runner, before the
 * run moves on: where the request stands (the try, its model, provider and mode)
 * is read from the `RequestRun`.
 *
 * - `start`: the request starts; `attempt`: a try starts.
 * - `degrade`: the model rejected the mode; the next try uses `to`.
 * - `retry`: the try failed with `error`; the model is tried again after `delayMs`.
 * - `exhausted`: the model's tries are spent; `fallback`: the request moves on to `to`.
 * - `success`, `failure`: the request ends.
 */
export type LifecycleEvent<T = unknown> =
  | { readonly type: 'start' | 'attempt' }
  | { readonly type: 'degrade'; readonly to: OutputMode }
  | { readonly type: 'retry'; readonly error: StructuredLLMError; readonly delayMs: number }
  | { readonly type: 'exhausted'; readonly error: StructuredLLMError }
  | { readonly type: 'failure'; readonly error: StructuredLLMError }
  | { readonly type: 'fallback'; readonly error: StructuredLLMError; readonly to: string }
  | { readonly type: 'success'; readonly outcome: AttemptOutcome<T> };

type Moment = LifecycleEvent['type'];

/** A subscriber: what it does at the moments it cares about. */
export type LifecycleListener<T> = {
  readonly [K in Moment]?: (
    event: Extract<LifecycleEvent<T>, { readonly type: K }>,
    run: RequestRun<T>,
  ) => void;
};

/** Hands `event` to every listener that cares about its moment. */
export function emitLifecycle<T>(
  listeners: readonly LifecycleListener<T>[],
  event: LifecycleEvent<T>,
  run: RequestRun<T>,
): void {
  for (const listener of listeners) {
    (listener[event.type] as ((e: LifecycleEvent<T>, r: RequestRun<T>) => void) | undefined)?.(
      event,
      run,
    );
  }
}

/** The request's progress events: start, retry and fallback restarts, complete or error. */
export function progressListener<T>(tracker: ProgressTracker): LifecycleListener<T> {
  return {
    start: (_, run) =>
      tracker.startOperation(`Starting structured request for "${run.context.schemaName}"`, {
        model: run.model || undefined,
      }),
    degrade: ({ to }, { attempt, model }) =>
      tracker.restart('retry', `${model} cannot use this output mode; trying "${to}"`, {
        attempt: attempt + 1,
        model,
        mode: to,
      }),
    retry: ({ error: { category }, delayMs }, run) =>
      tracker.restart(
        'retry',
        `Retrying ${run.model} after ${category} (attempt ${run.attempt + 1})`,
        {
          attempt: run.attempt + 1,
          model: run.model,
          category,
          delayMs,
          ...run.elementData(),
        },
      ),
    fallback: ({ error: { category }, to }, run) =>
      tracker.restart('fallback', `Falling back from ${run.model} to ${to} after ${category}`, {
        attempt: run.attempt + 1,
        from: run.model,
        to,
        category,
        ...run.elementData(),
      }),
    success: ({ outcome }, { attempt, model, context }) =>
      tracker.completeOperation(`Completed "${context.schemaName}"`, {
        attempt,
        model,
        chars: outcome.chars,
      }),
    failure: ({ error }, { attempt }) =>
      tracker.failOperation(error.message, { category: error.category, attempts: attempt }),
  };
}

/** The observers' request hooks: `onRequestStart`, `onAttemptStart`, `onRetry`, `onFallback`, `onRequestEnd`. */
export function observerListener<T>(hub: ObserverHub): LifecycleListener<T> {
  const end = (run: RequestRun<T>, outcome?: AttemptOutcome<T>, error?: StructuredLLMError) =>
    hub.emit('onRequestEnd', {
      ...run.context,
      status: error === undefined ? 'success' : 'error',
      model: run.model,
      provider: run.provider,
      error,
      attempts: run.attempts,
      durationMs: run.now() - run.startedAt,
      usage: outcome?.usage,
      finishReason: outcome?.finishReason,
      responseId: outcome?.responseId,
      responseModel: outcome?.responseModel,
    });
  /** The fields of `onAttemptStart` and `onRetry`. */
  const attemptContext = ({ context, attempt, model, provider, mode }: RequestRun<T>) => ({
    ...context,
    attempt,
    model,
    provider: provider as string,
    mode,
  });
  return {
    start: (_, { context, model }) => hub.emit('onRequestStart', { ...context, model }),
    attempt: (_, run) => hub.emit('onAttemptStart', attemptContext(run)),
    retry: ({ error, delayMs }, run) =>
      hub.emit('onRetry', { ...attemptContext(run), error, delayMs }),
    fallback: ({ error, to }, { context, model }) =>
      hub.emit('onFallback', { ...context, fromModel: model, toModel: to, reason: error.category }),
    success: ({ outcome }, run) => end(run, outcome),
    failure: ({ error }, run) => end(run, undefined, error),
  };
}

/** The debug log of a request's turns. */
export function debugListener<T>(logger: Logger): LifecycleListener<T> {
  return {
    attempt: (_, { id, attempt, model, mode, streaming }) =>
      logger.debug('attempt', { requestId: id, attempt, model, mode, streaming }),
    degrade: ({ to }, { id, model, mode }) =>
      logger.debug('output mode fallback', { requestId: id, model, from: mode, to }),
    retry: ({ error, delayMs }, { id, attempt, model }) =>
      logger.debug('retry', { requestId: id, attempt, model, category: error.category, delayMs }),
    exhausted: ({ error }, { id, model, retries }) =>
      logger.debug('model exhausted', {
        requestId: id,
        model,
        category: error.category,
        retries,
      }),
    fallback: ({ error, to }, { id, model }) =>
      logger.debug('model fallback', {
        requestId: id,
        from: model,
        to,
        category: error.category,
      }),
    failure: ({ error }, { id, attempt }) =>
      logger.debug('request failed', {
        requestId: id,
        category: error.category,
        attempts: attempt,
      }),
  };
}
