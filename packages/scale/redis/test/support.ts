import { Redis } from 'ioredis';

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
export function client(url: string, extra: Record<string, unknown> = {}): Redis {
  const redis = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, ...extra });
  // Connection errors are what some tests cause on purpose; the stores report them per call.
  redis.on('error', () => {});
  return redis;
}

export async function connected(redis: Redis): Promise<Redis> {
  if (redis.status !== 'ready') await new Promise((resolve) => redis.once('ready', resolve));
  return redis;
}
