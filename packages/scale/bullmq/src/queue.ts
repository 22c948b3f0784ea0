import { randomUUID } from 'node:crypto';
import { type BatchResult, StructuredLLMError } from '@structllm/core';
import { type ConnectionOptions, type Job, Queue } from 'bullmq';
import { errorFromJSON } from './errors.ts';
import {
  checkQueuedRequest,
  type QueuedRequest,
  type StructuredJobData,
  type StructuredJobResult,
} from './request.ts';

export const DEFAULT_QUEUE_NAME = 'structllm';

export interface StructuredQueueOptions {
  /** The BullMQ queue's name; workers must use the same. Default `'structllm'`. */
  readonly name?: string;
  /** BullMQ key prefix (default BullMQ's `bull`). */
  readonly prefix?: string;
  /**
   * Tries per job, BullMQ's `attempts` (default 3). Only failures of a retryable
   * category are tried again; the others fail at once.
   */
  readonly attempts?: number;
  /** First BullMQ backoff between tries, doubled each time. Default 1000 ms. */
  readonly backoffMs?: number;
}

export interface EnqueueOptions {
  /**
   * The job's id. Enqueueing again with an id already in the queue adds nothing
   * (the first job stands), so a retried producer never duplicates work.
   * Default: a random id. Must not contain `:` nor be a whole number.
   */
  readonly jobId?: string;
}

export interface EnqueueBatchOptions {
  /**
   * The batch's id (default: a random one). Enqueueing the same batch again
   * adds nothing: job `i` has the id `<batchId>-<i>`.
   */
  readonly batchId?: string;
}

/** A batch at one moment, from any process. */
export interface BatchProgress<T = unknown> {
  readonly batchId: string;
  readonly size: number;
  readonly completed: number;
  readonly failed: number;
  /** Waiting, running or waiting for a retry. */
  readonly pending: number;
  /** Mean over the jobs: a finished job counts 100, a running one its own progress. */
  readonly progressPercent: number;
  /** In input order; `undefined` where the job has not finished. */
  readonly results: readonly (BatchResult<T> | undefined)[];
  /** True once every job has finished (completed or failed for good). */
  readonly done: boolean;
}

export interface WatchBatchOptions {
  /** Time between two looks at Redis. Default 500 ms. */
  readonly intervalMs?: number;
  readonly signal?: AbortSignal;
}

/**
 * A batch being watched: iterate it for a `BatchProgress` whenever something
 * changed (the last one has `done: true`), or await `results`.
 */
export interface BatchWatch<T = unknown> extends AsyncIterable<BatchProgress<T>> {
  /** Every job's outcome, in input order, once all have finished. */
  readonly results: Promise<BatchResult<T>[]>;
}

export interface StructuredQueue {
  /** The BullMQ queue, for its own API (pausing, cleaning, metrics…). */
  readonly queue: Queue<StructuredJobData, StructuredJobResult>;
  /** Adds one request; resolves to its job id. */
  enqueue(request: QueuedRequest, options?: EnqueueOptions): Promise<string>;
  /** Adds every request as one job (`<batchId>-<index>`); resolves to the batch id. */
  enqueueBatch(requests: readonly QueuedRequest[], options?: EnqueueBatchOptions): Promise<string>;
  /** One look at a batch. */
  getBatch<T = unknown>(batchId: string): Promise<BatchProgress<T>>;
  /** Follows a batch until every job has finished. */
  watchBatch<T = unknown>(batchId: string, options?: WatchBatchOptions): BatchWatch<T>;
  close(): Promise<void>;
}

const ADD_CHUNK = 1000;
const FETCH_CONCURRENCY = 128;

function badRequest(code: string, message: string): StructuredLLMError {
  return new StructuredLLMError({ category: 'bad_request', code, message });
}

function checkId(id: unknown, what: string): string {
  if (typeof id !== 'string' || id === '' || id.includes(':') || /^\d+$/.test(id)) {
    throw badRequest(
      'invalid_job',
      `${what} must be a non-empty string without ':' that is not a whole number, got ${JSON.stringify(id)}`,
    );
  }
  return id;
}

/** The outcome a finished job holds; `undefined` while it has not finished. */
function outcomeOf<T>(
  job: Job<StructuredJobData, StructuredJobResult>,
  index: number,
): BatchResult<T> | undefined {
  if (job.finishedOn === undefined || job.finishedOn === null) return undefined;
  const returned = job.returnvalue as StructuredJobResult | null | undefined;
  // A job that failed an attempt and then completed keeps its old failedReason: the value decides.
  if (typeof returned === 'object' && returned !== null && 'value' in returned) {
    return { index, status: 'fulfilled', value: returned.value as T };
  }
  return {
    index,
    status: 'rejected',
    error: errorFromJSON(job.data?.error, job.failedReason ?? ''),
  };
}

/**
 * A queue of structured requests on BullMQ. `connection` is the caller's: an
 * ioredis instance or options, as BullMQ takes them.
 */
export function createStructuredQueue(
  connection: ConnectionOptions,
  options: StructuredQueueOptions = {},
): StructuredQueue {
  const attempts = options.attempts ?? 3;
  const backoffMs = options.backoffMs ?? 1000;
  if (!Number.isInteger(attempts) || attempts < 1) {
    throw badRequest(
      'invalid_options',
      `attempts must be an integer >= 1, got ${String(attempts)}`,
    );
  }
  const queue = new Queue<StructuredJobData, StructuredJobResult>(
    options.name ?? DEFAULT_QUEUE_NAME,
    {
      connection,
      ...(options.prefix === undefined ? {} : { prefix: options.prefix }),
      defaultJobOptions: { attempts, backoff: { type: 'exponential', delay: backoffMs } },
    },
  );
  // An `error` event without a listener would throw; calls still reject on their own.
  queue.on('error', () => {});

  const getJob = (id: string) =>
    queue.getJob(id) as Promise<Job<StructuredJobData, StructuredJobResult> | undefined>;

  /** The batch's size, from its first job (every job carries it). */
  const sizeOf = async (batchId: string): Promise<number | undefined> => {
    const first = await getJob(`${batchId}-0`);
    return first?.data?.batch?.size;
  };

  const enqueue = async (request: QueuedRequest, enqueueOptions: EnqueueOptions = {}) => {
    const checked = checkQueuedRequest(request, 'enqueue');
    const jobId = checkId(enqueueOptions.jobId ?? randomUUID(), 'jobId');
    await queue.add('structured', { request: checked }, { jobId });
    return jobId;
  };

  const enqueueBatch = async (
    requests: readonly QueuedRequest[],
    batchOptions: EnqueueBatchOptions = {},
  ): Promise<string> => {
    if (!Array.isArray(requests) || requests.length === 0) {
      throw badRequest('invalid_job', 'enqueueBatch needs a non-empty array of requests');
    }
    const checked = requests.map((request, index) =>
      checkQueuedRequest(request, `enqueueBatch request ${index}`),
    );
    const batchId = checkId(batchOptions.batchId ?? randomUUID(), 'batchId');
    const known = await sizeOf(batchId);
    if (known !== undefined && known !== checked.length) {
      throw badRequest(
        'batch_conflict',
        `Batch "${batchId}" already holds ${known} requests; it cannot be enqueued again with ${checked.length}`,
      );
    }
    const size = checked.length;
    for (let start = 0; start < size; start += ADD_CHUNK) {
      await queue.addBulk(
        checked.slice(start, start + ADD_CHUNK).map((request, offset) => {
          const index = start + offset;
          return {
            name: 'structured',
            data: { request, batch: { id: batchId, index, size } },
            opts: { jobId: `${batchId}-${index}` },
          };
        }),
      );
    }
    return batchId;
  };

  /** Reads a batch, re-reading only the jobs not known to be finished. */
  const createReader = <T>(batchId: string) => {
    checkId(batchId, 'batchId');
    let size: number | undefined;
    let results: (BatchResult<T> | undefined)[] = [];
    let unfinished: number[] = [];
    return async (): Promise<BatchProgress<T>> => {
      if (size === undefined) {
        size = await sizeOf(batchId);
        if (size === undefined) {
          throw badRequest('unknown_batch', `No batch "${batchId}" in queue "${queue.name}"`);
        }
        results = new Array(size).fill(undefined);
        unfinished = Array.from({ length: size }, (_, index) => index);
      }
      const progress = new Map<number, number>();
      const stillOpen: number[] = [];
      let next = 0;
      const fetchSome = async (): Promise<void> => {
        while (next < unfinished.length) {
          const index = unfinished[next++] as number;
          const job = await getJob(`${batchId}-${index}`);
          if (job === undefined) {
            // Removed from Redis (e.g. by a queue clean): it cannot finish any more.
            results[index] = {
              index,
              status: 'rejected',
              error: new StructuredLLMError({
                category: 'unknown',
                code: 'job_removed',
                message: `Job ${batchId}-${index} is no longer in the queue`,
              }),
            };
            continue;
          }
          const outcome = outcomeOf<T>(job, index);
          if (outcome === undefined) {
            stillOpen.push(index);
            progress.set(index, typeof job.progress === 'number' ? job.progress : 0);
          } else results[index] = outcome;
        }
      };
      await Promise.all(Array.from({ length: FETCH_CONCURRENCY }, fetchSome));
      unfinished = stillOpen.sort((a, b) => a - b);
      let completed = 0;
      let failed = 0;
      for (const result of results) {
        if (result?.status === 'fulfilled') completed++;
        else if (result?.status === 'rejected') failed++;
      }
      let percentSum = (completed + failed) * 100;
      for (const percent of progress.values()) percentSum += Math.min(100, Math.max(0, percent));
      return {
        batchId,
        size,
        completed,
        failed,
        pending: unfinished.length,
        progressPercent: size === 0 ? 100 : percentSum / size,
        results: results.slice(),
        done: unfinished.length === 0,
      };
    };
  };

  const watchBatch = <T>(batchId: string, watchOptions: WatchBatchOptions = {}): BatchWatch<T> => {
    const read = createReader<T>(batchId);
    const intervalMs = watchOptions.intervalMs ?? 500;
    const signal = watchOptions.signal;
    let consumed = false;
    let resultsPromise: Promise<BatchResult<T>[]> | undefined;

    async function* iterate(): AsyncGenerator<BatchProgress<T>, void, undefined> {
      let previous = '';
      for (;;) {
        signal?.throwIfAborted();
        const snapshot = await read();
        const key = `${snapshot.completed}/${snapshot.failed}/${snapshot.progressPercent}`;
        if (key !== previous || snapshot.done) {
          previous = key;
          yield snapshot;
        }
        if (snapshot.done) return;
        await pause(intervalMs, signal);
      }
    }

    return {
      [Symbol.asyncIterator]() {
        if (consumed) {
          throw new TypeError('This batch watch is already being consumed: watch the batch again');
        }
        consumed = true;
        return iterate();
      },
      get results() {
        if (resultsPromise === undefined) {
          if (consumed) {
            return Promise.reject(
              new TypeError('results is only available on a watch that is not iterated'),
            );
          }
          consumed = true;
          resultsPromise = (async () => {
            let last: BatchProgress<T> | undefined;
            for await (const snapshot of iterate()) last = snapshot;
            return (last?.results ?? []) as BatchResult<T>[];
          })();
        }
        return resultsPromise;
      },
    };
  };

  return {
    queue,
    enqueue,
    enqueueBatch,
    getBatch: <T>(batchId: string) => createReader<T>(batchId)(),
    watchBatch,
    close: () => queue.close(),
  };
}

function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
