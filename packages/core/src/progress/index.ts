export {
  createProgressEstimator,
  type ProgressEstimate,
  type ProgressEstimator,
} from './progress-estimator.ts';
export type {
  ProgressCallback,
  ProgressEvent,
  ProgressEventType,
  ProgressFilter,
} from './progress-event.ts';
export { createProgressGate } from './progress-filter.ts';
export {
  type ProgressDetails,
  ProgressTracker,
  type ProgressTrackerOptions,
} from './progress-tracker.ts';
