import { randomUUID } from 'node:crypto';
import type { RateLimitDecision, RateLimiter } from '@structllm/core';
import { type RateLimiterOptions, rateLimitSettings } from '@structllm/core/rate-limit';
import type { Redis } from 'ioredis';
import {
  bounded,
  checkPositive,
  checkPrefix,
  DEFAULT_TIMEOUT_MS,
  REDIS_NOW,
  script,
} from './script.ts';

export interface RedisRateLimiterOptions extends Omit<RateLimiterOptions, 'now'> {
  /** Prepended to every key; default 'structllm:'. Services sharing a prefix share limits. */
  readonly prefix?: string;
  /** Longest wait for one Redis operation before it fails (and the engine goes on); default 250 ms. */
  readonly timeoutMs?: number;
}

// KEYS: calls (sorted set of starts), tokens (sorted set of "id:tokens" uses), pause.
// ARGV: span (window + margin), request limit, token limit (0 = none), a unique member.
// Returns 0 when the call was counted, else the ms to wait.
const ACQUIRE = script(`${REDIS_NOW}
local pause = redis.call('PTTL', KEYS[3])
if pause > 0 then return pause end
local span = tonumber(ARGV[1])
local cutoff = now - span
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', cutoff)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', cutoff)
local limit = tonumber(ARGV[2])
if limit > 0 and redis.call('ZCARD', KEYS[1]) >= limit then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return math.max(1, tonumber(oldest[2]) + span - now)
end
local tokenLimit = tonumber(ARGV[3])
if tokenLimit > 0 then
  local uses = redis.call('ZRANGE', KEYS[2], 0, -1, 'WITHSCORES')
  local used = 0
  for i = 1, #uses, 2 do
    used = used + (tonumber(string.match(uses[i], ':(%d+)$')) or 0)
  end
  if used >= tokenLimit then
    return math.max(1, tonumber(uses[2]) + span - now)
  end
end
redis.call('ZADD', KEYS[1], now, ARGV[4])
redis.call('PEXPIRE', KEYS[1], span)
return 0
`);

// KEYS: pause. ARGV: ms. The longest pause wins.
const PENALIZE = script(`
local ms = tonumber(ARGV[1])
if redis.call('PTTL', KEYS[1]) < ms then
  redis.call('SET', KEYS[1], '1', 'PX', ms)
end
return 1
`);

// KEYS: tokens. ARGV: span, member "id:tokens".
const RECORD = script(`${REDIS_NOW}
redis.call('ZADD', KEYS[1], now, ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1
`);

/**
 * A `RateLimiter` in Redis, for `new StructuredLLMService({ rateLimiter })`: every process
 * using the same Redis and prefix shares one sliding window per provider+model (a call
 * counts for `windowMs + marginMs` from its start, judged by the Redis server's clock)
 * and one pause after a 429 with retry-after. Each decision is one Lua script, so two
 * processes can never both take the last slot. Every operation fails after `timeoutMs`:
 * the engine then logs a warning and the request goes on unlimited.
 */
export function createRedisRateLimiter(
  redis: Redis,
  options: RedisRateLimiterOptions = {},
): RateLimiter {
  const owner = 'createRedisRateLimiter';
  const settings = rateLimitSettings(options, owner);
  const prefix = checkPrefix(options.prefix ?? 'structllm:', owner);
  const timeoutMs = checkPositive(options.timeoutMs ?? DEFAULT_TIMEOUT_MS, 'timeoutMs', owner);
  const span = settings.windowMs + Math.ceil(settings.marginMs);
  const requests = Number.isFinite(settings.requests) ? settings.requests : 0;
  const tokens = Number.isFinite(settings.tokens) ? settings.tokens : 0;
  const base = (key: string): string => `${prefix}rate:{${key}}`;
  // Unique members for the sorted sets, across processes.
  const id = randomUUID();
  let sequence = 0;
  const member = (suffix = ''): string => `${id}:${(++sequence).toString(36)}${suffix}`;

  return {
    async acquire(key): Promise<RateLimitDecision> {
      const b = base(key);
      const reply = await bounded(
        ACQUIRE.run(
          redis,
          [`${b}:calls`, `${b}:tokens`, `${b}:pause`],
          [span, requests, tokens, member()],
        ),
        timeoutMs,
        'rate limit acquire',
      );
      const waitMs = Number(reply);
      if (!Number.isFinite(waitMs)) throw new Error('Redis rate limit acquire: unexpected reply');
      return { waitMs };
    },
    async penalize(key, retryAfterMs) {
      if (!(Number.isFinite(retryAfterMs) && retryAfterMs > 0)) return;
      await bounded(
        PENALIZE.run(redis, [`${base(key)}:pause`], [Math.ceil(retryAfterMs)]),
        timeoutMs,
        'rate limit penalize',
      );
    },
    async record(key, usage) {
      const used = Math.round(usage.tokens);
      if (!(Number.isFinite(used) && used > 0)) return;
      await bounded(
        RECORD.run(redis, [`${base(key)}:tokens`], [span, member(`:${used}`)]),
        timeoutMs,
        'rate limit record',
      );
    },
  };
}
