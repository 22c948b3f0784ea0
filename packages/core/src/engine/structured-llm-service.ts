import { StructuredLLMError } from '../errors/index.ts';
import { invalidOptions } from '../errors/invalid-options.ts';
import { DEFAULT_MAX_DEPTH } from '../json/index.ts';
import { createObserverHub, type Logger, type ObserverHub, safeLogger } from '../observe/index.ts';
import { createProgressEstimator } from '../progress/index.ts';
import { createModelRouter, type ModelRouter } from '../provider/index.ts';
import {
  type CircuitBreaker,
  createCircuitBreaker,
  type RateLimiter,
} from '../resilience/index.ts';
import { type ResponseModel, toResponseModel } from '../schema/index.ts';
import type { AttemptEnd } from './attempt/index.ts';
import { runBatch } from './batch.ts';
import { type ElementCallback, ElementTracker, resolveElementPath } from './elements.ts';
import { checkRequest, checkServiceOptions } from './options.ts';
import { RequestRun } from './request-run.ts';
import { type RunnerEnvironment, type RunnerItem, runRequest } from './request-runner.ts';
import { StreamControl } from './stream-control.ts';
import { failedBeforeStart, StructuredStreamImpl } from './structured-stream.ts';
import type {
  BatchOptions,
  BatchStream,
  StreamingStructuredRequest,
  StructuredLLMServiceOptions,
  StructuredStream,
} from './types.ts';

async function* failedRequest<T>(
  run: RequestRun<T>,
  error: StructuredLLMError,
  request: StreamingStructuredRequest<T>,
): AsyncGenerator<RunnerItem<T>, void, AttemptEnd<T> | undefined> {
  run.settle({ error });
  yield failedBeforeStart(error, request);
}

export const DEFAULT_MAX_RESPONSE_CHARS = 8_000_000;
export const DEFAULT_MAX_CHUNKS = 1_000_000;

function isCircuitBreaker(value: unknown): value is CircuitBreaker {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as CircuitBreaker).acquire === 'function' &&
    typeof (value as CircuitBreaker).onStateChange === 'function'
  );
}

/** The `rateLimiter` option: a limiter (from `@structllm/core/rate-limit`, `@structllm/redis`…) or none. */
function rateLimiterOf(value: unknown): RateLimiter | undefined {
  if (value === undefined) return undefined;
  const limiter = value as RateLimiter;
  if (
    typeof value === 'object' &&
    value !== null &&
    typeof limiter.acquire === 'function' &&
    typeof limiter.penalize === 'function' &&
    typeof limiter.record === 'function'
  ) {
    return limiter;
  }
  throw invalidOptions(
    'new StructuredLLMService({ rateLimiter }) must be a RateLimiter (acquire, penalize, record): createRateLimiter(options) from @structllm/core/rate-limit, or a shared one such as @structllm/redis',
  );
}

/**
 * Routes structured requests to providers and streams typed, validated results,
 * with retries, fallbacks, a circuit breaker and progress events.
 */
export class StructuredLLMService {
  readonly #env: RunnerEnvironment;
  readonly #logger: Logger;
  /** The breaker in use (undefined when disabled). */
  declare readonly breaker: CircuitBreaker | undefined;
  declare readonly router: ModelRouter;

  constructor(options: StructuredLLMServiceOptions) {
    if (options === undefined || !Array.isArray(options.providers)) {
      throw invalidOptions(
        'new StructuredLLMService({ providers: [...] }) needs at least one provider',
      );
    }
    checkServiceOptions(options);
    const logger = safeLogger(options.logger);
    this.#logger = logger;
    this.router = createModelRouter(options.providers, options.defaultProvider);
    const hub: ObserverHub = createObserverHub(options.observers ?? [], (message, data) =>
      logger.warn(message, data),
    );
    this.breaker =
      options.breaker === false
        ? undefined
        : isCircuitBreaker(options.breaker)
          ? options.breaker
          : createCircuitBreaker(options.breaker ?? {});
    this.breaker?.onStateChange((change) => {
      const separator = change.key.indexOf(':');
      const provider = change.key.slice(0, separator);
      const model = change.key.slice(separator + 1);
      const data = { key: change.key, from: change.from, to: change.to };
      if (change.to === 'open') {
        logger.warn(
          `Service temporarily unavailable: circuit breaker for ${change.key} opened${change.retryInMs === undefined ? '' : `; half-open in ${Math.ceil(change.retryInMs / 1000)} s`}`,
          data,
        );
      } else logger.debug(`circuit breaker ${change.from} → ${change.to}`, data);
      hub.emit('onBreakerStateChange', { ...change, provider, model });
    });
    const limits = options.limits ?? {};
    this.#env = {
      router: this.router,
      breaker: this.breaker,
      rateLimiter: rateLimiterOf(options.rateLimiter),
      hub,
      logger,
      estimator: options.progressEstimator ?? createProgressEstimator({ logger }),
      retry: options.retry ?? {},
      defaultModel: options.defaultModel,
      maxResponseChars: limits.maxResponseChars ?? DEFAULT_MAX_RESPONSE_CHARS,
      maxDepth: limits.maxDepth ?? DEFAULT_MAX_DEPTH,
      maxChunks: limits.maxChunks ?? DEFAULT_MAX_CHUNKS,
      now: options.now ?? Date.now,
    };
  }

  /** Starts a request and returns its stream of partial responses. Nothing runs until you iterate it or await its result. */
  routeStructuredStreaming<T>(request: StreamingStructuredRequest<T>): StructuredStream<T> {
    let responseModel: ResponseModel<T>;
    let elements: ElementTracker | undefined;
    try {
      // Every option is checked before anything runs: a bad one never reaches a provider.
      checkRequest(request);
      responseModel = toResponseModel(request.responseModel, {
        ...(request.schemaName === undefined ? {} : { name: request.schemaName }),
        ...(request.schemaDescription === undefined
          ? {}
          : { description: request.schemaDescription }),
        // Values as deep as the parser accepts are validated too (never below the model's own limit).
        maxDepth: this.#env.maxDepth,
      });
      elements = this.elementTracker(request, responseModel);
    } catch (thrown) {
      // An unusable request fails like any other cause: one final error response.
      const error = StructuredLLMError.is(thrown)
        ? thrown
        : new StructuredLLMError({
            category: 'bad_request',
            message: String(thrown),
            cause: thrown,
          });
      const run = new RequestRun<T>();
      return new StructuredStreamImpl<T>(new StreamControl(undefined), run, () =>
        failedRequest(run, error, request),
      );
    }
    const control = new StreamControl(request.signal);
    const run = new RequestRun<T>(elements);
    return new StructuredStreamImpl<T>(control, run, () =>
      runRequest(this.#env, request, responseModel, control, run),
    );
  }

  /** The request's element streaming state: undefined when there is no array to stream. */
  private elementTracker<T>(
    request: StreamingStructuredRequest<T>,
    responseModel: ResponseModel<T>,
  ): ElementTracker | undefined {
    const path = resolveElementPath(request.elementPath, responseModel.jsonSchema);
    if (path === undefined) {
      if (request.onElement !== undefined || request.retainElements === false) {
        throw new StructuredLLMError({
          category: 'bad_request',
          code: 'invalid_element_path',
          message:
            'onElement and retainElements need an array to stream: set elementPath, or use a response schema whose root is an array',
        });
      }
      return undefined;
    }
    return new ElementTracker(
      path,
      {
        retain: request.retainElements !== false,
        policy: request.elementErrors ?? 'reask',
        callback: request.onElement as ElementCallback | undefined,
      },
      this.#logger,
    );
  }

  /** The validated value of a request; throws its `StructuredLLMError`. Streams internally when enabled. */
  routeStructured<T>(request: StreamingStructuredRequest<T>): Promise<T> {
    return this.routeStructuredStreaming(request).result;
  }

  /** Streams many requests at once, at most `concurrency` at a time; one failure does not cancel the others unless `failFast`. */
  routeStructuredBatch<T>(
    requests: readonly StreamingStructuredRequest<T>[],
    options: BatchOptions = {},
  ): BatchStream<T> {
    return runBatch(requests, options, (request) => this.routeStructuredStreaming(request));
  }
}
