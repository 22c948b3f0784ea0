import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  startRedisServer as startRedis,
  type RedisServer as TestRedis,
} from '@structllm/testing/redis';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStructuredQueue } from '../src/index.ts';
import { ECHO_SCHEMA, type Echo, echoOf } from './support/echo-provider.ts';

// Real processes, a real Redis: generous limits for a loaded machine; no timing is asserted.
const TIMEOUT = 120_000;
const WORKER = fileURLToPath(new URL('./support/worker-process.ts', import.meta.url));

let redis: TestRedis;
let connection: Redis;
const children: ChildProcess[] = [];

beforeAll(async () => {
  redis = await startRedis();
  connection = new Redis(redis.port, redis.host, { maxRetriesPerRequest: null });
}, TIMEOUT);

afterAll(async () => {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
  }
  connection?.disconnect();
  await redis?.stop();
}, TIMEOUT);

interface WorkerProcess {
  readonly child: ChildProcess;
  readonly lines: string[];
  /** Resolves when the worker printed a line that passes `test`. */
  waitFor(test: (line: string) => boolean): Promise<string>;
}

function startWorker(queue: string, concurrency: number, delayMs: number): WorkerProcess {
  const child = spawn(
    process.execPath,
    [
      '--conditions=@structllm/source',
      WORKER,
      String(redis.port),
      queue,
      String(concurrency),
      String(delayMs),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  children.push(child);
  const lines: string[] = [];
  const waiters: Array<{ test: (line: string) => boolean; resolve: (line: string) => void }> = [];
  let buffered = '';
  child.stdout?.on('data', (data: Buffer) => {
    buffered += data.toString();
    const parts = buffered.split('\n');
    buffered = parts.pop() ?? '';
    for (const line of parts) {
      lines.push(line);
      for (const waiter of waiters.splice(0)) {
        if (waiter.test(line)) waiter.resolve(line);
        else waiters.push(waiter);
      }
    }
  });
  return {
    child,
    lines,
    waitFor(test) {
      const found = lines.find(test);
      if (found !== undefined) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        waiters.push({ test, resolve });
        child.once('exit', (code, signal) =>
          reject(new Error(`worker exited (${code ?? signal}) before the expected line`)),
        );
      });
    },
  };
}

describe('a worker killed mid-job', () => {
  it(
    'leaves its jobs to another worker after the stall interval; every result arrives once, in order',
    async () => {
      const size = 12;
      const queue = createStructuredQueue(connection, { name: 'kill' });
      const prompts = Array.from({ length: size }, (_, i) => `durable item ${i}`);
      // Slow chunks (0.4 s each): the kill surely lands while a job is running.
      const first = startWorker('kill', 2, 400);
      await first.waitFor((line) => line === 'ready');
      await queue.enqueueBatch(
        prompts.map((prompt) => ({ prompt, schema: ECHO_SCHEMA })),
        { batchId: 'survive' },
      );
      // Kill it while it holds a job: the job is locked to a process that is gone.
      const taken = await first.waitFor((line) => line.startsWith('active '));
      const killedJob = taken.slice('active '.length);
      const exited = new Promise((resolve) => first.child.once('exit', resolve));
      first.child.kill('SIGKILL');
      await exited;
      const doneByFirst = first.lines
        .filter((line) => line.startsWith('done '))
        .map((line) => line.slice(5));
      expect(doneByFirst).not.toContain(killedJob);

      const second = startWorker('kill', 2, 5);
      await second.waitFor((line) => line === 'ready');
      const results = await queue.watchBatch<Echo>('survive', { intervalMs: 100 }).results;

      expect(results).toEqual(
        prompts.map((prompt, index) => ({ index, status: 'fulfilled', value: echoOf(prompt) })),
      );
      // The killed job was finished by the second worker, after BullMQ saw it stall.
      const doneBySecond = second.lines
        .filter((line) => line.startsWith('done '))
        .map((line) => line.slice(5));
      expect(doneBySecond).toContain(killedJob);
      // No job completed twice across the two workers.
      const all = [...doneByFirst, ...doneBySecond];
      expect(new Set(all).size).toBe(all.length);
      expect(all.sort()).toEqual(prompts.map((_, index) => `survive-${index}`).sort());
      const killed = await queue.queue.getJob(killedJob);
      expect(killed?.stalledCounter).toBeGreaterThanOrEqual(1);
      const counts = await queue.queue.getJobCounts('completed', 'failed', 'waiting', 'active');
      expect(counts).toEqual({ completed: size, failed: 0, waiting: 0, active: 0 });

      const stopped = new Promise((resolve) => second.child.once('exit', resolve));
      second.child.kill('SIGTERM');
      expect(await stopped).toBe(0);
      await queue.close();
    },
    TIMEOUT,
  );
});
