import { createHash } from 'node:crypto';
import { StructuredLLMError } from '@structllm/core';
import type { Redis } from 'ioredis';

/** A Lua script run by its SHA1 (EVALSHA), loaded with EVAL the first time a server lacks it. */
export interface Script {
  run(redis: Redis, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown>;
}

export function script(source: string): Script {
  const sha = createHash('sha1').update(source).digest('hex');
  return {
    async run(redis, keys, args) {
      try {
        return await redis.evalsha(sha, keys.length, ...keys, ...args);
      } catch (error) {
        if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
        return await redis.eval(source, keys.length, ...keys, ...args);
      }
    },
  };
}

/**
 * Lua that sets `now` to the Redis server's clock in ms (TIME), so every process judges
 * by one clock.
 */
export const REDIS_NOW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`;

/** Default bound on one store operation. */
export const DEFAULT_TIMEOUT_MS = 250;

/**
 * Settles like `operation`, or rejects once `timeoutMs` passed: a Redis out of reach (whose
 * client queues commands until it reconnects) never holds a request up for longer.
 */
export function bounded<T>(operation: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`Redis ${what} did not answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  // A late failure of the operation itself must not surface as an unhandled rejection.
  operation.catch(() => {});
  return Promise.race([operation, late]).finally(() => clearTimeout(timer));
}

function invalid(message: string): StructuredLLMError {
  return new StructuredLLMError({ category: 'bad_request', code: 'invalid_options', message });
}

export function checkPrefix(prefix: unknown, owner: string): string {
  if (typeof prefix !== 'string') {
    throw invalid(`${owner}({ prefix }) must be a string, got ${typeof prefix}`);
  }
  return prefix;
}

export function checkPositive(value: unknown, name: string, owner: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw invalid(`${owner}({ ${name} }) must be a finite number > 0, got ${String(value)}`);
  }
  return value;
}

export function checkPositiveInteger(value: unknown, name: string, owner: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw invalid(`${owner}({ ${name} }) must be a whole number ≥ 1, got ${String(value)}`);
  }
  return value;
}
