import type { AttemptRecord, StructuredLLMError } from '../errors/index.ts';
import { unexpectedError } from '../errors/unexpected.ts';
import type { AttemptEnd, AttemptRun, ResponseResult } from './attempt/index.ts';
import type { Outcome, RequestRun } from './request-run.ts';
import type { RunnerItem } from './request-runner.ts';
import type { StreamControl } from './stream-control.ts';
import type {
  ElementEvent,
  ElementOf,
  StreamingResponse,
  StreamStatus,
  StructuredStream,
} from './types.ts';

/** The one response of a request that failed before it started (the request may be anything a caller passed). */
export function failedBeforeStart<T>(
  error: StructuredLLMError,
  request: unknown,
): StreamingResponse<T> {
  const model = (request as { readonly model?: unknown } | null | undefined)?.model;
  return {
    partialResult: undefined,
    isComplete: true,
    progressPercent: 0,
    rawChunks: undefined,
    error,
    attempt: 0,
    model: typeof model === 'string' ? model : '',
  };
}

/**
 * The user-facing handle of a running request. It reads the request's
 * `RequestRun` (attempts, outcome, elements) and drives the runner.
 */
export class StructuredStreamImpl<T> implements StructuredStream<T> {
  readonly #control: StreamControl;
  readonly #run: RequestRun<T>;
  readonly #start: () => AsyncGenerator<RunnerItem<T>, void, AttemptEnd<T> | undefined>;
  /** Set once the stream, its elements or its result claimed the responses. */
  #consumed: true | undefined;
  #state: 'pending' | 'streaming' | 'completed' | 'failed' | 'aborted' = 'pending';
  #resultPromise: Promise<T> | undefined;
  #resolveResult: ((value: T) => void) | undefined;
  #rejectResult: ((error: StructuredLLMError) => void) | undefined;
  /** Set by elements(): runs the request to its end when `result` is awaited. */
  #driveElements: (() => void) | undefined;

  constructor(
    control: StreamControl,
    run: RequestRun<T>,
    start: () => AsyncGenerator<RunnerItem<T>, void, AttemptEnd<T> | undefined>,
  ) {
    this.#control = control;
    this.#run = run;
    this.#start = start;
    run.onSettle = (outcome) => this.#settled(outcome);
  }

  get attempts(): readonly AttemptRecord[] {
    return this.#run.attempts;
  }

  get elementCount(): number {
    return this.#run.elements?.valid ?? 0;
  }

  get replacedElements(): number {
    return this.#run.elements?.replaced ?? 0;
  }

  elements<E = ElementOf<T>>(): AsyncIterable<ElementEvent<E>> {
    const tracker = this.#run.elements;
    if (tracker === undefined) {
      throw new TypeError(
        'elements() needs an array to stream: set elementPath, or use a response schema whose root is an array',
      );
    }
    if (this.#consumed) {
      throw new TypeError(
        'This stream is already being consumed: iterate either the stream or its elements(), once',
      );
    }
    tracker.listening = true;
    // Claimed now; the request starts with the first element asked for, or with `result`.
    this.#consumed = true;
    let responses: AsyncIterator<StreamingResponse<T>> | undefined;
    let done = false;
    let failure: StructuredLLMError | undefined;
    /** What pulling the stream threw (the runner failed outside any response). */
    let thrown: { readonly error: unknown } | undefined;
    let inFlight: Promise<void> | undefined;
    /** One pull of the stream at a time, whoever asks (the element loop or `result`). */
    const pull = (): Promise<void> => {
      if (inFlight !== undefined) return inFlight;
      responses ??= this.#iterate();
      inFlight = responses.next().then(
        (response) => {
          inFlight = undefined;
          if (response.done === true) done = true;
          else if (response.value.isComplete) failure = response.value.error;
        },
        (error: unknown) => {
          inFlight = undefined;
          done = true;
          thrown = { error };
        },
      );
      return inFlight;
    };
    // `result` awaited before (or without) iterating: run the request to its end, the
    // elements waiting in the queue for whenever the loop comes.
    this.#driveElements = () => {
      const drive = (): Promise<void> | undefined => (done ? undefined : pull().then(drive));
      void drive();
    };
    type Step = IteratorResult<ElementEvent<E>, undefined>;
    // Queued elements first; when none is left, the stream is pulled (its responses are made
    // to hand over elements) and the queue looked at again. A then-chain, not an async
    // function: one promise hop per element fewer.
    const step = (): Step | Promise<Step> => {
      const item = tracker.take();
      if (item !== undefined) return { value: item as ElementEvent<E>, done: false };
      if (done) {
        if (thrown !== undefined) {
          const { error } = thrown;
          thrown = undefined;
          throw error;
        }
        if (failure === undefined) return { value: undefined, done: true };
        // Every valid element first, then the request's failure (once).
        const error = failure;
        failure = undefined;
        throw error;
      }
      // Pulled to the runner's end, so the request finishes (and releases the provider).
      return pull().then(step);
    };
    const iterator: AsyncIterator<ElementEvent<E>, undefined> = {
      next: () => {
        try {
          return Promise.resolve(step());
        } catch (error) {
          return Promise.reject(error);
        }
      },
      return: async () => {
        done = true;
        failure = undefined;
        await responses?.return?.();
        return { value: undefined, done: true };
      },
    };
    let handedOut = false;
    return {
      [Symbol.asyncIterator]: () => {
        if (handedOut) throw new TypeError('elements() can be iterated once');
        handedOut = true;
        return iterator;
      },
    };
  }

  get status(): StreamStatus {
    if (this.#state === 'streaming' && this.#control.paused) return 'paused';
    return this.#state;
  }

  pause(): void {
    this.#control.pause();
  }

  resume(): void {
    this.#control.resume();
  }

  abort(reason?: unknown): void {
    this.#control.abort(reason);
  }

  get result(): Promise<T> {
    if (this.#resultPromise === undefined) {
      this.#resultPromise = new Promise<T>((resolve, reject) => {
        this.#resolveResult = resolve;
        this.#rejectResult = reject;
      });
      // Marked handled here; whoever awaits it still sees the rejection.
      this.#resultPromise.catch(() => {});
      const { outcome } = this.#run;
      if (outcome !== undefined) this.#deliver(outcome);
      else if (!this.#consumed) void this.#drain();
      else this.#driveElements?.();
    }
    return this.#resultPromise;
  }

  /** The request has its outcome (once). */
  #settled(outcome: Outcome<T>): void {
    this.#state =
      'value' in outcome
        ? 'completed'
        : outcome.error.category === 'aborted'
          ? 'aborted'
          : 'failed';
    this.#control.dispose();
    this.#deliver(outcome);
  }

  [Symbol.asyncIterator](): AsyncIterator<StreamingResponse<T>> {
    if (this.#consumed) {
      throw new TypeError(
        'This stream is already being consumed: iterate it once, or await its result, not both',
      );
    }
    this.#consumed = true;
    return this.#iterate();
  }

  /**
   * A hand-written iterator over the runner: responses it yields go straight
   * to the consumer, and while an attempt streams, the consumer pulls its
   * partials directly (no generator resumption or extra promise per chunk).
   * Stopping early (break, return, throw in the loop body) cancels the request
   * and runs it to its end, so it records the abort and releases the provider.
   */
  #iterate(): AsyncIterator<StreamingResponse<T>> {
    this.#state = 'streaming';
    const runner = this.#start();
    let finished = false;
    let attempt: AttemptRun<T> | undefined;
    /** The latest pull of an attempt (it may still be waiting on the provider's read). */
    let pulled: Promise<ResponseResult<T>> | undefined;

    const fromRunner = (
      next: IteratorResult<RunnerItem<T>, void>,
    ): ResponseResult<T> | Promise<ResponseResult<T>> => {
      if (next.done === true) {
        finished = true;
        return { value: undefined, done: true };
      }
      const item = next.value;
      if ('running' in item) {
        attempt = item.running;
        return item.running.pull(attemptEnded);
      }
      return { value: item, done: false };
    };
    const onRunnerError = (error: unknown): never => {
      finished = true;
      attempt = undefined;
      this.#run.settle({ error: unexpectedError(error, 'Internal error while streaming') });
      throw error;
    };
    const resumeRunner = (end?: AttemptEnd<T>): Promise<ResponseResult<T>> =>
      runner.next(end).then(fromRunner, onRunnerError);
    const attemptEnded = (end: AttemptEnd<T>): Promise<ResponseResult<T>> => {
      attempt = undefined;
      return resumeRunner(end);
    };
    const next = (): Promise<ResponseResult<T>> => {
      if (finished) return Promise.resolve({ value: undefined, done: true });
      if (attempt !== undefined) {
        pulled = attempt.pull(attemptEnded);
        return pulled;
      }
      return resumeRunner();
    };
    const stop = async (): Promise<ResponseResult<T>> => {
      if (!finished) {
        if (this.#run.outcome === undefined)
          this.#control.abort('the consumer stopped reading the stream');
        // A pull still waiting on the provider's read (elements() driving the stream for
        // `result`) ends with the abort: its own caller takes what it brings.
        await pulled?.catch(() => {});
        while (!finished) await next();
      }
      return { value: undefined, done: true };
    };
    return {
      next,
      return: stop,
      throw: async (error: unknown) => {
        await stop();
        throw error;
      },
    };
  }

  async #drain(): Promise<void> {
    for await (const _ of this) {
      // Awaiting `result` alone still drives the request.
    }
  }

  #deliver(outcome: Outcome<T>): void {
    if ('value' in outcome) this.#resolveResult?.(outcome.value);
    else this.#rejectResult?.(outcome.error);
  }
}
