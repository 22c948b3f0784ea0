import { abortedError } from '../errors/aborted.ts';
import { StructuredLLMError } from '../errors/index.ts';
import { invalidOptions } from '../errors/invalid-options.ts';
import { requestError } from './options.ts';
import { failedBeforeStart } from './structured-stream.ts';
import type {
  BatchOptions,
  BatchResponse,
  BatchResult,
  BatchStream,
  StreamingStructuredRequest,
  StructuredStream,
} from './types.ts';

/**
 * A hand-off queue: a producer's `push` resolves once the consumer has taken
 * the item, so a slow consumer slows the streams down instead of buffering.
 */
class Channel<T> {
  private readonly items: Array<{ item: T; taken: () => void }> = [];
  declare private waiting: ((result: IteratorResult<T>) => void) | undefined;
  declare private closed: true | undefined;

  push(item: T): Promise<void> {
    return new Promise((taken) => {
      if (this.waiting !== undefined) {
        const wake = this.waiting;
        this.waiting = undefined;
        wake({ value: item, done: false });
        taken();
      } else this.items.push({ item, taken });
    });
  }

  close(): void {
    this.closed = true;
    if (this.waiting !== undefined && this.items.length === 0) {
      const wake = this.waiting;
      this.waiting = undefined;
      wake({ value: undefined, done: true });
    }
  }

  /** Lets every pending producer go on, dropping what they pushed (the consumer stopped). */
  discard(): void {
    for (const { taken } of this.items.splice(0)) taken();
  }

  next(): Promise<IteratorResult<T>> {
    const first = this.items.shift();
    if (first !== undefined) {
      first.taken();
      return Promise.resolve({ value: first.item, done: false });
    }
    if (this.closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }
}

/** The batch's concurrency, once its requests and options are checked. */
function checkBatch(requests: unknown, options: BatchOptions): number {
  if (!Array.isArray(requests)) {
    throw invalidOptions(
      `routeStructuredBatch needs an array of requests, got ${requests === null ? 'null' : typeof requests}`,
    );
  }
  const requested = options.concurrency ?? 4;
  if (typeof requested !== 'number' || !(requested >= 1)) {
    throw invalidOptions(
      `routeStructuredBatch: concurrency must be a number >= 1 (Infinity for no bound), got ${String(requested)}`,
    );
  }
  return Math.floor(requested);
}

export function runBatch<T>(
  requests: readonly StreamingStructuredRequest<T>[],
  options: BatchOptions,
  open: (request: StreamingStructuredRequest<T>) => StructuredStream<T>,
): BatchStream<T> {
  const concurrency = checkBatch(requests, options);
  const controller = new AbortController();
  if (options.signal !== undefined) {
    if (options.signal.aborted) controller.abort(options.signal.reason);
    else
      options.signal.addEventListener('abort', () => controller.abort(options.signal?.reason), {
        once: true,
      });
  }
  const channel = new Channel<BatchResponse<T>>();
  const results: BatchResult<T>[] = new Array(requests.length);
  let started = false;
  let consumed = false;
  let resultsPromise: Promise<BatchResult<T>[]> | undefined;
  let finishedAll: Promise<void> | undefined;

  const runOne = async (index: number): Promise<void> => {
    const request = requests[index] as StreamingStructuredRequest<T>;
    if (controller.signal.aborted) {
      // Never started (failFast, or the batch was aborted): it still ends with one final response.
      const error = abortedError(controller.signal.reason);
      results[index] = { index, status: 'rejected', error };
      await channel.push({ ...failedBeforeStart<T>(error, request), index });
      return;
    }
    // A request that cannot run gets its one failing response from the service, like any failure.
    const stream =
      requestError(request) !== undefined
        ? open(request)
        : open({
            ...request,
            signal:
              request.signal === undefined
                ? controller.signal
                : AbortSignal.any([request.signal, controller.signal]),
          });
    for await (const response of stream) {
      await channel.push({ ...response, index });
      if (response.isComplete) {
        if (response.error === undefined) {
          results[index] = { index, status: 'fulfilled', value: response.partialResult as T };
        } else {
          results[index] = { index, status: 'rejected', error: response.error };
          if (options.failFast === true && !controller.signal.aborted) {
            controller.abort(
              new StructuredLLMError({
                category: 'aborted',
                code: 'fail_fast',
                message: `Batch request ${index} failed (${response.error.category}); failFast cancelled the others`,
                cause: response.error,
              }),
            );
          }
        }
      }
    }
  };

  /** Starts the workers once; resolves when every request has ended. */
  const start = (): Promise<void> => {
    if (finishedAll !== undefined) return finishedAll;
    started = true;
    let nextIndex = 0;
    const worker = async (): Promise<void> => {
      while (nextIndex < requests.length) {
        const index = nextIndex++;
        await runOne(index);
      }
    };
    finishedAll = Promise.all(
      Array.from({ length: Math.min(concurrency, requests.length) }, worker),
    ).then(() => channel.close());
    return finishedAll;
  };

  async function* iterate(): AsyncGenerator<BatchResponse<T>, void, undefined> {
    void start();
    let finished = false;
    try {
      for (;;) {
        const next = await channel.next();
        if (next.done === true) {
          finished = true;
          return;
        }
        yield next.value;
      }
    } finally {
      if (!finished) {
        controller.abort('the consumer stopped reading the batch');
        channel.discard();
        // Keep draining so every stream can finish its abort.
        void (async () => {
          for (;;) {
            const next = await channel.next();
            if (next.done === true) break;
          }
        })();
      }
    }
  }

  return {
    [Symbol.asyncIterator]() {
      if (consumed || started) {
        throw new TypeError(
          'This batch is already being consumed: iterate it once, or await its results',
        );
      }
      consumed = true;
      return iterate();
    },
    get results() {
      if (resultsPromise === undefined) {
        if (!consumed) {
          consumed = true;
          // Nobody iterates: take every response ourselves.
          void (async () => {
            for await (const _ of iterate()) {
              // results are recorded by the workers
            }
          })();
        }
        resultsPromise = start().then(() => results);
      }
      return resultsPromise;
    },
    abort(reason?: unknown) {
      controller.abort(reason);
    },
  };
}
