export { createRedisBreakerStore, type RedisBreakerStoreOptions } from './breaker-store.ts';
export { createRedisRateLimiter, type RedisRateLimiterOptions } from './rate-limiter.ts';
