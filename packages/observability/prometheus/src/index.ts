export { LabelGuard, MAX_LABEL_LENGTH, OTHER_LABEL, UNKNOWN_LABEL } from './label-guard.ts';
export {
  BREAKER_STATES,
  DEFAULT_FIRST_PARTIAL_BUCKETS,
  DEFAULT_LATENCY_BUCKETS,
  type MetricSet,
} from './metric-set.ts';
export {
  createPrometheusObserver,
  DEFAULT_PREFIX,
  type PrometheusObserver,
  type PrometheusObserverOptions,
  REQUEST_STATUSES,
} from './prometheus-observer.ts';
