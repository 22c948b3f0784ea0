/**
 * `@structllm/core/progress-stats`: the in-memory `ProgressStatsStore` whose `snapshot()`
 * is JSON to save and whose `initial` restores it, and `isProgressStats` to check what a
 * store of your own reads back. Its own entry, so applications that never persist what
 * the progress estimator learned do not bundle it; pass the store to
 * `createProgressEstimator({ store })`. The `ProgressStats` and `ProgressStatsStore`
 * types are in the root entry.
 */
export {
  createInMemoryProgressStatsStore,
  type InMemoryProgressStatsStore,
  isProgressStats,
} from './progress/progress-stats.ts';
