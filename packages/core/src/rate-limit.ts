/**
 * `@structllm/core/rate-limit`: the in-memory `RateLimiter` (per provider+model sliding
 * windows of requests and tokens, 429 pauses), and the option checks a shared limiter
 * (`@structllm/redis`) reuses. Its own entry, so applications that never limit their
 * calls do not bundle it; pass the limiter as the service's `rateLimiter`.
 */
export {
  createRateLimiter,
  type RateLimitDecision,
  type RateLimiter,
  type RateLimiterOptions,
  type RateLimitSettings,
  rateLimitSettings,
} from './resilience/rate-limiter.ts';
