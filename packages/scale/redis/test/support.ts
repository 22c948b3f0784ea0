import { jsonSchema } from '@structllm/core';
import { type RedisServer, startRedisServer } from '@structllm/testing/redis';
import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';

/** The tiny response model the Redis tests ask for. */
export const model = jsonSchema<{ ok: boolean }>(
  { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'] },
  { name: 'answer' },
);

/**
 * One throwaway `redis-server` for the test file (started before its tests, stopped after,
 * with every client `open` made): `url()` is its address once started.
 */
export function useRedis(): {
  url(): string;
  /** A connected client (disconnected after the file), to this server or to the one at `at`. */
  open(extra?: Record<string, unknown>, at?: string): Promise<Redis>;
} {
  let server: RedisServer | undefined;
  const clients: Redis[] = [];
  beforeAll(async () => {
    server = await startRedisServer();
  }, 30_000);
  afterAll(async () => {
    for (const redis of clients) redis.disconnect();
    await server?.stop();
  });
  const url = (): string => {
    if (server === undefined) throw new Error('the Redis server is not started yet');
    return server.url;
  };
  return {
    url,
    open(extra = {}, at = url()) {
      const redis = client(at, extra);
      clients.push(redis);
      return connected(redis);
    },
  };
}

export interface Warnings {
  readonly messages: string[];
  readonly debug: { message: string; data: unknown }[];
  readonly logger: {
    debug(message: string, data?: unknown): void;
    info(): void;
    warn(message: string): void;
    error(): void;
  };
}

export function recordingLogger(): Warnings {
  const messages: string[] = [];
  const debug: { message: string; data: unknown }[] = [];
  return {
    messages,
    debug,
    logger: {
      debug: (message, data) => void debug.push({ message, data }),
      info() {},
      warn: (message) => void messages.push(message),
      error() {},
    },
  };
}

/** A client as the README recommends: commands fail at once while the connection is down. */
function client(url: string, extra: Record<string, unknown> = {}): Redis {
  const redis = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, ...extra });
  // Connection errors are what some tests cause on purpose; the stores report them per call.
  redis.on('error', () => {});
  return redis;
}

async function connected(redis: Redis): Promise<Redis> {
  if (redis.status !== 'ready') await new Promise((resolve) => redis.once('ready', resolve));
  return redis;
}
