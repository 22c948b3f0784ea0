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

/** A subscriber: what it does at the moments it cares about. */
type LifecycleListener = {
  readonly [K in LifecycleEvent['type']]?: (
    event: Extract<LifecycleEvent, { readonly type: K }>,
    context: LifecycleContext,
  ) => void;
};

/** The request's progress events: start, retry and fallback restarts, complete or error. */
const progress: LifecycleListener = {
  start: (_, { run, tracker }) =>
    tracker.startOperation(`Starting structured request for "${run.context.schemaName}"`, {
      model: run.model || undefined,
    }),
  degrade: ({ to }, { run: { attempt, model }, tracker }) =>
    tracker.restart('retry', `${model} cannot use this output mode; trying "${to}"`, {
      attempt: attempt + 1,
      model,
      mode: to,
    }),
  retry: ({ error: { category }, delayMs }, { run, tracker }) =>
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
  fallback: ({ error: { category }, to }, { run, tracker }) =>
    tracker.restart('fallback', `Falling back from ${run.model} to ${to} after ${category}`, {
      attempt: run.attempt + 1,
      from: run.model,
      to,
      category,
      ...run.elementData(),
    }),
  success: ({ outcome }, { run: { attempt, model, context }, tracker }) =>
    tracker.completeOperation(`Completed "${context.schemaName}"`, {
      attempt,
      model,
      chars: outcome.chars,
    }),
  failure: ({ error }, { run, tracker }) =>
    tracker.failOperation(error.message, { category: error.category, attempts: run.attempt }),
};

/** What every observer event of the current attempt carries (its debug lines too). */
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

/** `onRequestEnd`: with the error, if the request failed (the answering attempt's details are on its `onAttemptEnd`). */
function requestEnd({ run, env }: LifecycleContext, error?: StructuredLLMError): void {
  env.hub.emit('onRequestEnd', {
    ...run.context,
    status: error === undefined ? 'success' : 'error',
    model: run.model,
    provider: run.provider,
    error,
    attempts: run.attempts,
    durationMs: run.now() - run.startedAt,
  });
}

/**
 * The observers' request hooks: `onAttemptStart`, `onRetry`, `onFallback`, `onRequestEnd`
 * (`onRequestStart` is called when the runner starts the request's hub).
 */
const observers: LifecycleListener = {
  attempt: (_, { run, env }) => env.hub.emit('onAttemptStart', attemptContext(run)),
  retry: ({ error, delayMs }, { run, env }) =>
    env.hub.emit('onRetry', { ...attemptContext(run), error, delayMs }),
  fallback: ({ error, to }, { run, env }) =>
    env.hub.emit('onFallback', {
      ...run.context,
      fromModel: run.model,
      toModel: to,
      reason: error.category,
    }),
  success: (_, context) => requestEnd(context),
  failure: ({ error }, context) => requestEnd(context, error),
};

/** The debug log of a request's turns. */
const debug: LifecycleListener = {
  attempt: (_, { run, env }) => env.logger.debug('attempt', { ...attemptContext(run) }),
  degrade: ({ to }, { run, env }) =>
    env.logger.debug('output mode fallback', { ...attemptContext(run), to }),
  retry: ({ error, delayMs }, { run, env }) =>
    env.logger.debug('retry', { ...attemptContext(run), category: error.category, delayMs }),
  exhausted: ({ error }, { run, env }) =>
    env.logger.debug('model exhausted', {
      ...attemptContext(run),
      category: error.category,
      retries: run.retries,
    }),
  fallback: ({ error, to }, { run: { id, model }, env }) =>
    env.logger.debug('model fallback', {
      requestId: id,
      from: model,
      to,
      category: error.category,
    }),
  failure: ({ error }, { run: { id, attempt }, env }) =>
    env.logger.debug('request failed', {
      requestId: id,
      category: error.category,
      attempts: attempt,
    }),
};

/** The subscribers of every request's lifecycle, in the order they hear of a moment. */
const subscribers: readonly LifecycleListener[] = [progress, observers, debug];

/** Emits one moment of a request to its subscribers. */
export function emitLifecycle(context: LifecycleContext, event: LifecycleEvent): void {
  for (const subscriber of subscribers) {
    (subscriber[event.type] as ((e: LifecycleEvent, c: LifecycleContext) => void) | undefined)?.(
      event,
      context,
    );
  }
}
