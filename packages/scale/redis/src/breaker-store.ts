import type { BreakerCounts, BreakerSnapshot, BreakerState, BreakerStore } from '@structllm/core';
import type { Redis } from 'ioredis';
import { bounded, checkPositive, checkPrefix, DEFAULT_TIMEOUT_MS, script } from './script.ts';

export interface RedisBreakerStoreOptions {
  /** Prepended to every key; default 'structllm:'. Services sharing a prefix share breakers. */
  readonly prefix?: string;
  /** Longest wait for one Redis operation before it fails (and the engine goes on); default 250 ms. */
  readonly timeoutMs?: number;
  /**
   * How long a breaker's state outlives its last change; default 24 h. Long after, an
   * unused breaker starts closed again.
   */
  readonly stateTtlMs?: number;
}

// HINCRBY on the bucket's hash (several processes' adds all count) and its expiry, as one step.
const ADD = script(`
redis.call('HINCRBY', KEYS[1], 'c', ARGV[1])
redis.call('HINCRBY', KEYS[1], 'f', ARGV[2])
redis.call('HINCRBY', KEYS[1], 'i', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1
`);

// The named buckets summed in one consistent read.
const SUM = script(`
local c, f, i = 0, 0, 0
for _, key in ipairs(KEYS) do
  local v = redis.call('HMGET', key, 'c', 'f', 'i')
  c = c + (tonumber(v[1]) or 0)
  f = f + (tonumber(v[2]) or 0)
  i = i + (tonumber(v[3]) or 0)
end
return {c, f, i}
`);

const STATES: ReadonlySet<string> = new Set<BreakerState>(['closed', 'open', 'half_open']);

function optionalNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** A stored snapshot, or undefined when it is missing or not one (a breaker then starts closed). */
function parseSnapshot(text: string | null): BreakerSnapshot | undefined {
  if (text === null) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Record<string, unknown>;
  if (typeof record.state !== 'string' || !STATES.has(record.state)) return undefined;
  const openedAt = optionalNumber(record.openedAt);
  const window = optionalNumber(record.window);
  const probesInFlight = optionalNumber(record.probesInFlight);
  return {
    state: record.state as BreakerState,
    ...(openedAt === undefined ? {} : { openedAt }),
    ...(window === undefined ? {} : { window }),
    ...(probesInFlight === undefined ? {} : { probesInFlight }),
  };
}

/**
 * A `BreakerStore` in Redis, for `createCircuitBreaker({ store })`: every process whose
 * breaker uses the same Redis and prefix sees the same state, so a breaker opened by one
 * refuses calls in all. The state of a breaker is one JSON string (SET with an expiry);
 * each window bucket is a hash whose counters grow by HINCRBY and which expires when the
 * window has passed. Every operation fails after `timeoutMs`: the engine then logs a
 * warning and the request goes on without the breaker.
 */
export function createRedisBreakerStore(
  redis: Redis,
  options: RedisBreakerStoreOptions = {},
): BreakerStore {
  const owner = 'createRedisBreakerStore';
  const prefix = checkPrefix(options.prefix ?? 'structllm:', owner);
  const timeoutMs = checkPositive(options.timeoutMs ?? DEFAULT_TIMEOUT_MS, 'timeoutMs', owner);
  const stateTtlMs = checkPositive(options.stateTtlMs ?? 86_400_000, 'stateTtlMs', owner);
  // The breaker key in braces: every Redis key of one breaker lands in one cluster slot.
  const stateKey = (key: string): string => `${prefix}breaker:{${key}}:state`;
  const bucketKey = (key: string, bucket: string): string =>
    `${prefix}breaker:{${key}}:bucket:${bucket}`;

  return {
    async get(key) {
      return parseSnapshot(await bounded(redis.get(stateKey(key)), timeoutMs, 'breaker get'));
    },
    async set(key, snapshot) {
      const text = JSON.stringify(snapshot);
      await bounded(redis.set(stateKey(key), text, 'PX', stateTtlMs), timeoutMs, 'breaker set');
    },
    async add(key, bucket, delta, ttlMs) {
      await bounded(
        ADD.run(
          redis,
          [bucketKey(key, bucket)],
          [delta.calls, delta.failures, delta.inFlight, Math.max(1, Math.ceil(ttlMs))],
        ),
        timeoutMs,
        'breaker add',
      );
    },
    async sum(key, buckets): Promise<BreakerCounts> {
      if (buckets.length === 0) return { calls: 0, failures: 0, inFlight: 0 };
      const reply = await bounded(
        SUM.run(
          redis,
          buckets.map((bucket) => bucketKey(key, bucket)),
          [],
        ),
        timeoutMs,
        'breaker sum',
      );
      const [calls, failures, inFlight] = (Array.isArray(reply) ? reply : []).map(Number);
      return { calls: calls ?? 0, failures: failures ?? 0, inFlight: inFlight ?? 0 };
    },
  };
}
