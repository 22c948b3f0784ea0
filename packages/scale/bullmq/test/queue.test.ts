import { jsonSchema, StructuredLLMError, StructuredLLMService } from '@structllm/core';
import {
  startRedisServer as startRedis,
  type RedisServer as TestRedis,
} from '@structllm/testing/redis';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type BatchProgress,
  createStructuredQueue,
  createStructuredWorker,
  type StructuredQueue,
} from '../src/index.ts';
import { createEchoProvider, ECHO_SCHEMA, type Echo, echoOf } from './support/echo-provider.ts';

// Real Redis and real BullMQ: generous limits for a loaded machine; no timing is asserted.
const TIMEOUT = 60_000;

let redis: TestRedis;
let connection: Redis;
let queueCount = 0;
const open: Array<{ close(): Promise<void> }> = [];

beforeAll(async () => {
  redis = await startRedis();
  connection = new Redis(redis.port, redis.host, { maxRetriesPerRequest: null });
}, TIMEOUT);

afterEach(async () => {
  for (const item of open.splice(0).reverse()) await item.close();
}, TIMEOUT);

afterAll(async () => {
  connection?.disconnect();
  await redis?.stop();
}, TIMEOUT);

function setup(
  options: {
    readonly provider?: ReturnType<typeof createEchoProvider>;
    readonly concurrency?: number;
    readonly attempts?: number;
    readonly responseModels?: Parameters<typeof createStructuredWorker>[2] extends infer O
      ? O extends { responseModels?: infer R }
        ? R
        : never
      : never;
  } = {},
) {
  const name = `q${++queueCount}`;
  const provider = options.provider ?? createEchoProvider();
  const service = new StructuredLLMService({
    providers: [provider],
    defaultModel: 'mock/echo',
    breaker: false,
    retry: { baseDelayMs: 1, maxDelayMs: 2 },
  });
  const queue = createStructuredQueue(connection, {
    name,
    backoffMs: 10,
    ...(options.attempts === undefined ? {} : { attempts: options.attempts }),
  });
  const worker = createStructuredWorker(service, connection, {
    queueName: name,
    concurrency: options.concurrency ?? 2,
    ...(options.responseModels === undefined ? {} : { responseModels: options.responseModels }),
  });
  open.push(queue, worker);
  return { queue, worker, provider };
}

const prompts = (count: number) => Array.from({ length: count }, (_, i) => `item number ${i}`);

describe('@structllm/bullmq on a real Redis', () => {
  it(
    'runs a batch through the workers and reports progress and results in input order',
    async () => {
      const { queue } = setup({ concurrency: 3 });
      const requests = prompts(12).map((prompt) => ({ prompt, schema: ECHO_SCHEMA }));
      const batchId = await queue.enqueueBatch(requests, { batchId: 'batch-a' });
      expect(batchId).toBe('batch-a');

      const seen: BatchProgress<Echo>[] = [];
      for await (const snapshot of queue.watchBatch<Echo>(batchId, { intervalMs: 50 })) {
        seen.push(snapshot);
      }
      const last = seen.at(-1);
      expect(last?.done).toBe(true);
      expect(last?.size).toBe(12);
      expect(last?.completed).toBe(12);
      expect(last?.failed).toBe(0);
      expect(last?.pending).toBe(0);
      expect(last?.progressPercent).toBe(100);
      expect(last?.results).toEqual(
        prompts(12).map((prompt, index) => ({
          index,
          status: 'fulfilled',
          value: echoOf(prompt),
        })),
      );
      // Completed counts only grow.
      const counts = seen.map((snapshot) => snapshot.completed);
      expect(counts).toEqual([...counts].sort((a, b) => a - b));
      // Another process (here: another queue object) sees the same batch.
      const other = createStructuredQueue(connection, { name: queue.queue.name });
      open.push(other);
      const results = await other.watchBatch<Echo>(batchId, { intervalMs: 50 }).results;
      expect(results.map((result) => result.status === 'fulfilled' && result.value)).toEqual(
        prompts(12).map(echoOf),
      );
    },
    TIMEOUT,
  );

  it(
    'job progress follows the stream up to 100',
    async () => {
      const { queue, worker } = setup({ concurrency: 1 });
      const reported: number[] = [];
      worker.worker.on('progress', (_job, progress) => {
        if (typeof progress === 'number') reported.push(progress);
      });
      const jobId = await queue.enqueue(
        {
          prompt: 'a rather longer prompt so the answer comes in many chunks',
          schema: ECHO_SCHEMA,
        },
        { jobId: 'progress-job' },
      );
      expect(jobId).toBe('progress-job');
      await finished(queue, jobId);
      expect(reported.at(-1)).toBe(100);
      expect(reported.some((percent) => percent > 0 && percent < 100)).toBe(true);
      expect(reported).toEqual([...reported].sort((a, b) => a - b));
      expect((await queue.queue.getJob(jobId))?.progress).toBe(100);
    },
    TIMEOUT,
  );

  it(
    'enqueueing with the same ids adds nothing',
    async () => {
      const { queue, provider } = setup();
      const requests = prompts(5).map((prompt) => ({ prompt, schema: ECHO_SCHEMA }));
      await queue.enqueueBatch(requests, { batchId: 'same' });
      await queue.enqueueBatch(requests, { batchId: 'same' });
      await queue.enqueue({ prompt: 'single', schema: ECHO_SCHEMA }, { jobId: 'one' });
      await queue.enqueue({ prompt: 'single', schema: ECHO_SCHEMA }, { jobId: 'one' });
      const results = await queue.watchBatch<Echo>('same', { intervalMs: 50 }).results;
      expect(results).toHaveLength(5);
      await finished(queue, 'one');
      const counts = await queue.queue.getJobCounts('completed', 'waiting', 'active', 'failed');
      expect(counts).toEqual({ completed: 6, waiting: 0, active: 0, failed: 0 });
      expect(provider.calls).toHaveLength(6);
      // A different batch under an id already used is refused, not mixed in.
      await expect(
        queue.enqueueBatch(
          prompts(3).map((prompt) => ({ prompt, schema: ECHO_SCHEMA })),
          {
            batchId: 'same',
          },
        ),
      ).rejects.toMatchObject({ category: 'bad_request', code: 'batch_conflict' });
    },
    TIMEOUT,
  );

  it(
    'a non-retryable failure fails the job at once and stores the StructuredLLMError',
    async () => {
      const provider = createEchoProvider({
        fault: (prompt) =>
          prompt === 'denied' ? { error: { status: 401, message: 'bad key' } } : undefined,
      });
      const { queue } = setup({ provider, attempts: 3 });
      await queue.enqueueBatch(
        [
          { prompt: 'fine', schema: ECHO_SCHEMA },
          { prompt: 'denied', schema: ECHO_SCHEMA },
        ],
        { batchId: 'auth' },
      );
      const results = await queue.watchBatch<Echo>('auth', { intervalMs: 50 }).results;
      expect(results[0]).toEqual({ index: 0, status: 'fulfilled', value: echoOf('fine') });
      const failed = results[1];
      expect(failed?.status).toBe('rejected');
      const error = failed?.status === 'rejected' ? failed.error : undefined;
      expect(StructuredLLMError.is(error)).toBe(true);
      expect(error?.category).toBe('auth');
      expect(error?.status).toBe(401);
      expect(error?.retryable).toBe(false);
      const job = await queue.queue.getJob('auth-1');
      expect(job?.attemptsMade).toBe(1);
      expect(
        provider.calls.filter((call) => call.messages.at(-1)?.content === 'denied'),
      ).toHaveLength(1);
      expect(job?.data.error).toMatchObject({ category: 'auth', retryable: false });
    },
    TIMEOUT,
  );

  it(
    'a retryable failure is tried again by BullMQ, up to its attempts',
    async () => {
      let flakyCalls = 0;
      const provider = createEchoProvider({
        fault: (prompt) => {
          if (prompt === 'always down') return { error: { status: 503 } };
          if (prompt === 'flaky' && flakyCalls++ === 0) return { error: { status: 503 } };
          return undefined;
        },
      });
      const { queue } = setup({ provider, attempts: 3 });
      // maxRetries 0: the engine does not retry, so each failure reaches BullMQ.
      await queue.enqueueBatch(
        [
          { prompt: 'flaky', schema: ECHO_SCHEMA, maxRetries: 0 },
          { prompt: 'always down', schema: ECHO_SCHEMA, maxRetries: 0 },
        ],
        { batchId: 'retry' },
      );
      const results = await queue.watchBatch<Echo>('retry', { intervalMs: 50 }).results;
      expect(results[0]).toEqual({ index: 0, status: 'fulfilled', value: echoOf('flaky') });
      expect((await queue.queue.getJob('retry-0'))?.attemptsMade).toBe(2);
      const down = results[1];
      expect(down?.status === 'rejected' && down.error.category).toBe('server');
      expect((await queue.queue.getJob('retry-1'))?.attemptsMade).toBe(3);
    },
    TIMEOUT,
  );

  it(
    'jobs may name a response model registered with the workers',
    async () => {
      const { queue } = setup({
        responseModels: { echo: jsonSchema<Echo>(ECHO_SCHEMA, { name: 'echo' }) },
      });
      await queue.enqueueBatch(
        [
          { prompt: 'by name', responseModel: 'echo' },
          { prompt: 'unknown', responseModel: 'nobody' },
        ],
        { batchId: 'named' },
      );
      const results = await queue.watchBatch<Echo>('named', { intervalMs: 50 }).results;
      expect(results[0]).toEqual({ index: 0, status: 'fulfilled', value: echoOf('by name') });
      const unknown = results[1];
      expect(unknown?.status === 'rejected' && unknown.error.code).toBe('unknown_response_model');
      expect((await queue.queue.getJob('named-1'))?.attemptsMade).toBe(1);
    },
    TIMEOUT,
  );

  it(
    'refuses requests that cannot travel as JSON, and unknown batches',
    async () => {
      const { queue } = setup();
      const cases: unknown[] = [
        { prompt: 'x', schema: ECHO_SCHEMA, providerOptions: { call: () => 1 } },
        { prompt: 'x', schema: ECHO_SCHEMA, responseModel: 'echo' },
        { prompt: 'x' },
        { prompt: 42, schema: ECHO_SCHEMA },
        { prompt: 'x', schema: ECHO_SCHEMA, temperature: Number.NaN },
      ];
      for (const request of cases) {
        await expect(queue.enqueue(request as never)).rejects.toMatchObject({
          category: 'bad_request',
          code: 'invalid_job',
        });
      }
      await expect(
        queue.enqueue({ prompt: 'x', schema: ECHO_SCHEMA }, { jobId: 'a:b' }),
      ).rejects.toMatchObject({ code: 'invalid_job' });
      await expect(queue.enqueueBatch([])).rejects.toMatchObject({ code: 'invalid_job' });
      await expect(queue.getBatch('missing')).rejects.toMatchObject({
        category: 'bad_request',
        code: 'unknown_batch',
      });
      expect(await queue.queue.count()).toBe(0);
    },
    TIMEOUT,
  );
});

/** Waits (polling Redis) until a job has finished; a job may finish before any event listener is ready. */
async function finished(queue: StructuredQueue, jobId: string) {
  for (;;) {
    const job = await queue.queue.getJob(jobId);
    if (job?.finishedOn !== undefined && job.finishedOn !== null) return job;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
