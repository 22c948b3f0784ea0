import { StructuredLLMError } from '@structllm/core';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { PendingCounts } from './pending-counts.ts';

/** Request latency buckets (seconds): sub-second answers up to ten-minute generations. */
export const DEFAULT_LATENCY_BUCKETS: readonly number[] = [
  0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600,
];
/** Time-to-first-partial buckets (seconds). */
export const DEFAULT_FIRST_PARTIAL_BUCKETS: readonly number[] = [
  0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60,
];

/** The `state` label values of `circuit_breaker_state`: one series each, 1 for the current state, 0 for the others. */
export const BREAKER_STATES = ['closed', 'half_open', 'open'] as const;

export type RequestLabel = 'provider' | 'model';

/** Every metric the observer writes, registered (or found) on one registry. */
export interface MetricSet {
  readonly requests: Counter<RequestLabel | 'status'>;
  readonly chunks: Counter<RequestLabel>;
  readonly latency: Histogram<RequestLabel | 'status'>;
  readonly progressEvents: Counter<'event_type'>;
  readonly errors: Counter<RequestLabel | 'category'>;
  readonly retries: Counter<RequestLabel | 'category'>;
  readonly fallbacks: Counter<RequestLabel | 'category'>;
  readonly timeToFirstPartial: Histogram<RequestLabel>;
  readonly tokens: Counter<RequestLabel | 'token_type'>;
  readonly breakerState: Gauge<RequestLabel | 'state'>;
  /** Chunk counts not yet added to `chunks` (added on every scrape and at each request's end). */
  readonly pendingChunks: PendingCounts<RequestLabel>;
  /** Progress event counts not yet added to `progressEvents`. */
  readonly pendingProgressEvents: PendingCounts<'event_type'>;
}

export interface MetricSetOptions {
  readonly registry: Registry;
  readonly prefix: string;
  readonly latencyBuckets: readonly number[];
  readonly firstPartialBuckets: readonly number[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/**
 * Pending per-chunk counts live beside the counter they feed, keyed by the
 * counter object, so two observers on one registry share them and one scrape
 * flushes both.
 */
const pendingByCounter = new WeakMap<object, PendingCounts<string>>();

/** Breakers (`provider\u0000model`) whose state series exist, per gauge: shared like the pending counts. */
const breakersByGauge = new WeakMap<object, Set<string>>();

export function breakerSeries(gauge: Gauge<string>): Set<string> {
  let seen = breakersByGauge.get(gauge);
  if (seen === undefined) {
    seen = new Set();
    breakersByGauge.set(gauge, seen);
  }
  return seen;
}

function pendingFor<T extends string>(counter: Counter<T>): PendingCounts<T> {
  let pending = pendingByCounter.get(counter);
  if (pending === undefined) {
    pending = new PendingCounts<string>();
    pendingByCounter.set(counter, pending);
  }
  return pending as PendingCounts<T>;
}

interface Spec<T extends string> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly T[];
}

type MetricType = 'counter' | 'gauge' | 'histogram';

/** The metric already registered under `spec.name`, when it is one we can share; throws when it is not. */
function existing<M>(registry: Registry, spec: Spec<string>, type: MetricType): M | undefined {
  const found = registry.getSingleMetric(spec.name) as
    | { readonly type?: unknown; readonly labelNames?: readonly string[] }
    | undefined;
  if (found === undefined) return undefined;
  const labels = [...(found.labelNames ?? [])].sort().join(',');
  if (found.type !== type || labels !== [...spec.labelNames].sort().join(',')) {
    throw new StructuredLLMError({
      category: 'bad_request',
      code: 'metric_conflict',
      message: `The registry already has a metric "${spec.name}" (${String(found.type)} with labels [${labels}]) that is not the ${type} with labels [${[...spec.labelNames].sort().join(',')}] @structllm/prometheus writes. Use another prefix or another registry.`,
    });
  }
  return found as M;
}

function counter<T extends string>(
  registry: Registry,
  spec: Spec<T>,
  pending?: 'flush on scrape',
): Counter<T> {
  const found = existing<Counter<T>>(registry, spec, 'counter');
  if (found !== undefined) return found;
  return new Counter<T>({
    name: spec.name,
    help: spec.help,
    labelNames: spec.labelNames,
    registers: [registry],
    ...(pending === undefined
      ? {}
      : {
          collect(this: Counter<T>) {
            pendingFor(this).flushInto(this);
          },
        }),
  });
}

function histogram<T extends string>(
  registry: Registry,
  spec: Spec<T>,
  buckets: readonly number[],
): Histogram<T> {
  const found = existing<Histogram<T>>(registry, spec, 'histogram');
  if (found !== undefined) return found;
  return new Histogram<T>({
    name: spec.name,
    help: spec.help,
    labelNames: spec.labelNames,
    buckets: [...buckets],
    registers: [registry],
  });
}

function gauge<T extends string>(registry: Registry, spec: Spec<T>): Gauge<T> {
  const found = existing<Gauge<T>>(registry, spec, 'gauge');
  if (found !== undefined) return found;
  return new Gauge<T>({
    name: spec.name,
    help: spec.help,
    labelNames: spec.labelNames,
    registers: [registry],
  });
}

function checkBuckets(name: string, buckets: readonly number[]): void {
  const sorted = buckets.every(
    (bound, i) => Number.isFinite(bound) && (i === 0 || bound > (buckets[i - 1] as number)),
  );
  if (buckets.length === 0 || !sorted) {
    throw new StructuredLLMError({
      category: 'bad_request',
      code: 'invalid_buckets',
      message: `${name} must be a non-empty list of finite, strictly increasing bucket bounds`,
    });
  }
}

/**
 * Registers the observer's metrics on `registry`, or reuses them when an
 * observer with the same prefix registered them already (so creating the
 * observer twice, e.g. on a hot reload, is safe).
 */
export function createMetricSet(options: MetricSetOptions): MetricSet {
  const { registry, prefix } = options;
  if (prefix !== '' && !METRIC_NAME.test(prefix)) {
    throw new StructuredLLMError({
      category: 'bad_request',
      code: 'invalid_prefix',
      message: `The metric prefix "${prefix}" is not a valid Prometheus metric name start: use letters, digits, "_" and ":", not starting with a digit`,
    });
  }
  checkBuckets('latencyBuckets', options.latencyBuckets);
  checkBuckets('timeToFirstPartialBuckets', options.firstPartialBuckets);
  const name = (suffix: string) => `${prefix}${suffix}`;
  const requestLabels = ['provider', 'model'] as const;

  const chunks = counter(
    registry,
    {
      name: name('streaming_chunks_total'),
      help: 'Text chunks received from providers.',
      labelNames: requestLabels,
    },
    'flush on scrape',
  );
  const progressEvents = counter(
    registry,
    {
      name: name('streaming_progress_events_total'),
      help: 'Progress events emitted, by event type.',
      labelNames: ['event_type'],
    },
    'flush on scrape',
  );
  return {
    requests: counter(registry, {
      name: name('streaming_requests_total'),
      help: 'Structured requests finished, by outcome (status="success", "error" or "cancelled" by the caller).',
      labelNames: [...requestLabels, 'status'],
    }),
    chunks,
    latency: histogram(
      registry,
      {
        name: name('streaming_latency_seconds'),
        help: 'Time from the start of a structured request to its end, retries and fallbacks included.',
        labelNames: [...requestLabels, 'status'],
      },
      options.latencyBuckets,
    ),
    progressEvents,
    errors: counter(registry, {
      name: name('streaming_errors_total'),
      help: 'Structured requests that failed, by error category (a cancel by the caller is not counted).',
      labelNames: [...requestLabels, 'category'],
    }),
    retries: counter(registry, {
      name: name('streaming_retries_total'),
      help: 'Attempts retried on the same model, by the category of the failure.',
      labelNames: [...requestLabels, 'category'],
    }),
    fallbacks: counter(registry, {
      name: name('streaming_fallbacks_total'),
      help: 'Moves from a model to the next fallback model, by the model left and the failure category.',
      labelNames: [...requestLabels, 'category'],
    }),
    timeToFirstPartial: histogram(
      registry,
      {
        name: name('streaming_time_to_first_partial_seconds'),
        help: 'Time from the start of a structured request to its first partial result.',
        labelNames: requestLabels,
      },
      options.firstPartialBuckets,
    ),
    tokens: counter(registry, {
      name: name('streaming_tokens_total'),
      help: 'Tokens reported by providers for every attempt (failed and re-asked ones too), by token type ("input" or "output").',
      labelNames: [...requestLabels, 'token_type'],
    }),
    breakerState: gauge(registry, {
      name: name('circuit_breaker_state'),
      help: 'Circuit breaker state per provider and model: 1 for the current state ("closed", "half_open" or "open"), 0 for the others.',
      labelNames: [...requestLabels, 'state'],
    }),
    pendingChunks: pendingFor(chunks),
    pendingProgressEvents: pendingFor(progressEvents),
  };
}
