export {
  createProgressEstimator,
  type ProgressBasis,
  type ProgressEstimate,
  type ProgressEstimateResult,
  type ProgressEstimator,
  type ProgressEstimatorOptions,
} from './progress-estimator.ts';
export type {
  ProgressCallback,
  ProgressEvent,
  ProgressEventType,
  ProgressFilter,
} from './progress-event.ts';
export { progressKey } from './progress-key.ts';
export type {
  PathStats,
  ProgressStats,
  ProgressStatsStore,
} from './progress-stats.ts';
export {
  type ProgressDetails,
  ProgressTracker,
  type ProgressTrackerOptions,
} from './progress-tracker.ts';
