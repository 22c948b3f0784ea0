import { StructuredLLMError } from '../errors/index.ts';
import { unexpectedError } from '../errors/unexpected.ts';
import type { Logger, ObserverHub } from '../observe/index.ts';
import { type ProgressEstimator, ProgressTracker } from '../progress/index.ts';
import {
  type Message,
  type ModelRouter,
  OUTPUT_MODE_DEGRADATION,
  type OutputMode,
  type RoutedModel,
} from '../provider/index.ts';
import type { CircuitBreaker, RateLimiter } from '../resilience/index.ts';
import type { ResponseModel } from '../schema/index.ts';
import { errorText } from '../values.ts';
import type { AttemptEnd, AttemptOutcome, AttemptRun } from './attempt/index.ts';
import { attemptCeiling, decide } from './decide.ts';
import { emitLifecycle } from './lifecycle.ts';
import { initialMessages, reaskMessages } from './messages.ts';
import type { RequestRun } from './request-run.ts';
import type { StreamControl } from './stream-control.ts';
import { WaitTimer } from './timers.ts';
import { type FailedTry, type Tried, type TryContext, tryModel } from './try-model.ts';
import type { RetryOptions, StreamingResponse, StreamingStructuredRequest } from './types.ts';

export interface RunnerEnvironment {
  readonly router: ModelRouter;
  readonly breaker: CircuitBreaker | undefined;
  readonly rateLimiter: RateLimiter | undefined;
  readonly hub: ObserverHub;
  readonly logger: Logger;
  readonly estimator: ProgressEstimator;
  readonly retry: RetryOptions;
  readonly defaultModel: string | undefined;
  readonly maxResponseChars: number;
  readonly maxDepth: number;
  readonly maxChunks: number;
  readonly now: () => number;
}

/**
 * What the runner yields: a response for the consumer, or a running attempt
 * whose partials the stream pulls directly (a generator resumption per chunk
 * would cost more than the rest of the chunk's work). The stream resumes the
 * runner with the attempt's end.
 */
export type RunnerItem<T> = StreamingResponse<T> | { readonly running: AttemptRun<T> };

let requestCounter = 0;

/**
 * Runs a request to the end: tries on each model (re-asks, output mode
 * degradations, retries after a backoff), then on the fallback models, as
 * `decide` says; yields the running attempts and one final response.
 */
export async function* runRequest<T>(
  env: RunnerEnvironment,
  request: StreamingStructuredRequest<T>,
  responseModel: ResponseModel<T>,
  control: StreamControl,
  run: RequestRun<T>,
): AsyncGenerator<RunnerItem<T>, void, AttemptEnd<T> | undefined> {
  const models = begin(env, request, responseModel, control.signal, run);
  // `onRequestStart`, before anything else of the request: the hooks observers return for
  // this request join the hub its attempts and lifecycle report to.
  const hub = env.hub.startRequest({ ...run.context, model: run.model });
  const requestEnv = hub === env.hub ? env : { ...env, hub };
  const tracker = progressTracker(requestEnv, request, run);
  const context: TryContext<T> = {
    env: requestEnv,
    request,
    responseModel,
    control,
    run,
    tracker,
  };
  const totalMs = request.timeouts?.totalMs;
  // One wait for the whole request (none when totalMs is unset or Infinity).
  const totalTimer = new WaitTimer(totalMs, () =>
    control.abort(
      new StructuredLLMError({
        category: 'timeout',
        code: 'total_timeout',
        retryable: false,
        message: `The request did not finish within timeouts.totalMs (${totalMs} ms)`,
      }),
    ),
  );
  totalTimer.begin();
  const end = (error: StructuredLLMError | undefined, outcome?: AttemptOutcome<T>) =>
    finalResponse(context, error, outcome);
  try {
    emitLifecycle(context, { type: 'start' });
    if (models.length === 0) {
      yield end(
        new StructuredLLMError({
          category: 'bad_request',
          code: 'no_model',
          message: 'The request names no model and the service has no defaultModel',
        }),
      );
      return;
    }
    let m = 0;
    /** The current model, once routed. */
    let routed: RoutedModel | undefined;
    let baseMessages: readonly Message[] = [];
    let messages: readonly Message[] = [];
    /** The backoff before the next try. */
    let delayMs = 0;
    for (;;) {
      let tried: Tried<T> | undefined;
      if (routed === undefined) {
        // A new model: route it and start from its best mode.
        const requested = models[m] as string;
        run.model = requested;
        run.nextModel = models[m + 1];
        const routedOrError = openModel(env, request, requested, run);
        if (routedOrError instanceof StructuredLLMError) {
          tried = { stage: 'route', error: routedOrError, text: '' };
          run.record(++run.attempt, undefined, routedOrError);
        } else {
          routed = routedOrError;
          baseMessages = messages = firstMessages(request, responseModel, run.mode);
        }
      }
      if (routed !== undefined) {
        tried = yield* tryModel(context, routed, messages, delayMs);
        delayMs = 0;
        if (tried.outcome !== undefined) {
          yield end(undefined, tried.outcome);
          return;
        }
      }
      const failed = tried as FailedTry;
      const { error, text, record } = failed;
      const decision = decide(failed, run);
      if ('exhausted' in decision) emitLifecycle(context, { type: 'exhausted', error });
      switch (decision.action) {
        case 'fail':
          if (decision.ceiling) {
            env.logger.warn('request stopped at its attempt ceiling', {
              requestId: run.id,
              attempts: run.attempt,
            });
          }
          yield end(decision.error);
          return;
        case 'fallback':
          emitLifecycle(context, { type: 'fallback', error, to: decision.model });
          m++;
          routed = undefined;
          break;
        case 'degrade':
          emitLifecycle(context, { type: 'degrade', to: decision.mode });
          run.mode = decision.mode;
          // Re-asks still quote the messages of the model's first mode.
          messages = firstMessages(request, responseModel, run.mode);
          break;
        default: {
          run.retries++;
          if (decision.limit) run.limitReasks++;
          if (decision.action === 'reask') {
            messages = reaskMessages(baseMessages, text, error, responseModel.name);
          } else delayMs = decision.delayMs;
          (record as { delayMs?: number }).delayMs = delayMs;
          emitLifecycle(context, { type: 'retry', error, delayMs });
        }
      }
    }
  } catch (thrown) {
    // A failure outside any attempt (a breaker or hook bug, an engine bug): the request
    // still ends with one error response, the attempts made and the last partial.
    if (run.outcome !== undefined) throw thrown;
    yield end(unexpectedError(thrown, 'The request failed'));
  } finally {
    totalTimer.stop();
  }
}

/** Starts the run's clock, names it and sets its retry bounds; the models to try, in order. */
function begin<T>(
  env: RunnerEnvironment,
  request: StreamingStructuredRequest<T>,
  responseModel: ResponseModel<T>,
  signal: AbortSignal,
  run: RequestRun<T>,
): string[] {
  const { now } = env;
  run.id = `req_${(++requestCounter).toString(36)}_${now().toString(36)}`;
  run.startedAt = now();
  run.now = now;
  run.context = {
    requestId: run.id,
    schemaName: responseModel.name,
    streaming: request.enableStreaming !== false,
  };
  const primary = request.model ?? env.defaultModel;
  run.model = primary ?? '';
  run.signal = signal;
  run.retry = env.retry;
  // Checked when the request was made: an integer >= 0.
  run.maxRetries = request.maxRetries ?? env.retry.maxRetries ?? 3;
  const models = primary === undefined ? [] : [primary, ...(request.fallbackModels ?? [])];
  run.ceiling = attemptCeiling(models.length, run.maxRetries);
  return models;
}

/**
 * Ends the run: emits `success` (with `outcome`) or `failure` (with `error` and the
 * attempts made), records the outcome, and builds the final response.
 */
function finalResponse<T>(
  context: TryContext<T>,
  error: StructuredLLMError | undefined,
  outcome?: AttemptOutcome<T>,
): StreamingResponse<T> {
  const { run, tracker } = context;
  const final = error?.withAttempts(run.attempts);
  emitLifecycle(
    context,
    final === undefined
      ? { type: 'success', outcome: outcome as AttemptOutcome<T> }
      : { type: 'failure', error: final },
  );
  run.settle(
    final === undefined ? { value: (outcome as AttemptOutcome<T>).value } : { error: final },
  );
  return {
    partialResult: (final === undefined
      ? outcome?.value
      : run.lastPartial) as StreamingResponse<T>['partialResult'],
    isComplete: true,
    progressPercent: tracker.progressPercent,
    rawChunks: outcome?.rawChunks,
    error: final,
    attempt: run.attempt,
    model: run.model,
    ...(run.streamedElements && { elementCount: run.streamedElements.valid }),
    ...(run.usage && { usage: run.usage }),
  };
}

/** The request's progress tracker: the callback and its filter, and the observers' `onProgressEvent`. */
function progressTracker<T>(
  env: RunnerEnvironment,
  request: StreamingStructuredRequest<T>,
  run: RequestRun<T>,
): ProgressTracker {
  const { hub, logger } = env;
  return new ProgressTracker({
    callback: request.progressCallback,
    filter: request.progressFilter,
    onCallbackError: (error) =>
      logger.warn(
        'progressCallback threw; the stream goes on and further errors are not reported',
        { requestId: run.id, error: errorText(error) },
      ),
    onEvent: hub.has('onProgressEvent')
      ? (event) => hub.emit('onProgressEvent', { ...run.context, event })
      : undefined,
    now: env.now,
  });
}

function firstMessages<T>(
  request: StreamingStructuredRequest<T>,
  responseModel: ResponseModel<T>,
  mode: OutputMode,
): Message[] {
  return initialMessages(request.prompt, request.system, mode, responseModel.jsonSchema);
}

/**
 * Routes `requested` and sets the run on it: its provider, its output modes (the
 * best one first), whether it streams, no retries yet. The error when it cannot be used.
 */
function openModel<T>(
  env: RunnerEnvironment,
  request: StreamingStructuredRequest<T>,
  requested: string,
  run: RequestRun<T>,
): RoutedModel | StructuredLLMError {
  let routed: RoutedModel | undefined;
  try {
    routed = env.router.route(requested);
    const capabilities = routed.provider.supports(routed.model);
    // The modes to try, best first: the requested one (or the best native one) and its degradations.
    const wanted = request.mode;
    const auto = wanted === undefined || wanted === 'auto';
    const modes = OUTPUT_MODE_DEGRADATION.slice(
      auto ? 0 : Math.max(0, OUTPUT_MODE_DEGRADATION.indexOf(wanted)),
    ).filter((mode) => capabilities.modes.includes(mode));
    if (modes.length === 0) {
      throw new StructuredLLMError({
        category: 'bad_request',
        code: 'unsupported_mode',
        message: `${requested} supports none of the output modes ${auto ? OUTPUT_MODE_DEGRADATION.join(', ') : `from "${wanted}" down`}`,
      });
    }
    run.provider = routed.provider.id;
    run.server = routed.provider.server;
    run.modes = modes;
    run.mode = modes[0] as OutputMode;
    run.streaming = request.enableStreaming !== false && capabilities.streaming;
    run.retries = run.limitReasks = 0;
    return routed;
  } catch (thrown) {
    return unexpectedError(
      thrown,
      `${routed === undefined ? 'Routing' : `Provider "${routed.provider.id}"`} failed for ${requested}`,
    );
  }
}
