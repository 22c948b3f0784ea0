import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type RedisServer, startRedisServer } from '@structllm/testing/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));

// "60 requests per minute", on a 5 s window so the test takes seconds, not minutes.
const LIMIT = 60;
const WINDOW_MS = 5_000;
const MARGIN_MS = 250;
const WORKERS = 4;
const PER_WORKER = 45; // three windows' worth in all

/** A fake provider enforcing LIMIT requests in any sliding WINDOW_MS: over it, 429 retry-after. */
function limitedServer(): { server: Server; accepted: number[]; refused: () => number } {
  const accepted: number[] = [];
  let refused = 0;
  const server = createServer((request, response) => {
    request.resume();
    if (request.url === '/warm-up') {
      response.end('{}');
      return;
    }
    const now = Date.now();
    const inWindow = accepted.filter((at) => at > now - WINDOW_MS).length;
    if (inWindow >= LIMIT) {
      refused++;
      response.writeHead(429, { 'retry-after': '1', 'content-type': 'application/json' });
      response.end('{"error":"rate limited"}');
      return;
    }
    accepted.push(now);
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end('{"ok":true}');
  });
  return { server, accepted, refused: () => refused };
}

function lineFrom(child: ChildProcess, matches: (line: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    const onData = (data: Buffer): void => {
      buffer += data.toString('utf8');
      for (const line of buffer.split('\n')) {
        if (matches(line)) {
          child.stdout?.off('data', onData);
          resolve(line);
          return;
        }
      }
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`worker exited (${code}) before "${buffer}"`)));
  });
}

let redis: RedisServer;
const children: ChildProcess[] = [];

beforeAll(async () => {
  redis = await startRedisServer();
}, 30_000);

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await redis?.stop();
});

describe('four worker processes sharing one Redis rate limit', () => {
  it('never exceed the server limit, and use at least 90 % of it', async () => {
    const fake = limitedServer();
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    const target = `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}/`;
    try {
      const worker = join(here, 'fixtures', 'rate-worker.ts');
      for (let i = 0; i < WORKERS; i++) {
        children.push(
          spawn(
            process.execPath,
            [
              '--conditions=@structllm/source',
              worker,
              redis.url,
              target,
              String(PER_WORKER),
              '15',
              String(LIMIT),
              String(WINDOW_MS),
              String(MARGIN_MS),
            ],
            { stdio: ['pipe', 'pipe', 'inherit'] },
          ),
        );
      }
      // All start together, so the demand is there from the first moment.
      await Promise.all(children.map((child) => lineFrom(child, (line) => line === 'ready')));
      const results = children.map((child) => lineFrom(child, (line) => line.startsWith('{')));
      for (const child of children) child.stdin?.write('go\n');
      const summaries = (await Promise.all(results)).map(
        (line) => JSON.parse(line) as { succeeded: number; failed: number },
      );

      expect(summaries).toEqual(
        Array.from({ length: WORKERS }, () => ({ succeeded: PER_WORKER, failed: 0 })),
      );
      // Never above its limit: the server never had to refuse one.
      expect(fake.refused()).toBe(0);
      const { accepted } = fake;
      expect(accepted).toHaveLength(WORKERS * PER_WORKER);
      // Throughput: after the first window's LIMIT, LIMIT more per window.
      const first = accepted[0] as number;
      const last = accepted.at(-1) as number;
      const perWindow = ((accepted.length - LIMIT) / (last - first)) * WINDOW_MS;
      expect(perWindow).toBeGreaterThanOrEqual(0.9 * LIMIT);
      expect(perWindow).toBeLessThanOrEqual(LIMIT);
    } finally {
      await new Promise((resolve) => fake.server.close(resolve));
    }
  }, 120_000);
});
