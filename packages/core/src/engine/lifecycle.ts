import type { StructuredLLMError } from '../errors/index.ts';
import type { AttemptContext, Logger, ObserverHub } from '../observe/index.ts';
import type { ProgressTracker } from '../progress/index.ts';
import type { OutputMode } from '../provider/index.ts';
import type { AttemptOutcome } from './attempt/index.ts';
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
export type LifecycleEvent =
  | { readonly type: 'start' | 'attempt' }
  | { readonly type: 'degrade'; readonly to: OutputMode }
  | { readonly type: 'retry'; readonly error: StructuredLLMError; readonly delayMs: number }
  | { readonly type: 'exhausted'; readonly error: StructuredLLMError }
  | { readonly type: 'failure'; readonly error: StructuredLLMError }
  | { readonly type: 'fallback'; readonly error: StructuredLLMError; readonly to: string }
  | { readonly type: 'success'; readonly outcome: AttemptOutcome<unknown> };

/** The request a moment belongs to, and where its subscribers report it. */
export interface LifecycleContext {
  readonly run: RequestRun;
  readonly tracker: ProgressTracker;
  readonly env: { readonly hub: ObserverHub; readonly logger: Logger };
}

/** What every observer event of the run's current attempt carries (its debug lines too). */
export const attemptContext = ({
  context,
  attempt,
  model,
  provider,
  mode,
  streaming,
  server,
}: RequestRun): AttemptContext => ({
  ...context,
  streaming,
  attempt,
  model,
  provider: provider as string,
  mode,
  server,
});

/**
 * Emits one moment of a request to its subscribers, in this order: the request's
 * progress events (start, retry and fallback restarts, complete or error), the
 * observers' request hooks (`onAttemptStart`, `onRetry`, `onFallback`,
 * `onRequestEnd`; `onRequestStart` is called when the runner starts the request's
 * hub), then the debug log of the request's turns.
 */
export function emitLifecycle(
  { run, tracker, env: { hub, logger } }: LifecycleContext,
  event: LifecycleEvent,
): void {
  const { id: requestId, context, attempt, model, provider } = run;
  const current = (): AttemptContext => attemptContext(run);
  switch (event.type) {
    case 'start':
      tracker.startOperation(`Starting structured request for "${context.schemaName}"`, {
        model: model || undefined,
      });
      return;
    case 'attempt':
      hub.emit('onAttemptStart', current());
      logger.debug('attempt', { ...current() });
      return;
    case 'degrade': {
      const { to } = event;
      tracker.restart('retry', `${model} cannot use this output mode; trying "${to}"`, {
        attempt: attempt + 1,
        model,
        mode: to,
      });
      logger.debug('output mode fallback', { ...current(), to });
      return;
    }
    case 'retry': {
      const { error, delayMs } = event;
      const { category } = error;
      tracker.restart('retry', `Retrying ${model} after ${category} (attempt ${attempt + 1})`, {
        attempt: attempt + 1,
        model,
        category,
        delayMs,
        ...run.elementData(),
      });
      hub.emit('onRetry', { ...current(), error, delayMs });
      logger.debug('retry', { ...current(), category, delayMs });
      return;
    }
    case 'exhausted':
      logger.debug('model exhausted', {
        ...current(),
        category: event.error.category,
        retries: run.retries,
      });
      return;
    case 'fallback': {
      const { to } = event;
      const { category } = event.error;
      tracker.restart('fallback', `Falling back from ${model} to ${to} after ${category}`, {
        attempt: attempt + 1,
        from: model,
        to,
        category,
        ...run.elementData(),
      });
      hub.emit('onFallback', { ...context, fromModel: model, toModel: to, reason: category });
      logger.debug('model fallback', { requestId, from: model, to, category });
      return;
    }
    default: {
      const outcome = event.type === 'success' ? event.outcome : undefined;
      const error = event.type === 'failure' ? event.error : undefined;
      if (error === undefined) {
        tracker.completeOperation(`Completed "${context.schemaName}"`, {
          attempt,
          model,
          chars: outcome?.chars,
        });
      } else {
        tracker.failOperation(error.message, { category: error.category, attempts: attempt });
      }
      hub.emit('onRequestEnd', {
        ...context,
        status: error === undefined ? 'success' : 'error',
        model,
        provider,
        error,
        attempts: run.attempts,
        durationMs: run.now() - run.startedAt,
      });
      if (error !== undefined) {
        logger.debug('request failed', { requestId, category: error.category, attempts: attempt });
      }
    }
  }
}
