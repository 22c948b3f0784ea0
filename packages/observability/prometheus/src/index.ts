export { LabelGuard, MAX_LABEL_LENGTH, OTHER_LABEL, UNKNOWN_LABEL } from './label-guard.ts';
export {
  BREAKER_STATE_VALUES,
  DEFAULT_FIRST_PARTIAL_BUCKETS,
  DEFAULT_LATENCY_BUCKETS,
  type MetricSet,
} from './metric-set.ts';
export {
  createPrometheusObserver,
  DEFAULT_PREFIX,
  type PrometheusObserver,
  type PrometheusObserverOptions,
} from './prometheus-observer.ts';
