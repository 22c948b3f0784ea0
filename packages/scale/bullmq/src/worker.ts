import {
  type JsonSchema,
  jsonSchema,
  type Logger,
  type ResponseModelInput,
  type StreamingStructuredRequest,
  StructuredLLMError,
  type StructuredLLMService,
} from '@structllm/core';
import { type ConnectionOptions, type Job, UnrecoverableError, Worker } from 'bullmq';
import { asStructuredError } from './errors.ts';
import { DEFAULT_QUEUE_NAME } from './queue.ts';
import type { QueuedRequest, StructuredJobData, StructuredJobResult } from './request.ts';

export interface StructuredWorkerOptions {
  /** Jobs run at once by this worker. Default 1. */
  readonly concurrency?: number;
  /** The queue's name, as given to `createStructuredQueue`. Default `'structllm'`. */
  readonly queueName?: string;
  /** BullMQ key prefix, as given to `createStructuredQueue`. */
  readonly prefix?: string;
  /** Response models jobs may name in `responseModel`, by name. */
  readonly responseModels?: Readonly<Record<string, ResponseModelInput<unknown>>>;
  /**
   * How long a job stays locked to this worker without a renewal (BullMQ's
   * `lockDuration`, default 30 s). A worker that dies leaves its jobs locked
   * this long; another worker then takes them over.
   */
  readonly lockDuration?: number;
  /** How often this worker looks for jobs whose worker died (BullMQ's `stalledInterval`, default 30 s). */
  readonly stalledInterval?: number;
  /** Times a job may lose its worker before it fails (BullMQ's `maxStalledCount`, default 1). */
  readonly maxStalledCount?: number;
  /** Where the worker's connection errors go (BullMQ's `error` event). Default: nowhere. */
  readonly logger?: Logger;
  /** Start taking jobs at once. Default true; false waits for `worker.run()`. */
  readonly autorun?: boolean;
}

export interface StructuredWorker {
  /** The BullMQ worker, for its events (`completed`, `failed`, `stalled`…) and settings. */
  readonly worker: Worker<StructuredJobData, StructuredJobResult>;
  /** Resolves once the worker is connected to Redis. */
  waitUntilReady(): Promise<void>;
  /** Lets running jobs finish, then disconnects. */
  close(): Promise<void>;
}

const MAX_CACHED_SCHEMAS = 256;

/**
 * A BullMQ worker that runs queued structured requests through `service`.
 * Each job's progress follows the stream's `progressPercent` (whole percents);
 * a completed job holds `{ value }`, the validated value. A failed attempt
 * stores the `StructuredLLMError`'s JSON in the job's data (`error`): a
 * retryable category is left to BullMQ's retries (`attempts` of the queue), any
 * other fails the job at once.
 *
 * `connection` is an ioredis instance or options (BullMQ's; workers need
 * `maxRetriesPerRequest: null`).
 */
export function createStructuredWorker(
  service: StructuredLLMService,
  connection: ConnectionOptions,
  options: StructuredWorkerOptions = {},
): StructuredWorker {
  const concurrency = options.concurrency ?? 1;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new StructuredLLMError({
      category: 'bad_request',
      code: 'invalid_options',
      message: `createStructuredWorker: concurrency must be an integer >= 1, got ${String(concurrency)}`,
    });
  }
  const schemas = new Map<string, ResponseModelInput<unknown>>();

  const responseModelFor = (request: QueuedRequest): ResponseModelInput<unknown> => {
    if (request.responseModel !== undefined) {
      const registered = Object.hasOwn(options.responseModels ?? {}, request.responseModel)
        ? options.responseModels?.[request.responseModel]
        : undefined;
      if (registered === undefined) {
        throw new StructuredLLMError({
          category: 'bad_request',
          code: 'unknown_response_model',
          message: `No response model named "${request.responseModel}" is registered with this worker`,
        });
      }
      return registered;
    }
    const key = JSON.stringify([request.schema, request.schemaName, request.schemaDescription]);
    let model = schemas.get(key);
    if (model === undefined) {
      model = jsonSchema(request.schema as JsonSchema, {
        name: request.schemaName,
        description: request.schemaDescription,
      });
      if (schemas.size >= MAX_CACHED_SCHEMAS) {
        const oldest = schemas.keys().next().value;
        if (oldest !== undefined) schemas.delete(oldest);
      }
      schemas.set(key, model);
    }
    return model;
  };

  const processor = async (
    job: Job<StructuredJobData, StructuredJobResult>,
    _token?: string,
    signal?: AbortSignal,
  ): Promise<StructuredJobResult> => {
    let failure: StructuredLLMError;
    try {
      const { request } = job.data;
      const { schema: _schema, responseModel: _name, ...rest } = request;
      const serviceRequest: StreamingStructuredRequest<unknown> = {
        ...rest,
        responseModel: responseModelFor(request),
        ...(signal === undefined ? {} : { signal }),
      };
      let reported = -1;
      let final: { value: unknown } | { error: StructuredLLMError } | undefined;
      for await (const response of service.routeStructuredStreaming(serviceRequest)) {
        if (response.isComplete) {
          final =
            response.error === undefined
              ? { value: response.partialResult }
              : { error: response.error };
          break;
        }
        const percent = Math.floor(response.progressPercent);
        if (percent !== reported) {
          reported = percent;
          await job.updateProgress(percent);
        }
      }
      if (final !== undefined && 'value' in final) {
        await job.updateProgress(100);
        return { value: final.value };
      }
      failure =
        final?.error ??
        new StructuredLLMError({
          category: 'unknown',
          message: 'The stream ended without a final response',
        });
    } catch (error) {
      failure = asStructuredError(error);
    }
    await job.updateData({ ...job.data, error: failure.toJSON() });
    if (!failure.retryable) throw new UnrecoverableError(failure.message);
    throw new Error(failure.message);
  };

  const worker = new Worker<StructuredJobData, StructuredJobResult>(
    options.queueName ?? DEFAULT_QUEUE_NAME,
    processor,
    {
      connection,
      concurrency,
      ...(options.prefix === undefined ? {} : { prefix: options.prefix }),
      ...(options.lockDuration === undefined ? {} : { lockDuration: options.lockDuration }),
      ...(options.stalledInterval === undefined
        ? {}
        : { stalledInterval: options.stalledInterval }),
      ...(options.maxStalledCount === undefined
        ? {}
        : { maxStalledCount: options.maxStalledCount }),
      ...(options.autorun === undefined ? {} : { autorun: options.autorun }),
    },
  );
  // An `error` event without a listener would throw: report it instead.
  worker.on('error', (error) => {
    options.logger?.error(`[structllm/bullmq] worker error: ${error.message}`);
  });
  return {
    worker,
    waitUntilReady: () => worker.waitUntilReady(),
    close: () => worker.close(),
  };
}
