import { abortedError } from '../errors/aborted.ts';
import type { StructuredLLMError } from '../errors/index.ts';
import type { ProgressTracker } from '../progress/index.ts';
import { progressKey } from '../progress/index.ts';
import type { Message, RoutedModel } from '../provider/index.ts';
import {
  type BreakerCall,
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
  startAttempt,
} from './attempt/index.ts';
import type { Failure } from './decide.ts';
import { emitLifecycle, type LifecycleContext } from './lifecycle.ts';
import type { MutableRecord, RequestRun } from './request-run.ts';
import type { RunnerEnvironment, RunnerItem } from './request-runner.ts';
import type { StreamControl } from './stream-control.ts';
import type { StreamingStructuredRequest } from './types.ts';

/** What stays the same over the tries of one request. */
export interface TryContext<T> extends LifecycleContext {
  readonly env: RunnerEnvironment;
  readonly request: StreamingStructuredRequest<T>;
  readonly responseModel: ResponseModel<T>;
  readonly control: StreamControl;
  readonly run: RequestRun<T>;
  readonly tracker: ProgressTracker;
}

/**
 * How a try failed, with the text the model wrote (for a re-ask) and its attempt
 * record (none when it never started).
 */
export interface FailedTry extends Failure {
  readonly text: string;
  readonly record?: MutableRecord | undefined;
}

/** How one try went: its outcome, or how it failed. */
export type Tried<T> =
  | { readonly outcome: AttemptOutcome<T> }
  | (FailedTry & { readonly outcome?: undefined });

/**
 * One try of the routed model, after `delayMs` (and at least a macrotask, unless
 * it is the request's first): the rate limiter's wait, the breaker's admission,
 * the attempt (yielded once for the stream to pull), then what the breaker, the
 * limiter and the progress estimator learn of it.
 */
export async function* tryModel<T>(
  context: TryContext<T>,
  routed: RoutedModel,
  messages: readonly Message[],
  delayMs: number,
): AsyncGenerator<RunnerItem<T>, Tried<T>, AttemptEnd<T> | undefined> {
  const { env, control, run } = context;
  const { signal } = control;
  const provider = routed.provider.id;
  const key = `${provider}:${routed.model}`;
  try {
    // Between tries, even without a delay, the event loop runs (a macrotask): a run of
    // instant failures never starves timers and I/O.
    if (run.attempt > 0) await sleep(delayMs, signal);
    signal.throwIfAborted();
    if (env.rateLimiter !== undefined) await rateLimitWait(env, run, env.rateLimiter, key, signal);
  } catch {
    // Aborted while waiting: `decide` ends the request with the abort.
    return { stage: 'attempt', error: abortedError(signal.reason), text: '' };
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
      run.record(++run.attempt, provider, refused);
      return { stage: 'admission', error: refused, text: '' };
    }
  }
  const attempt = ++run.attempt;
  emitLifecycle(context, { type: 'attempt' });
  const attemptRun = startAttempt({
    ...context,
    routed,
    mode: run.mode,
    messages,
    attempt,
    streaming: run.streaming,
    elements: run.streamedElements,
  });
  let ended: AttemptEnd<T> | undefined;
  try {
    // The stream pulls the attempt's partials itself and resumes us with how it ended.
    ended = yield { running: attemptRun };
    if (ended === undefined) throw new TypeError('no attempt end');
  } catch (thrown) {
    // A StructuredLLMError stays as it is; anything else is the request's abort.
    ended = { failure: new AttemptFailure(abortedError(thrown), '') };
  } finally {
    attemptRun.close();
  }
  if (ended.outcome !== undefined) {
    const { outcome } = ended;
    await succeeded(env, run, admitted, key, outcome.usage);
    learn(env, run, context.responseModel, outcome);
    run.record(attempt, provider);
    run.pay(outcome.usage, attempt, run.model);
    return { outcome };
  }
  const { error, text, usage } = ended.failure;
  run.pay(usage, attempt, run.model);
  const record = run.record(attempt, provider, error);
  await failed(env, run, admitted, key, error);
  return { stage: 'attempt', error, text, record };
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
