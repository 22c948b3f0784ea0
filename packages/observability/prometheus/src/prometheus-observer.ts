import type {
  AttemptContext,
  Observer,
  RequestContext,
  RequestEndEvent,
  StructuredLLMError,
} from '@structllm/core';
import { Registry } from 'prom-client';
import { LabelGuard, OTHER_LABEL, UNKNOWN_LABEL } from './label-guard.ts';
import {
  BREAKER_STATE_VALUES,
  createMetricSet,
  DEFAULT_FIRST_PARTIAL_BUCKETS,
  DEFAULT_LATENCY_BUCKETS,
  type MetricSet,
  type RequestLabel,
} from './metric-set.ts';
import { flushSlot, type PendingSlot } from './pending-counts.ts';

export interface PrometheusObserverOptions {
  /**
   * Where the metrics are registered. Default: a new `Registry` (read it from
   * `observer.registry`); pass prom-client's global `register` explicitly if
   * that is where you want them.
   */
  readonly registry?: Registry;
  /** Prepended to every metric name. Default `structured_llm_`. */
  readonly prefix?: string;
  /**
   * The model names (as requested, e.g. `openai/gpt-4o`) that get their own
   * `model` label; every other model is counted as `other`. Default: the
   * first `maxModels` distinct models seen.
   */
  readonly models?: readonly string[];
  /** Without `models`: how many distinct models get their own label before the rest become `other`. Default 50. */
  readonly maxModels?: number;
  /** How many distinct providers get their own label before the rest become `other`. Default 20. */
  readonly maxProviders?: number;
  /** Buckets of `…_streaming_latency_seconds`. Default 0.1 s to 600 s. */
  readonly latencyBuckets?: readonly number[];
  /** Buckets of `…_streaming_time_to_first_partial_seconds`. Default 0.05 s to 60 s. */
  readonly timeToFirstPartialBuckets?: readonly number[];
  /** In-flight requests tracked at once; beyond it the oldest is forgotten (a stream never read to its end). Default 10 000. */
  readonly maxTrackedRequests?: number;
}

/** An {@link Observer} that records structllm metrics with prom-client. */
export interface PrometheusObserver extends Observer {
  readonly name: string;
  /** The registry the metrics are on: serve `await registry.metrics()` at `/metrics`. */
  readonly registry: Registry;
  /** The metric objects, for tests and custom exposition. */
  readonly metrics: MetricSet;
}

export const DEFAULT_PREFIX = 'structured_llm_';

/** What the observer remembers about a request between its start and its end. */
interface RequestState {
  labels: Readonly<Record<RequestLabel, string>>;
  chunkSlot: PendingSlot<RequestLabel>;
  firstPartialSeen: boolean;
  /** Attempts started so far, and whether the last one's end was announced (retry or fallback). */
  attempts: number;
  attemptEndAnnounced: boolean;
}

const TOKEN_TYPES = ['input', 'output'] as const;

/**
 * Prometheus metrics for structllm: requests, chunks, latency, progress
 * events, errors by category, retries, fallbacks, breaker state, time to the
 * first partial and tokens — with bounded labels, on a registry you own.
 *
 * ```ts
 * const metrics = createPrometheusObserver();
 * const service = new StructuredLLMService({ providers, observers: [metrics] });
 * app.get('/metrics', async (_req, res) => {
 *   res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
 * });
 * ```
 */
export function createPrometheusObserver(
  options: PrometheusObserverOptions = {},
): PrometheusObserver {
  const registry = options.registry ?? new Registry();
  const metrics = createMetricSet({
    registry,
    prefix: options.prefix ?? DEFAULT_PREFIX,
    latencyBuckets: options.latencyBuckets ?? DEFAULT_LATENCY_BUCKETS,
    firstPartialBuckets: options.timeToFirstPartialBuckets ?? DEFAULT_FIRST_PARTIAL_BUCKETS,
  });
  const models = new LabelGuard({ allow: options.models, max: options.maxModels ?? 50 });
  const providers = new LabelGuard({ max: options.maxProviders ?? 20 });
  const maxTracked = Math.max(1, options.maxTrackedRequests ?? 10_000);
  const requests = new Map<string, RequestState>();
  /** Breaker keys ('provider:model' as the provider sees it) → the model label requests used. */
  const breakerModels = new Map<string, string>();
  // Chunks arrive in runs from one request: remember the last one looked up.
  let lastId = '';
  let last: RequestState | undefined;

  const labelsFor = (
    provider: string | undefined,
    model: string | undefined,
  ): Readonly<Record<RequestLabel, string>> => ({
    provider: providers.label(provider),
    model: models.label(model),
  });

  const track = (requestId: string, state: RequestState): RequestState => {
    if (requests.size >= maxTracked && !requests.has(requestId)) {
      const oldest = requests.keys().next().value;
      if (oldest !== undefined) forget(oldest);
    }
    requests.set(requestId, state);
    return state;
  };

  const forget = (requestId: string): void => {
    requests.delete(requestId);
    if (lastId === requestId) {
      lastId = '';
      last = undefined;
    }
  };

  const stateOf = (event: RequestContext & { readonly model: string }): RequestState => {
    if (event.requestId === lastId && last !== undefined) return last;
    let state = requests.get(event.requestId);
    if (state === undefined) {
      // An event for a request that started before this observer existed (or was forgotten).
      const labels = labelsFor((event as Partial<AttemptContext>).provider, event.model);
      state = track(event.requestId, {
        labels,
        chunkSlot: metrics.pendingChunks.slot(labels),
        firstPartialSeen: false,
        attempts: 0,
        attemptEndAnnounced: true,
      });
    }
    lastId = event.requestId;
    last = state;
    return state;
  };

  // Progress events are counted from the lifecycle hooks rather than through
  // onProgressEvent, so the engine need not build an event object per partial
  // for this observer: the tracker emits exactly one `progress` event per
  // partial, `start`/`complete`/`error` with the request, `retry` with each
  // retry (and each output-mode downgrade), `fallback` with each fallback.
  const progress = {
    start: metrics.pendingProgressEvents.slot({ event_type: 'start' }),
    progress: metrics.pendingProgressEvents.slot({ event_type: 'progress' }),
    retry: metrics.pendingProgressEvents.slot({ event_type: 'retry' }),
    fallback: metrics.pendingProgressEvents.slot({ event_type: 'fallback' }),
    complete: metrics.pendingProgressEvents.slot({ event_type: 'complete' }),
    error: metrics.pendingProgressEvents.slot({ event_type: 'error' }),
  };

  const categoryLabel = (error: StructuredLLMError | undefined): string =>
    error === undefined ? UNKNOWN_LABEL : error.category;

  return {
    name: '@structllm/prometheus',
    registry,
    metrics,

    onRequestStart(event) {
      progress.start.count++;
      const labels = labelsFor(undefined, event.model);
      track(event.requestId, {
        labels,
        chunkSlot: metrics.pendingChunks.slot(labels),
        firstPartialSeen: false,
        attempts: 0,
        attemptEndAnnounced: true,
      });
    },

    onAttemptStart(event) {
      const state = stateOf(event);
      // An attempt that ended with neither a retry nor a fallback, yet is followed by
      // another, was an output-mode downgrade: the tracker announced it as a retry.
      if (state.attempts > 0 && !state.attemptEndAnnounced) progress.retry.count++;
      state.attempts++;
      state.attemptEndAnnounced = false;
      const labels = labelsFor(event.provider, event.model);
      if (labels.provider !== state.labels.provider || labels.model !== state.labels.model) {
        flushSlot(state.chunkSlot, metrics.chunks);
        state.labels = labels;
        state.chunkSlot = metrics.pendingChunks.slot(labels);
      }
      const routed = event.model.startsWith(`${event.provider}/`)
        ? event.model.slice(event.provider.length + 1)
        : event.model;
      const key = `${event.provider}:${routed}`;
      if (!breakerModels.has(key) && labels.model !== OTHER_LABEL) {
        if (breakerModels.size < 1_000) breakerModels.set(key, labels.model);
      }
    },

    // Chunks and partials are counted once per attempt, not per chunk: an observer
    // that needs no per-chunk call costs the stream nothing per chunk.
    onFirstPartial(event) {
      const state = stateOf(event);
      if (state.firstPartialSeen) return;
      state.firstPartialSeen = true;
      metrics.timeToFirstPartial.observe(state.labels, event.elapsedMs / 1000);
    },

    onAttemptEnd(event) {
      stateOf(event).chunkSlot.count += event.chunks;
      progress.progress.count += event.partials;
    },

    onRetry(event) {
      progress.retry.count++;
      const state = stateOf(event);
      state.attemptEndAnnounced = true;
      metrics.retries.inc({ ...state.labels, category: event.error.category });
    },

    onFallback(event) {
      progress.fallback.count++;
      const state = requests.get(event.requestId);
      if (state !== undefined) state.attemptEndAnnounced = true;
      // The model left is the one the last attempt ran on, unless no attempt got that far (breaker open, unknown provider).
      const labels =
        state !== undefined && state.labels.model === models.label(event.fromModel)
          ? state.labels
          : labelsFor(undefined, event.fromModel);
      metrics.fallbacks.inc({ ...labels, category: event.reason });
    },

    onBreakerStateChange(event) {
      const model =
        breakerModels.get(`${event.provider}:${event.model}`) ?? models.label(event.model);
      metrics.breakerState.set(
        { provider: providers.label(event.provider), model },
        BREAKER_STATE_VALUES[event.to],
      );
    },

    onRequestEnd(event: RequestEndEvent) {
      const state = requests.get(event.requestId);
      forget(event.requestId);
      const labels = labelsFor(event.provider, event.model);
      if (state !== undefined) flushSlot(state.chunkSlot, metrics.chunks);
      (event.status === 'success' ? progress.complete : progress.error).count++;
      metrics.pendingProgressEvents.flushInto(metrics.progressEvents);
      metrics.requests.inc({ ...labels, status: event.status });
      metrics.latency.observe({ ...labels, status: event.status }, event.durationMs / 1000);
      if (event.status === 'error') {
        metrics.errors.inc({ ...labels, category: categoryLabel(event.error) });
      }
      const usage = event.usage;
      if (usage !== undefined) {
        for (const type of TOKEN_TYPES) {
          const count = type === 'input' ? usage.inputTokens : usage.outputTokens;
          if (count !== undefined && Number.isFinite(count) && count > 0) {
            metrics.tokens.inc({ ...labels, token_type: type }, count);
          }
        }
      }
    },
  };
}
