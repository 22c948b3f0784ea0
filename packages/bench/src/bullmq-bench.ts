/**
 * Durable batches: small jobs through 4 worker processes on BullMQ and a real
 * `redis-server` (started here on a free loopback port, no persistence),
 * against the same batch through in-process `routeStructuredBatch`. Both use
 * the echo mock model (no network). Reports throughput, p50/p99 job latency
 * (enqueue to finish, from BullMQ's own timestamps) and lost jobs (goal: 0).
 * 10,000 jobs; `--quick`: 1,000.
 *
 *   node --conditions=@structllm/source src/bullmq-bench.ts [--quick] [--check]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createStructuredQueue } from '@structllm/bullmq';
import { jsonSchema, StructuredLLMService } from '@structllm/core';
import { startRedisServer as startRedis } from '@structllm/testing/redis';
import { Redis } from 'ioredis';
import {
  createEchoProvider,
  ECHO_SCHEMA,
  echoOf,
} from '../../scale/bullmq/test/support/echo-provider.ts';
import { reportGoals } from './goals.ts';
import { benchFlags } from './replay.ts';

const { quick, check } = benchFlags();
const SIZE = quick ? 1000 : 10_000;
const WORKERS = 4;
const CONCURRENCY = 8;
const WORKER = fileURLToPath(
  new URL('../../scale/bullmq/test/support/worker-process.ts', import.meta.url),
);

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

function startWorker(port: number): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ['--conditions=@structllm/source', WORKER, String(port), 'bench', String(CONCURRENCY), '0'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (data: Buffer) => {
      text += data.toString();
      if (text.includes('ready\n')) {
        child.stdout?.off('data', onData);
        child.stdout?.resume(); // keep draining its per-job lines
        resolve(child);
      }
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`worker exited (${code}) before it was ready`)));
  });
}

const prompts = Array.from({ length: SIZE }, (_, i) => `bench item ${i}`);
const requests = prompts.map((prompt) => ({ prompt, schema: ECHO_SCHEMA }));

// In process: the same jobs, the same total concurrency.
const service = new StructuredLLMService({
  providers: [createEchoProvider()],
  defaultModel: 'mock/echo',
  breaker: false,
});
const echoModel = jsonSchema(ECHO_SCHEMA, { name: 'echo' });
const localStart = performance.now();
const localResults = await service.routeStructuredBatch(
  requests.map((request) => ({ prompt: request.prompt, responseModel: echoModel })),
  { concurrency: WORKERS * CONCURRENCY },
).results;
const localSeconds = (performance.now() - localStart) / 1000;
const localOk = localResults.filter((result) => result.status === 'fulfilled').length;

const redis = await startRedis();
const connection = new Redis(redis.port, redis.host, { maxRetriesPerRequest: null });
const workers: ChildProcess[] = [];
try {
  for (let i = 0; i < WORKERS; i++) workers.push(await startWorker(redis.port));
  const queue = createStructuredQueue(connection, { name: 'bench' });
  const started = performance.now();
  const batchId = await queue.enqueueBatch(requests, { batchId: 'bench' });
  const results = await queue.watchBatch(batchId, { intervalMs: 250 }).results;
  const seconds = (performance.now() - started) / 1000;
  const right = results.filter(
    (result, index) =>
      result.status === 'fulfilled' &&
      JSON.stringify(result.value) === JSON.stringify(echoOf(prompts[index] ?? '')),
  ).length;
  const latencies: number[] = [];
  for (let index = 0; index < SIZE; index++) {
    const job = await queue.queue.getJob(`${batchId}-${index}`);
    if (job?.finishedOn !== undefined) latencies.push(job.finishedOn - job.timestamp);
  }
  latencies.sort((a, b) => a - b);
  const lost = SIZE - right;
  console.log(`\n## Durable batch: ${SIZE} jobs, ${WORKERS} worker processes × ${CONCURRENCY}\n`);
  console.log('| path | throughput (jobs/s) | p50 latency | p99 latency | correct results |');
  console.log('| --- | --- | --- | --- | --- |');
  console.log(
    `| BullMQ + Redis, ${WORKERS} processes | ${(SIZE / seconds).toFixed(0)} | ${percentile(latencies, 50)} ms | ${percentile(latencies, 99)} ms | ${right}/${SIZE} |`,
  );
  console.log(
    `| in-process routeStructuredBatch | ${(SIZE / localSeconds).toFixed(0)} | – | – | ${localOk}/${SIZE} |`,
  );
  console.log('');
  reportGoals(
    [
      { name: 'no job lost through BullMQ', actual: `${lost} lost of ${SIZE}`, pass: lost === 0 },
      {
        name: 'in-process batch complete',
        actual: `${SIZE - localOk} lost of ${SIZE}`,
        pass: localOk === SIZE,
      },
    ],
    check,
  );
  await queue.close();
} finally {
  for (const worker of workers) {
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    worker.kill('SIGTERM');
    await exited;
  }
  connection.disconnect();
  await redis.stop();
}
