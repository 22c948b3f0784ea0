import type {
  AttemptContext,
  AttemptEndEvent,
  BreakerState,
  Observer,
  RequestEndEvent,
  RequestObserver,
  RequestStartEvent,
} from '@structllm/core';
import { ERROR_CATEGORIES } from '@structllm/core/provider';
import { Registry } from 'prom-client';
import { LabelGuard, OTHER_LABEL, UNKNOWN_LABEL } from './label-guard.ts';
import {
  BREAKER_STATES,
  breakerSeries,
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
   * The models that get their own `model` label, as `provider/model`
   * (`openai/gpt-4o`); every other model is counted as `other`. Their series
   * exist at zero from the start, so `increase()` counts their first request
   * and first error. Default: the first `maxModels` distinct models seen.
   */
  readonly models?: readonly string[];
  /** Without `models`: how many distinct models get their own label before the rest become `other` (a guard on the series count). Default 50. */
  readonly maxModels?: number;
  /** How many distinct providers get their own label before the rest become `other`. Default 20. */
  readonly maxProviders?: number;
  /** Buckets of `…_streaming_latency_seconds`. Default 0.1 s to 600 s. */
  readonly latencyBuckets?: readonly number[];
  /** Buckets of `…_streaming_time_to_first_partial_seconds`. Default 0.05 s to 60 s. */
  readonly timeToFirstPartialBuckets?: readonly number[];
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

type Labels = Readonly<Record<RequestLabel, string>>;

const TOKEN_TYPES = ['input', 'output'] as const;
/** Request outcomes: `cancelled` is the caller's own abort, not an error. */
export const REQUEST_STATUSES = ['success', 'error', 'cancelled'] as const;
/** Categories an error can be counted under (a cancel is not an error). */
const COUNTED_CATEGORIES = ERROR_CATEGORIES.filter((category) => category !== 'aborted');
/** Raw names remembered for the fast path; others are labelled again (still bounded labels). */
const MEMO_SIZE = 1_000;

/** The model label of a routed request: always `provider/model`, so never `other` or `unknown`. */
function routedName(provider: string, model: string): string {
  return model.startsWith(`${provider}/`) ? model : `${provider}/${model}`;
}

/**
 * Prometheus metrics for structllm: requests, chunks, latency, progress
 * events, errors by category, retries, fallbacks, breaker state, time to the
 * first partial and tokens — with bounded labels, on a registry you own.
 *
 * ```ts
 * const metrics = createPrometheusObserver({ models: ['openai/gpt-4o-mini'] });
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
  /** Raw provider and model → labels, for the names seen most (bounded: the fast path only). */
  const memo = new Map<string, Labels>();
  /** Label pairs whose series exist (at zero or more): bounded by the label guards. */
  const initialised = new Set<string>();
  /** Breakers whose state series were written, shared by every observer on the gauge. */
  const breakers = breakerSeries(metrics.breakerState);

  /** Labels of a request routed to `provider` (or of one that never was: `unknown`). */
  const labelsFor = (provider: string | undefined, model: string): Labels => {
    const key = provider === undefined ? '' : `${provider}\u0000${model}`;
    const known = memo.get(key);
    if (known !== undefined) return known;
    const labels =
      provider === undefined
        ? { provider: UNKNOWN_LABEL, model: UNKNOWN_LABEL }
        : { provider: providers.label(provider), model: models.label(routedName(provider, model)) };
    const pair = `${labels.provider}\u0000${labels.model}`;
    if (!initialised.has(pair)) {
      initialised.add(pair);
      initialise(labels);
    }
    if (memo.size < MEMO_SIZE) memo.set(key, labels);
    return labels;
  };

  /** Every series of a label pair at zero, so `increase()` and `rate()` count its first event. */
  function initialise(labels: Labels): void {
    for (const status of REQUEST_STATUSES) {
      metrics.requests.inc({ ...labels, status }, 0);
      metrics.latency.zero({ ...labels, status });
    }
    for (const category of COUNTED_CATEGORIES) {
      metrics.errors.inc({ ...labels, category }, 0);
      metrics.retries.inc({ ...labels, category }, 0);
      metrics.fallbacks.inc({ ...labels, category }, 0);
    }
    for (const type of TOKEN_TYPES) metrics.tokens.inc({ ...labels, token_type: type }, 0);
    metrics.chunks.inc(labels, 0);
    metrics.timeToFirstPartial.zero(labels);
    // One breaker state per series; `other` stands for many breakers, so it has none.
    if (labels.model !== OTHER_LABEL && labels.model !== UNKNOWN_LABEL) {
      setBreaker(labels, 'closed', false);
    }
  }

  function setBreaker(labels: Labels, state: BreakerState, changed: boolean): void {
    const key = `${labels.provider}\u0000${labels.model}`;
    if (!changed && breakers.has(key)) return;
    breakers.add(key);
    for (const each of BREAKER_STATES) {
      metrics.breakerState.set({ ...labels, state: each }, each === state ? 1 : 0);
    }
  }

  // Allow-listed models routed by their prefix have their series from the start.
  for (const model of options.models ?? []) {
    const slash = model.indexOf('/');
    if (slash > 0) labelsFor(model.slice(0, slash), model);
  }

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

  /** One request's metrics: what it needs to remember lives here, not in a map by request id. */
  class RequestMetrics implements RequestObserver {
    private labels: Labels | undefined;
    private chunkSlot: PendingSlot<RequestLabel> | undefined;
    private firstPartialSeen = false;
    /** Attempts started so far, and whether the last one's end was announced (retry or fallback). */
    private attempts = 0;
    private attemptEndAnnounced = true;
    /** The model (as requested) of the latest attempt. */
    private model = '';

    onAttemptStart(event: AttemptContext): void {
      // An attempt that ended with neither a retry nor a fallback, yet is followed by
      // another, was an output-mode downgrade: the tracker announced it as a retry.
      if (this.attempts > 0 && !this.attemptEndAnnounced) progress.retry.count++;
      this.attempts++;
      this.attemptEndAnnounced = false;
      this.model = event.model;
      const labels = labelsFor(event.provider, event.model);
      if (labels !== this.labels) {
        if (this.chunkSlot !== undefined) flushSlot(this.chunkSlot, metrics.chunks);
        this.labels = labels;
        this.chunkSlot = metrics.pendingChunks.slot(labels);
      }
    }

    onFirstPartial(event: AttemptContext & { readonly elapsedMs: number }): void {
      if (this.firstPartialSeen || this.labels === undefined) return;
      this.firstPartialSeen = true;
      metrics.timeToFirstPartial.observe(this.labels, event.elapsedMs / 1000);
    }

    // Chunks and partials are counted once per attempt, not per chunk: an observer
    // that needs no per-chunk call costs the stream nothing per chunk.
    onAttemptEnd(event: AttemptEndEvent): void {
      if (this.chunkSlot !== undefined) this.chunkSlot.count += event.chunks;
      progress.progress.count += event.partials;
      // Every attempt's tokens are paid for, the failed and re-asked ones too.
      const usage = event.usage;
      if (usage === undefined || this.labels === undefined) return;
      for (const type of TOKEN_TYPES) {
        const count = type === 'input' ? usage.inputTokens : usage.outputTokens;
        if (count !== undefined && Number.isFinite(count) && count > 0) {
          metrics.tokens.inc({ ...this.labels, token_type: type }, count);
        }
      }
    }

    onRetry(event: AttemptContext & { readonly error: { readonly category: string } }): void {
      progress.retry.count++;
      this.attemptEndAnnounced = true;
      const labels = this.labels ?? labelsFor(event.provider, event.model);
      metrics.retries.inc({ ...labels, category: event.error.category });
    }

    onFallback(event: { readonly fromModel: string; readonly reason: string }): void {
      progress.fallback.count++;
      this.attemptEndAnnounced = true;
      // The model left is the one the last attempt ran on, unless no attempt got that far (breaker open).
      const labels =
        this.labels !== undefined && this.model === event.fromModel
          ? this.labels
          : labelsFor(undefined, event.fromModel);
      metrics.fallbacks.inc({ ...labels, category: event.reason });
    }

    onRequestEnd(event: RequestEndEvent): void {
      const labels = labelsFor(event.provider, event.model);
      if (this.chunkSlot !== undefined) flushSlot(this.chunkSlot, metrics.chunks);
      const status =
        event.status === 'error' && event.error?.category === 'aborted'
          ? 'cancelled'
          : event.status;
      (event.status === 'success' ? progress.complete : progress.error).count++;
      metrics.pendingProgressEvents.flushInto(metrics.progressEvents);
      metrics.requests.inc({ ...labels, status });
      metrics.latency.observe({ ...labels, status }, event.durationMs / 1000);
      if (status === 'error') {
        metrics.errors.inc({ ...labels, category: event.error?.category ?? UNKNOWN_LABEL });
      }
    }
  }

  return {
    name: '@structllm/prometheus',
    registry,
    metrics,

    onRequestStart(_event: RequestStartEvent): RequestObserver {
      progress.start.count++;
      return new RequestMetrics();
    },

    onBreakerStateChange(event) {
      const labels = labelsFor(event.provider, event.model);
      if (labels.model !== OTHER_LABEL) setBreaker(labels, event.to, true);
    },
  };
}
