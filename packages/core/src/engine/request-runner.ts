import { type AttemptRecord, StructuredLLMError } from '../errors/index.ts';
import { causeWithoutSecrets } from '../errors/redact-secrets.ts';
import type { Logger, ObserverHub } from '../observe/index.ts';
import { type ProgressEstimator, ProgressTracker, progressKey } from '../progress/index.ts';
import {
  type Message,
  type ModelRouter,
  OUTPUT_MODE_DEGRADATION,
  type OutputMode,
  type RoutedModel,
} from '../provider/index.ts';
import {
  type BreakerCall,
  type CircuitBreaker,
  circuitOpenError,
  type RateLimiter,
  sleep,
} from '../resilience/index.ts';
import type { ResponseModel } from '../schema/index.ts';
import { errorText } from '../values.ts';
import {
  type AttemptEnd,
  AttemptFailure,
  type AttemptOutcome,
  type AttemptRun,
  startAttempt,
} from './attempt.ts';
import { attemptCeiling, decide, type Failure } from './decide.ts';
import {
  debugListener,
  emitLifecycle,
  type LifecycleEvent,
  type LifecycleListener,
  observerListener,
  progressListener,
} from './lifecycle.ts';
import { initialMessages, reaskMessages } from './messages.ts';
import type { RequestRun } from './request-run.ts';
import { abortError, type StreamControl } from './stream-control.ts';
import { WaitTimer } from './timers.ts';
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

/** The modes to try on a model, best first: the requested one (or the best native one) and its degradations. */
export function modesFor(
  requested: OutputMode | 'auto' | undefined,
  supported: readonly OutputMode[],
): OutputMode[] {
  const start =
    requested === undefined || requested === 'auto'
      ? 0
      : OUTPUT_MODE_DEGRADATION.indexOf(requested);
  return OUTPUT_MODE_DEGRADATION.slice(Math.max(0, start)).filter((mode) =>
    supported.includes(mode),
  );
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
  const { signal } = control;
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
  const models = primary === undefined ? [] : [primary, ...(request.fallbackModels ?? [])];
  run.model = primary ?? '';
  run.signal = signal;
  run.retry = env.retry;
  // Checked when the request was made: an integer >= 0.
  run.maxRetries = request.maxRetries ?? env.retry.maxRetries ?? 3;
  run.ceiling = attemptCeiling(models.length, run.maxRetries);
  const tracker = progressTracker(env, request, run);
  const listeners: LifecycleListener<T>[] = [
    progressListener(tracker),
    observerListener(env.hub),
    debugListener(env.logger),
  ];
  const emit = (event: LifecycleEvent<T>): void => emitLifecycle(listeners, event, run);
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
  /** The request's outcome was handed on (a value, or the error `fail` builds). */
  let settled = false;
  /** The final response of a request that ended with `error`, or with `value` (`error` undefined). */
  const end = (error: StructuredLLMError | undefined, value?: AttemptOutcome<T>) => {
    settled = true;
    const final = error?.withAttempts(run.attempts);
    emit(
      final === undefined
        ? { type: 'success', outcome: value as AttemptOutcome<T> }
        : { type: 'failure', error: final },
    );
    run.settle(
      final === undefined ? { value: (value as AttemptOutcome<T>).value } : { error: final },
    );
    return {
      partialResult: (final === undefined
        ? value?.value
        : run.lastPartial) as StreamingResponse<T>['partialResult'],
      isComplete: true,
      progressPercent: tracker.progressPercent,
      rawChunks: value?.rawChunks,
      error: final,
      attempt: run.attempt,
      model: run.model,
      ...run.elementCount(),
    };
  };

  try {
    emit({ type: 'start' });
    if (primary === undefined) {
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
    /** The current model, once routed, and its breaker and limiter key. */
    let routed: RoutedModel | undefined;
    let key = '';
    let baseMessages: readonly Message[] = [];
    let messages: readonly Message[] = [];
    /** Wait before the next try (a backoff delay); there is always at least a macrotask. */
    let delayMs = 0;
    for (;;) {
      let failure: Failure | undefined;
      let attemptFailure: AttemptFailure | undefined;
      let record: { -readonly [K in keyof AttemptRecord]: AttemptRecord[K] } | undefined;
      if (routed === undefined) {
        // A new model: route it and start from its best mode.
        const requested = models[m] as string;
        run.model = requested;
        run.nextModel = models[m + 1];
        const routedOrError = openModel(env, request, requested, run);
        if (routedOrError instanceof StructuredLLMError) {
          failure = { stage: 'route', error: routedOrError };
          run.attempts.push({
            attempt: ++run.attempt,
            model: requested,
            category: routedOrError.category,
            message: routedOrError.message,
          });
        } else {
          routed = routedOrError;
          key = `${routed.provider.id}:${routed.model}`;
          baseMessages = messages = firstMessages(request, responseModel, run.mode);
        }
      }
      if (routed !== undefined) {
        const provider = routed.provider.id;
        try {
          // Between tries, even without a delay, the event loop runs (a macrotask): a run of
          // instant failures never starves timers and I/O.
          if (run.attempt > 0) await sleep(delayMs, signal);
          delayMs = 0;
          signal.throwIfAborted();
          if (env.rateLimiter !== undefined) {
            await rateLimitWait(env, run, env.rateLimiter, key, signal);
          }
        } catch {
          yield end(abortError(signal.reason));
          return;
        }
        // This attempt's admission by the breaker: how it ends is reported on it.
        let admitted: BreakerCall | undefined;
        const breaker = env.breaker;
        if (breaker !== undefined) {
          const decision = await guarded(env, run, 'Circuit breaker', 'acquire', () =>
            breaker.acquire(key),
          );
          if (decision?.allowed === true) admitted = decision.call;
          if (decision?.allowed === false) {
            const refused = circuitOpenError(key, decision.retryInMs);
            env.logger.warn(refused.message, { requestId: run.id, model: run.model });
            failure = { stage: 'admission', error: refused };
            run.attempts.push({
              attempt: ++run.attempt,
              model: run.model,
              provider,
              category: 'circuit_open',
              message: refused.message,
            });
          }
        }
        if (failure === undefined) {
          const attempt = ++run.attempt;
          emit({ type: 'attempt' });
          const attemptRun = startAttempt({
            request,
            responseModel,
            routed,
            mode: run.mode,
            messages,
            attempt,
            streaming: run.streaming,
            control,
            tracker,
            estimator: env.estimator,
            hub: env.hub,
            requestId: run.id,
            maxResponseChars: env.maxResponseChars,
            maxDepth: env.maxDepth,
            maxChunks: env.maxChunks,
            now,
            startedAt: run.startedAt,
            onPartial: (value) => {
              run.lastPartial = value;
            },
            elements: run.streamedElements,
          });
          let ended: AttemptEnd<T> | undefined;
          try {
            // The stream pulls the attempt's partials itself and resumes us with how it ended.
            ended = yield { running: attemptRun };
            if (ended === undefined)
              throw new TypeError('The runner was resumed without an attempt end');
          } catch (thrown) {
            ended = {
              failure: new AttemptFailure(
                StructuredLLMError.is(thrown) ? thrown : abortError(thrown),
                '',
              ),
            };
          } finally {
            attemptRun.close();
          }
          if (ended.outcome !== undefined) {
            const { outcome } = ended;
            await succeeded(env, run, admitted, key, outcome.usage);
            learn(env, run, responseModel, outcome);
            run.attempts.push({ attempt, model: run.model, provider });
            yield end(undefined, outcome);
            return;
          }
          attemptFailure = ended.failure;
          const { error } = attemptFailure;
          failure = { stage: 'attempt', error };
          record = {
            attempt,
            model: run.model,
            provider,
            category: error.category,
            message: error.message,
          };
          run.attempts.push(record);
          await failed(env, run, admitted, key, error);
        }
      }
      const { error } = failure as Failure;
      const decision = decide(failure as Failure, run);
      if ('exhausted' in decision) emit({ type: 'exhausted', error });
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
          emit({ type: 'fallback', error, to: decision.model });
          m++;
          routed = undefined;
          break;
        case 'degrade':
          emit({ type: 'degrade', to: decision.mode });
          run.mode = decision.mode;
          // Re-asks still quote the messages of the model's first mode.
          messages = firstMessages(request, responseModel, run.mode);
          break;
        default: {
          run.retries++;
          if (decision.limit) run.limitReasks++;
          delayMs = 0;
          if (decision.action === 'reask') {
            const text = (attemptFailure as AttemptFailure).text;
            messages = reaskMessages(baseMessages, text, error, responseModel.name);
          } else delayMs = decision.delayMs;
          (record as { delayMs?: number }).delayMs = delayMs;
          emit({ type: 'retry', error, delayMs });
        }
      }
    }
  } catch (thrown) {
    // A failure outside any attempt (a breaker or hook bug, an engine bug): the request
    // still ends with one error response, the attempts made and the last partial.
    if (settled) throw thrown;
    yield end(
      StructuredLLMError.is(thrown)
        ? thrown
        : new StructuredLLMError({
            category: 'unknown',
            message: `The request failed: ${errorText(thrown)}`,
            cause: causeWithoutSecrets(thrown, []),
          }),
    );
  } finally {
    totalTimer.stop();
  }
}

/** The request's progress tracker: the callback and its filter, and the observers' `onProgressEvent`. */
function progressTracker<T>(
  env: RunnerEnvironment,
  request: StreamingStructuredRequest<T>,
  run: RequestRun<T>,
): ProgressTracker {
  const { hub, logger } = env;
  return new ProgressTracker({
    ...(request.progressCallback === undefined ? {} : { callback: request.progressCallback }),
    ...(request.progressFilter === undefined ? {} : { filter: request.progressFilter }),
    onCallbackError: (error) =>
      logger.warn(
        'progressCallback threw; the stream goes on and further errors are not reported',
        { requestId: run.id, error: errorText(error) },
      ),
    ...(hub.has('onProgressEvent')
      ? { onEvent: (event) => hub.emit('onProgressEvent', { ...run.context, event }) }
      : {}),
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
    const modes = modesFor(request.mode, capabilities.modes);
    if (modes.length === 0) {
      throw new StructuredLLMError({
        category: 'bad_request',
        code: 'unsupported_mode',
        message: `${requested} supports none of the output modes ${request.mode === undefined || request.mode === 'auto' ? OUTPUT_MODE_DEGRADATION.join(', ') : `from "${request.mode}" down`}`,
      });
    }
    run.provider = routed.provider.id;
    run.modes = modes;
    run.mode = modes[0] as OutputMode;
    run.streaming = request.enableStreaming !== false && capabilities.streaming;
    run.retries = run.limitReasks = 0;
    return routed;
  } catch (thrown) {
    return StructuredLLMError.is(thrown)
      ? thrown
      : new StructuredLLMError({
          category: 'unknown',
          message: `${routed === undefined ? 'Routing' : `Provider "${routed.provider.id}"`} failed for ${requested}: ${errorText(thrown)}`,
          cause: causeWithoutSecrets(thrown, []),
        });
  }
}

/**
 * One step of the breaker or the rate limiter. A shared store out of reach must not fail
 * requests: the request goes on as if there were none, and the logger says so.
 */
async function guarded<R, T>(
  env: RunnerEnvironment,
  run: RequestRun<T>,
  what: 'Circuit breaker' | 'Rate limiter',
  step: string,
  call: () => R | Promise<R>,
): Promise<R | undefined> {
  try {
    return await call();
  } catch (error) {
    const without = what === 'Circuit breaker' ? 'the breaker' : 'the limiter';
    env.logger.warn(`${what} ${step} failed; the request goes on without ${without}`, {
      requestId: run.id,
      error: errorText(error),
    });
    return undefined;
  }
}

/**
 * Waits until the limiter lets a call on `key` start (and counts it). Rejects only when
 * the request is aborted meanwhile.
 */
async function rateLimitWait<T>(
  env: RunnerEnvironment,
  run: RequestRun<T>,
  limiter: RateLimiter,
  key: string,
  signal: AbortSignal,
): Promise<void> {
  const context = { requestId: run.id, model: run.model };
  for (;;) {
    const decision = await guarded(env, run, 'Rate limiter', 'acquire', () => limiter.acquire(key));
    const waitMs = decision?.waitMs;
    if (waitMs === undefined || !(waitMs > 0)) return;
    if (!Number.isFinite(waitMs)) {
      env.logger.warn(
        'Rate limiter acquire answered an endless wait; the request goes on',
        context,
      );
      return;
    }
    env.logger.debug('rate limit wait', { ...context, waitMs });
    await sleep(waitMs, signal);
  }
}

/** Tells the breaker and the rate limiter how a failed attempt went. */
async function failed<T>(
  env: RunnerEnvironment,
  run: RequestRun<T>,
  admitted: BreakerCall | undefined,
  key: string,
  error: StructuredLLMError,
): Promise<void> {
  if (admitted !== undefined) {
    // The caller's own limits (an abort, timeouts.totalMs) say nothing of the provider.
    if (error.category === 'aborted' || error.code === 'total_timeout') {
      await guarded(env, run, 'Circuit breaker', 'release', () => admitted.released());
    } else {
      await guarded(env, run, 'Circuit breaker', 'recordFailure', () =>
        admitted.failed(error.category),
      );
    }
  }
  const limiter = env.rateLimiter;
  const pauseMs = error.retryAfterMs;
  if (
    limiter !== undefined &&
    error.category === 'rate_limit' &&
    pauseMs !== undefined &&
    pauseMs > 0
  ) {
    // Everyone sharing the limiter holds back from this model until the provider's time.
    await guarded(env, run, 'Rate limiter', 'penalize', () => limiter.penalize(key, pauseMs));
  }
}

/** Tells the breaker and the rate limiter (the tokens used) that an attempt succeeded. */
async function succeeded<T>(
  env: RunnerEnvironment,
  run: RequestRun<T>,
  admitted: BreakerCall | undefined,
  key: string,
  usage: AttemptOutcome<T>['usage'],
): Promise<void> {
  if (admitted !== undefined) {
    await guarded(env, run, 'Circuit breaker', 'recordSuccess', () => admitted.succeeded());
  }
  const limiter = env.rateLimiter;
  const tokens = (usage?.inputTokens ?? 0) + (usage?.outputTokens ?? 0);
  if (limiter !== undefined && tokens > 0) {
    await guarded(env, run, 'Rate limiter', 'record', () => limiter.record(key, { tokens }));
  }
}

/** Teaches the progress estimator the size (and shape) of a value. */
function learn<T>(
  env: RunnerEnvironment,
  run: RequestRun<T>,
  responseModel: ResponseModel<T>,
  outcome: AttemptOutcome<T>,
): void {
  try {
    // Released elements are gone from the value: then only its size is learned.
    env.estimator.learn(
      progressKey(responseModel.name, responseModel.jsonSchema),
      outcome.chars,
      run.streamedElements === undefined ? outcome.value : undefined,
    );
  } catch (error) {
    // A custom estimator that fails to learn costs later estimates, never this value.
    env.logger.warn('progressEstimator.learn threw; the result is kept', {
      requestId: run.id,
      error: errorText(error),
    });
  }
}
