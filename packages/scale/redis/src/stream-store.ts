import { StructuredLLMError } from '@structllm/core';
import type { Redis } from 'ioredis';
import {
  bounded,
  checkPositive,
  checkPositiveInteger,
  checkPrefix,
  REDIS_NOW,
  script,
} from './script.ts';

export interface RedisStreamStoreOptions {
  /** Prepended to every key; default 'structllm:'. Servers sharing a prefix can resume each other's runs. */
  readonly prefix?: string;
  /**
   * Most events kept per run (the Redis Stream's `MAXLEN`); the oldest go first, and a
   * client that still needs them gets 410. Default 10,000.
   */
  readonly maxLength?: number;
  /** How long a run's events are kept after its last write, in seconds. Default 300. */
  readonly ttlSeconds?: number;
  /**
   * How long an expired run is still known, in seconds, so a late client gets 410 (gone)
   * rather than 404 (unknown). Default 3,600.
   */
  readonly expiredKnownSeconds?: number;
  /** Longest wait for one Redis operation; default 1,000 ms. */
  readonly timeoutMs?: number;
}

/** One event of `@structllm/http`'s wire protocol (its `WireEvent`). */
export interface StoredEvent {
  readonly id: number;
  readonly type: string;
  readonly data: string;
}

/** What the store holds of a run after an event id (`@structllm/http`'s `StoreRead`). */
export type StoredRun =
  | { readonly state: 'unknown' }
  | { readonly state: 'expired' }
  | { readonly state: 'running' | 'ended'; readonly events: readonly StoredEvent[] };

/**
 * `@structllm/http`'s `StreamStore`, in Redis. Spelled out here (the shapes are checked
 * against `@structllm/http` in the tests) so this package does not depend on it.
 */
export interface RedisStreamStore {
  create(runId: string): Promise<void>;
  append(runId: string, event: StoredEvent): Promise<void>;
  end(runId: string): Promise<void>;
  read(runId: string, afterId: number): Promise<StoredRun>;
}

// Every script: KEYS[1] the run's hash (until, ended, dropped, last), KEYS[2] its stream.
// `until` is the Redis server's time (ms) at which the run's events expire: one clock for
// every process. The hash outlives the events by `expiredKnownSeconds`, so an expired run
// is told apart from one never known.

// ARGV: ttl ms, known ms.
const CREATE = script(`${REDIS_NOW}
local ttl = tonumber(ARGV[1])
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('HSET', KEYS[1], 'until', now + ttl, 'ended', 0, 'dropped', 0, 'last', 0)
redis.call('PEXPIRE', KEYS[1], ttl + tonumber(ARGV[2]))
return 1
`);

// ARGV: event id, type, data, max length, ttl ms, known ms. Returns 1 when stored, 0 when
// the run is unknown or expired, or the id is not after the last one. `dropped` is the
// last id a reader must already have: the last one trimmed, or the one before a hole.
const APPEND = script(`${REDIS_NOW}
local run = redis.call('HMGET', KEYS[1], 'until', 'last')
if not run[1] or tonumber(run[1]) <= now then return 0 end
local id = tonumber(ARGV[1])
local last = tonumber(run[2])
if id <= last then return 0 end
-- Ids follow each other; one missing (its write failed) makes what came before unreplayable.
if id > last + 1 then redis.call('HSET', KEYS[1], 'dropped', id - 1) end
local max = tonumber(ARGV[4])
local length = redis.call('XLEN', KEYS[2])
if length >= max then
  -- Remember the last event trimmed: a read from before it has a hole and is refused.
  local gone = redis.call('XRANGE', KEYS[2], '-', '+', 'COUNT', length - max + 1)
  local oldest = gone[#gone][1]
  redis.call('HSET', KEYS[1], 'dropped', string.match(oldest, '^(%d+)'))
end
redis.call('XADD', KEYS[2], 'MAXLEN', max, ARGV[1] .. '-0', 't', ARGV[2], 'd', ARGV[3])
local ttl = tonumber(ARGV[5])
redis.call('HSET', KEYS[1], 'until', now + ttl, 'last', ARGV[1])
redis.call('PEXPIRE', KEYS[2], ttl)
redis.call('PEXPIRE', KEYS[1], ttl + tonumber(ARGV[6]))
return 1
`);

// ARGV: ttl ms, known ms.
const END = script(`${REDIS_NOW}
local run = redis.call('HMGET', KEYS[1], 'until')
if not run[1] or tonumber(run[1]) <= now then return 0 end
local ttl = tonumber(ARGV[1])
redis.call('HSET', KEYS[1], 'until', now + ttl, 'ended', 1)
redis.call('PEXPIRE', KEYS[2], ttl)
redis.call('PEXPIRE', KEYS[1], ttl + tonumber(ARGV[2]))
return 1
`);

// ARGV: after id, first stream id to read. Returns {state} or {state, entries}.
const READ = script(`${REDIS_NOW}
local run = redis.call('HMGET', KEYS[1], 'until', 'ended', 'dropped')
if not run[1] then return {'unknown'} end
if tonumber(run[1]) <= now or tonumber(ARGV[1]) < tonumber(run[3]) then return {'expired'} end
local entries = redis.call('XRANGE', KEYS[2], ARGV[2], '+')
return {run[2] == '1' and 'ended' or 'running', entries}
`);

function invalidId(message: string): StructuredLLMError {
  return new StructuredLLMError({ category: 'bad_request', code: 'invalid_event_id', message });
}

type Entry = [id: string, fields: string[]];

/** The stored entries as events; undefined when one is not an event this store wrote. */
function toEvents(entries: unknown): StoredEvent[] | undefined {
  if (!Array.isArray(entries)) return undefined;
  const events: StoredEvent[] = [];
  for (const entry of entries as Entry[]) {
    const [streamId, fields] = entry;
    const id = Number.parseInt(streamId, 10);
    if (!Array.isArray(fields) || fields[0] !== 't' || fields[2] !== 'd') return undefined;
    const type = fields[1];
    const data = fields[3];
    if (typeof type !== 'string' || typeof data !== 'string') return undefined;
    events.push({ id, type, data });
  }
  return events;
}

/**
 * A `StreamStore` of `@structllm/http` in Redis, for `new StreamRuns({ store })`: every
 * server process using the same Redis and prefix can resume the runs of every other, so
 * a client that reconnects through a load balancer to another process gets the rest of
 * its run with no gap and no duplicate.
 *
 * Each run is a Redis Stream of its events (entry id = event id, capped at `maxLength`
 * entries with `XADD MAXLEN`) beside a small hash (expiry, ended, last trimmed id); both
 * expire `ttlSeconds` after the run's last write. Every operation is one Lua script timed
 * by the Redis server's clock, and fails after `timeoutMs` (a run then goes on; only its
 * resumption suffers).
 */
export function createRedisStreamStore(
  redis: Redis,
  options: RedisStreamStoreOptions = {},
): RedisStreamStore {
  const owner = 'createRedisStreamStore';
  const prefix = checkPrefix(options.prefix ?? 'structllm:', owner);
  const maxLength = checkPositiveInteger(options.maxLength ?? 10_000, 'maxLength', owner);
  const ttlMs = Math.max(
    1,
    Math.round(checkPositive(options.ttlSeconds ?? 300, 'ttlSeconds', owner) * 1000),
  );
  const knownMs = Math.round(
    checkPositive(options.expiredKnownSeconds ?? 3600, 'expiredKnownSeconds', owner) * 1000,
  );
  const timeoutMs = checkPositive(options.timeoutMs ?? 1000, 'timeoutMs', owner);
  // The run id in braces: both keys of a run land in one cluster slot.
  const keys = (runId: string): string[] => [
    `${prefix}stream:{${runId}}`,
    `${prefix}stream:{${runId}}:events`,
  ];

  return {
    async create(runId) {
      await bounded(CREATE.run(redis, keys(runId), [ttlMs, knownMs]), timeoutMs, 'stream create');
    },
    async append(runId, event) {
      if (!Number.isSafeInteger(event.id) || event.id < 1) {
        throw invalidId(`Stream event ids are whole numbers ≥ 1, got ${event.id}`);
      }
      await bounded(
        APPEND.run(redis, keys(runId), [
          event.id,
          event.type,
          event.data,
          maxLength,
          ttlMs,
          knownMs,
        ]),
        timeoutMs,
        'stream append',
      );
    },
    async end(runId) {
      await bounded(END.run(redis, keys(runId), [ttlMs, knownMs]), timeoutMs, 'stream end');
    },
    async read(runId, afterId): Promise<StoredRun> {
      if (!Number.isSafeInteger(afterId) || afterId < 0) {
        throw invalidId(`Stream reads start after a whole number ≥ 0, got ${afterId}`);
      }
      const reply = await bounded(
        READ.run(redis, keys(runId), [afterId, `${afterId + 1}-0`]),
        timeoutMs,
        'stream read',
      );
      const [state, entries] = Array.isArray(reply) ? reply : [];
      if (state === 'unknown') return { state: 'unknown' };
      if (state !== 'running' && state !== 'ended') return { state: 'expired' };
      const events = toEvents(entries);
      // Entries not written here cannot be replayed faithfully: refuse rather than leave a hole.
      if (events === undefined) return { state: 'expired' };
      return { state, events };
    },
  };
}
