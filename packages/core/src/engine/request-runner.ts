import { type AttemptRecord, StructuredLLMError } from '../errors/index.ts';
import { causeWithoutSecrets } from '../errors/redact-secrets.ts';
import type { AttemptContext, Logger, ObserverHub } from '../observe/index.ts';
import { type ProgressEstimator, ProgressTracker, progressKey } from '../progress/index.ts';
import {
  type Message,
  type ModelRouter,
  OUTPUT_MODE_DEGRADATION,
  type OutputMode,
  type RoutedModel,
  type Usage,
} from '../provider/index.ts';
import {
  type BreakerCall,
  type CircuitBreaker,
  circuitOpenError,
  type RateLimiter,
  retryDelay,
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
import { type ElementTracker, INVALID_ELEMENT } from './elements.ts';
import { initialMessages, reaskMessages } from './messages.ts';
import { abortError, type StreamControl } from './stream-control.ts';
import { WaitTimer } from './timers.ts';
import type {
  RequestUsage,
  RetryOptions,
  StreamingResponse,
  StreamingStructuredRequest,
} from './types.ts';

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

export interface RunnerHooks<T> {
  readonly attempts: AttemptRecord[];
  settle(outcome: { readonly value: T } | { readonly error: StructuredLLMError }): void;
  /** Element streaming state shared by every attempt of the request, if the request streams elements. */
  readonly elements?: ElementTracker | undefined;
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

/** Default of `retry.maxLimitReasks`. */
const DEFAULT_MAX_LIMIT_REASKS = 1;
/** The codes of an answer that broke one of the service's `limits`. */
const LIMIT_CODES: ReadonlySet<string> = new Set(['length_limit', 'depth_limit', 'chunk_limit']);

/**
 * Runs a request to the end: attempts with retries on each model, then the
 * fallback models, yielding every partial response and one final response.
 */
export async function* runRequest<T>(
  env: RunnerEnvironment,
  request: StreamingStructuredRequest<T>,
  responseModel: ResponseModel<T>,
  control: StreamControl,
  hooks: RunnerHooks<T>,
): AsyncGenerator<RunnerItem<T>, void, AttemptEnd<T> | undefined> {
  const { logger, now } = env;
  const requestId = `req_${(++requestCounter).toString(36)}_${now().toString(36)}`;
  const startedAt = now();
  const primary = request.model ?? env.defaultModel;
  const streamingWanted = request.enableStreaming !== false;
  const base = { requestId, schemaName: responseModel.name, streaming: streamingWanted };
  const hub = env.hub.startRequest({ ...base, model: primary ?? '' });
  const tracker = new ProgressTracker({
    ...(request.progressCallback === undefined ? {} : { callback: request.progressCallback }),
    ...(request.progressFilter === undefined ? {} : { filter: request.progressFilter }),
    onCallbackError: (error) =>
      logger.warn(
        'progressCallback threw; the stream goes on and further errors are not reported',
        {
          requestId,
          error: errorText(error),
        },
      ),
    ...(hub.has('onProgressEvent')
      ? { onEvent: (event) => hub.emit('onProgressEvent', { ...base, event }) }
      : {}),
    now,
  });

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

  const models = primary === undefined ? [] : [primary, ...(request.fallbackModels ?? [])];
  let attempt = 0;
  let lastError: StructuredLLMError | undefined;
  let lastModel = primary ?? '';
  let lastProvider: string | undefined;
  let lastPartial: unknown;
  /** What the attempts that reported usage cost, each and in all: users pay for every attempt. */
  let usage: RequestUsage | undefined;
  const pay = (paid: Usage | undefined, model: string): void => {
    if (paid === undefined) return;
    const { inputTokens = 0, outputTokens = 0, attempts = [] } = usage ?? {};
    usage = {
      inputTokens: inputTokens + (paid.inputTokens ?? 0),
      outputTokens: outputTokens + (paid.outputTokens ?? 0),
      attempts: [...attempts, { attempt, model, ...paid }],
    };
  };
  const breaker = env.breaker;
  // Checked when the request was made: an integer >= 0.
  const maxRetries = request.maxRetries ?? env.retry.maxRetries ?? 3;
  const maxRetryAfterMs = env.retry.maxRetryAfterMs ?? 60_000;
  const maxLimitReasks = env.retry.maxLimitReasks ?? DEFAULT_MAX_LIMIT_REASKS;
  // A hard bound on tries, whatever the loop below counts: every model's first try, its
  // retries, its output mode degradations and a refusal by its breaker.
  const attemptCeiling = models.length * (maxRetries + OUTPUT_MODE_DEGRADATION.length + 2);
  /** Wait before the next try (a backoff delay); there is always at least a macrotask. */
  let delayMs = 0;

  /** The request's outcome was handed to the stream (a value, or the error endWith builds). */
  let settled = false;
  /** Reports the request's end, hands its outcome to the stream and makes its final response. */
  const finish = (
    model: string,
    provider: string | undefined,
    error: StructuredLLMError | undefined,
    partialResult: unknown,
    progressPercent: number,
    rawChunks: string[] | undefined,
  ): StreamingResponse<T> => {
    settled = true;
    hub.emit('onRequestEnd', {
      ...base,
      status: error === undefined ? 'success' : 'error',
      model,
      provider,
      error,
      attempts: hooks.attempts,
      durationMs: now() - startedAt,
    });
    hooks.settle(error === undefined ? { value: partialResult as T } : { error });
    const response: { -readonly [K in keyof StreamingResponse<T>]: StreamingResponse<T>[K] } = {
      partialResult: partialResult as StreamingResponse<T>['partialResult'],
      isComplete: true,
      progressPercent,
      rawChunks,
      error,
      attempt,
      model,
    };
    // Only the final response says how many elements were delivered and what the request cost.
    if (hooks.elements?.active === true) response.elementCount = hooks.elements.valid;
    if (usage !== undefined) response.usage = usage;
    return response;
  };
  const endWith = (error: StructuredLLMError): StreamingResponse<T> => {
    const final = error.withAttempts(hooks.attempts);
    tracker.failOperation(final.message, { category: final.category, attempts: attempt });
    logger.debug('request failed', { requestId, category: final.category, attempts: attempt });
    return finish(lastModel, lastProvider, final, lastPartial, tracker.progressPercent, undefined);
  };

  try {
    tracker.startOperation(`Starting structured request for "${responseModel.name}"`, {
      model: primary,
    });
    if (primary === undefined) {
      yield endWith(
        new StructuredLLMError({
          category: 'bad_request',
          code: 'no_model',
          message: 'The request names no model and the service has no defaultModel',
        }),
      );
      return;
    }

    nextModel: for (let m = 0; m < models.length; m++) {
      const requested = models[m] as string;
      lastModel = requested;
      let routed: RoutedModel | undefined;
      let modes: OutputMode[];
      let streaming = streamingWanted;
      try {
        routed = env.router.route(requested);
        const capabilities = routed.provider.supports(routed.model);
        modes = modesFor(request.mode, capabilities.modes);
        if (modes.length === 0) {
          throw new StructuredLLMError({
            category: 'bad_request',
            code: 'unsupported_mode',
            message: `${requested} supports none of the output modes ${request.mode === undefined || request.mode === 'auto' ? OUTPUT_MODE_DEGRADATION.join(', ') : `from "${request.mode}" down`}`,
          });
        }
        lastProvider = routed.provider.id;
        streaming = streamingWanted && capabilities.streaming;
      } catch (thrown) {
        lastError = StructuredLLMError.is(thrown)
          ? thrown
          : new StructuredLLMError({
              category: 'unknown',
              message: `${routed === undefined ? 'Routing' : `Provider "${routed.provider.id}"`} failed for ${requested}: ${errorText(thrown)}`,
              cause: causeWithoutSecrets(thrown, []),
            });
        hooks.attempts.push({
          attempt: attempt + 1,
          model: requested,
          category: lastError.category,
          message: lastError.message,
        });
        attempt++;
        if (announceFallback(m, lastError)) continue;
        break;
      }
      const key = `${routed.provider.id}:${routed.model}`;
      let mode = modes[0] as OutputMode;
      const baseMessages: Message[] = initialMessages(
        request.prompt,
        request.system,
        mode,
        responseModel.jsonSchema,
      );
      let messages: readonly Message[] = baseMessages;
      let limitReasks = 0;

      for (let retry = 0; ; ) {
        if (attempt > 0) {
          // Between tries, even without a delay, the event loop runs (a macrotask): a run of
          // instant failures never starves timers and I/O.
          try {
            await sleep(delayMs, control.signal);
          } catch {
            yield endWith(abortError(control.signal.reason));
            return;
          }
          delayMs = 0;
        }
        if (control.signal.aborted) {
          yield endWith(abortError(control.signal.reason));
          return;
        }
        if (attempt >= attemptCeiling) {
          logger.warn('request stopped at its attempt ceiling', {
            requestId,
            attempts: attempt,
          });
          break nextModel;
        }
        if (env.rateLimiter !== undefined) {
          try {
            await rateLimitWait(env.rateLimiter, key, requested);
          } catch {
            yield endWith(abortError(control.signal.reason));
            return;
          }
        }
        // This attempt's admission by the breaker: how it ends is reported on it.
        let admitted: BreakerCall | undefined;
        if (breaker !== undefined) {
          const decision = await breakerStep('acquire', () => breaker.acquire(key));
          if (decision?.allowed === true) admitted = decision.call;
          if (decision?.allowed === false) {
            const refused = circuitOpenError(key, decision.retryInMs);
            logger.warn(refused.message, { requestId, model: requested });
            hooks.attempts.push({
              attempt: attempt + 1,
              model: requested,
              provider: routed.provider.id,
              category: 'circuit_open',
              message: refused.message,
            });
            attempt++;
            lastError = refused;
            if (announceFallback(m, refused)) continue nextModel;
            break nextModel;
          }
        }
        attempt++;
        const context: AttemptContext = {
          ...base,
          streaming,
          attempt,
          model: requested,
          provider: routed.provider.id,
          mode,
          server: routed.provider.server,
        };
        logger.debug('attempt', { ...context });
        hub.emit('onAttemptStart', context);
        let outcome: AttemptOutcome<T>;
        const run = startAttempt({
          request,
          responseModel,
          routed,
          mode,
          messages,
          attempt,
          streaming,
          control,
          tracker,
          estimator: env.estimator,
          hub,
          context,
          requestId,
          maxResponseChars: env.maxResponseChars,
          maxDepth: env.maxDepth,
          maxChunks: env.maxChunks,
          now,
          startedAt,
          onPartial: (value) => {
            lastPartial = value;
          },
          elements: hooks.elements?.active === true ? hooks.elements : undefined,
        });
        try {
          // The stream pulls the attempt's partials itself and resumes us with how it ended.
          const ended: AttemptEnd<T> | undefined = yield { running: run };
          if (ended === undefined)
            throw new TypeError('The runner was resumed without an attempt end');
          if (ended.failure !== undefined) throw ended.failure;
          outcome = ended.outcome;
        } catch (thrown) {
          const failure =
            thrown instanceof AttemptFailure
              ? thrown
              : new AttemptFailure(StructuredLLMError.is(thrown) ? thrown : abortError(thrown), '');
          const error = failure.error;
          lastError = error;
          const record: { -readonly [K in keyof AttemptRecord]: AttemptRecord[K] } = {
            attempt,
            model: requested,
            provider: routed.provider.id,
            category: error.category,
            message: error.message,
          };
          pay(failure.usage, requested);
          hooks.attempts.push(record);
          if (admitted !== undefined) {
            const call = admitted;
            // The caller's own limits (an abort, timeouts.totalMs) say nothing of the provider.
            if (error.category === 'aborted' || error.code === 'total_timeout') {
              await breakerStep('release', () => call.released());
            } else {
              await breakerStep('recordFailure', () => call.failed(error.category));
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
            await limiterStep('penalize', () => limiter.penalize(key, pauseMs));
          }
          if (control.signal.aborted || error.category === 'aborted') {
            yield endWith(control.signal.aborted ? abortError(control.signal.reason) : error);
            return;
          }
          // elementErrors: 'stop' — an invalid element ends the request, on any model.
          if (error.code === INVALID_ELEMENT && !error.retryable) {
            yield endWith(error);
            return;
          }
          // The model rejected the mode: degrade (json_schema → tool → json_object → prompt) at once.
          if (error.code === 'unsupported_mode' && modes.indexOf(mode) + 1 < modes.length) {
            const next = modes[modes.indexOf(mode) + 1] as OutputMode;
            logger.debug('output mode fallback', { ...context, to: next });
            mode = next;
            messages = initialMessages(
              request.prompt,
              request.system,
              mode,
              responseModel.jsonSchema,
            );
            tracker.restart('retry', `${requested} cannot use this output mode; trying "${mode}"`, {
              attempt: attempt + 1,
              model: requested,
              mode,
            });
            continue;
          }
          const tooLongToWait =
            error.retryAfterMs !== undefined && error.retryAfterMs > maxRetryAfterMs;
          // An answer over a limit is costly to pull again: re-asked at most maxLimitReasks times.
          const overLimit = error.code !== undefined && LIMIT_CODES.has(error.code);
          if (
            !error.retryable ||
            retry >= maxRetries ||
            tooLongToWait ||
            (overLimit && limitReasks >= maxLimitReasks)
          ) {
            logger.debug('model exhausted', {
              ...context,
              category: error.category,
              retries: retry,
            });
            if (announceFallback(m, error)) continue nextModel;
            break nextModel;
          }
          retry++;
          if (overLimit) limitReasks++;
          const reasked = error.category === 'parse' || error.category === 'validation';
          if (reasked)
            messages = reaskMessages(baseMessages, failure.text, error, responseModel.name);
          // A re-ask is a new question, not an overloaded server: no backoff for it.
          delayMs = reasked ? 0 : retryDelay(error, retry, env.retry, env.retry.random);
          record.delayMs = delayMs;
          tracker.restart(
            'retry',
            `Retrying ${requested} after ${error.category} (attempt ${attempt + 1})`,
            {
              attempt: attempt + 1,
              model: requested,
              category: error.category,
              delayMs,
              ...elementData(),
            },
          );
          hub.emit('onRetry', { ...context, error, delayMs });
          logger.debug('retry', { ...context, category: error.category, delayMs });
          continue;
        } finally {
          run.close();
        }

        // Success.
        if (admitted !== undefined) {
          const call = admitted;
          await breakerStep('recordSuccess', () => call.succeeded());
        }
        const limiter = env.rateLimiter;
        const tokens = (outcome.usage?.inputTokens ?? 0) + (outcome.usage?.outputTokens ?? 0);
        if (limiter !== undefined && tokens > 0) {
          await limiterStep('record', () => limiter.record(key, { tokens }));
        }
        try {
          // Released elements are gone from the value: then only its size is learned.
          env.estimator.learn(
            progressKey(responseModel.name, responseModel.jsonSchema),
            outcome.chars,
            hooks.elements?.active === true ? undefined : outcome.value,
          );
        } catch (error) {
          // A custom estimator that fails to learn costs later estimates, never this value.
          logger.warn('progressEstimator.learn threw; the result is kept', {
            requestId,
            error: errorText(error),
          });
        }
        hooks.attempts.push({ attempt, model: requested, provider: routed.provider.id });
        pay(outcome.usage, requested);
        tracker.completeOperation(`Completed "${responseModel.name}"`, {
          attempt,
          model: requested,
          chars: outcome.chars,
        });
        yield finish(
          requested,
          routed.provider.id,
          undefined,
          outcome.value,
          100,
          outcome.rawChunks,
        );
        return;
      }
    }
    yield endWith(
      lastError ??
        new StructuredLLMError({
          category: 'unknown',
          message: 'The request ended without a result',
        }),
    );
  } catch (thrown) {
    // A failure outside any attempt (a breaker or hook bug, an engine bug): the request
    // still ends with one error response, the attempts made and the last partial.
    if (settled) throw thrown;
    yield endWith(
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

  /**
   * One step of the breaker or the rate limiter. A shared store out of reach must not fail
   * requests: the request goes on as if there were none, and the logger says so.
   */
  async function guarded<R>(
    what: 'Circuit breaker' | 'Rate limiter',
    step: string,
    run: () => R | Promise<R>,
  ): Promise<R | undefined> {
    try {
      return await run();
    } catch (error) {
      const without = what === 'Circuit breaker' ? 'the breaker' : 'the limiter';
      logger.warn(`${what} ${step} failed; the request goes on without ${without}`, {
        requestId,
        error: errorText(error),
      });
      return undefined;
    }
  }
  function breakerStep<R>(step: string, run: () => Promise<R>): Promise<R | undefined> {
    return guarded('Circuit breaker', step, run);
  }
  function limiterStep<R>(step: string, run: () => R | Promise<R>): Promise<R | undefined> {
    return guarded('Rate limiter', step, run);
  }

  /**
   * Waits until the limiter lets a call on `key` start (and counts it). Rejects only when
   * the request is aborted meanwhile.
   */
  async function rateLimitWait(limiter: RateLimiter, key: string, model: string): Promise<void> {
    for (;;) {
      const decision = await limiterStep('acquire', () => limiter.acquire(key));
      const waitMs = decision?.waitMs;
      if (waitMs === undefined || !(waitMs > 0)) return;
      if (!Number.isFinite(waitMs)) {
        logger.warn('Rate limiter acquire answered an endless wait; the request goes on', {
          requestId,
          model,
        });
        return;
      }
      logger.debug('rate limit wait', { requestId, model, waitMs });
      await sleep(waitMs, control.signal);
    }
  }

  /** What a retry or fallback event says about elements already delivered (they are not delivered again). */
  function elementData(): Record<string, number> {
    const elements = hooks.elements;
    if (elements?.active !== true) return {};
    return { deliveredElements: elements.delivered, replacedElements: elements.replaced };
  }

  /** Announces the move to the next model; false when there is none. */
  function announceFallback(index: number, error: StructuredLLMError): boolean {
    const next = models[index + 1];
    if (next === undefined) return false;
    const from = models[index] as string;
    tracker.restart('fallback', `Falling back from ${from} to ${next} after ${error.category}`, {
      attempt: attempt + 1,
      from,
      to: next,
      category: error.category,
      ...elementData(),
    });
    hub.emit('onFallback', { ...base, fromModel: from, toModel: next, reason: error.category });
    logger.debug('model fallback', { requestId, from, to: next, category: error.category });
    return true;
  }
}
