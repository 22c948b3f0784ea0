export { type BackoffOptions, DEFAULT_BACKOFF, retryDelay } from './backoff.ts';
export {
  type BreakerCounts,
  type BreakerSnapshot,
  type BreakerState,
  type BreakerStore,
  createInMemoryBreakerStore,
} from './breaker-store.ts';
export {
  type BreakerCall,
  type BreakerDecision,
  type BreakerStateChange,
  type CircuitBreaker,
  type CircuitBreakerOptions,
  circuitOpenError,
  createCircuitBreaker,
} from './circuit-breaker.ts';
// The in-memory limiter (`createRateLimiter`) is its own entry, `@structllm/core/rate-limit`.
export type { RateLimitDecision, RateLimiter } from './rate-limiter.ts';
export { sleep } from './sleep.ts';
