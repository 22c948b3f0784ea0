export { createRedisBreakerStore, type RedisBreakerStoreOptions } from './breaker-store.ts';
export { createRedisRateLimiter, type RedisRateLimiterOptions } from './rate-limiter.ts';
export {
  createRedisStreamStore,
  type RedisStreamStore,
  type RedisStreamStoreOptions,
  type StoredEvent,
  type StoredRun,
} from './stream-store.ts';
