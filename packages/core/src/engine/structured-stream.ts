import { type AttemptRecord, StructuredLLMError } from '../errors/index.ts';
import type { StreamControl } from './stream-control.ts';
import type { StreamingResponse, StreamStatus, StructuredStream } from './types.ts';

type Outcome<T> = { readonly value: T } | { readonly error: StructuredLLMError };

/** The user-facing handle of a running request. */
export class StructuredStreamImpl<T> implements StructuredStream<T> {
  readonly attempts: AttemptRecord[] = [];
  private readonly control: StreamControl;
  private readonly start: () => AsyncGenerator<StreamingResponse<T>, void, undefined>;
  private consumed = false;
  private state: 'pending' | 'streaming' | 'completed' | 'failed' | 'aborted' = 'pending';
  private outcome: Outcome<T> | undefined;
  private resultPromise: Promise<T> | undefined;
  private resolveResult: ((value: T) => void) | undefined;
  private rejectResult: ((error: StructuredLLMError) => void) | undefined;

  constructor(
    control: StreamControl,
    start: (
      stream: StructuredStreamImpl<T>,
    ) => AsyncGenerator<StreamingResponse<T>, void, undefined>,
  ) {
    this.control = control;
    this.start = () => start(this);
  }

  get status(): StreamStatus {
    if (this.state === 'streaming' && this.control.paused) return 'paused';
    return this.state;
  }

  pause(): void {
    this.control.pause();
  }

  resume(): void {
    this.control.resume();
  }

  abort(reason?: unknown): void {
    this.control.abort(reason);
  }

  get result(): Promise<T> {
    if (this.resultPromise === undefined) {
      this.resultPromise = new Promise<T>((resolve, reject) => {
        this.resolveResult = resolve;
        this.rejectResult = reject;
      });
      // Marked handled here; whoever awaits it still sees the rejection.
      this.resultPromise.catch(() => {});
      if (this.outcome !== undefined) this.deliver(this.outcome);
      else if (!this.consumed) void this.drain();
    }
    return this.resultPromise;
  }

  /** Called by the runner once the request has an outcome. */
  settle(outcome: Outcome<T>): void {
    if (this.outcome !== undefined) return;
    this.outcome = outcome;
    this.state =
      'value' in outcome
        ? 'completed'
        : outcome.error.category === 'aborted'
          ? 'aborted'
          : 'failed';
    this.control.dispose();
    this.deliver(outcome);
  }

  [Symbol.asyncIterator](): AsyncIterator<StreamingResponse<T>> {
    if (this.consumed) {
      throw new TypeError(
        'This stream is already being consumed: iterate it once, or await its result, not both',
      );
    }
    this.consumed = true;
    return this.iterate();
  }

  /**
   * A hand-written iterator rather than an async generator wrapping the runner:
   * one promise hop less per chunk. Stopping early (break, return, throw in the
   * loop body) cancels the request and runs it to its end, so it records the
   * abort and releases the provider connection.
   */
  private iterate(): AsyncIterator<StreamingResponse<T>> {
    this.state = 'streaming';
    const responses = this.start();
    let finished = false;
    const stop = async (): Promise<IteratorResult<StreamingResponse<T>>> => {
      if (!finished) {
        finished = true;
        if (this.outcome === undefined)
          this.control.abort('the consumer stopped reading the stream');
        for (;;) {
          const next = await responses.next();
          if (next.done === true) break;
        }
      }
      return { done: true, value: undefined };
    };
    return {
      next: () => {
        if (finished) return Promise.resolve({ done: true, value: undefined });
        return responses.next().then(
          (next) => {
            if (next.done === true) finished = true;
            return next;
          },
          (error: unknown) => {
            finished = true;
            this.settle({ error: unexpected(error) });
            throw error;
          },
        );
      },
      return: stop,
      throw: async (error: unknown) => {
        await stop();
        throw error;
      },
    };
  }

  private async drain(): Promise<void> {
    for await (const _ of this) {
      // Awaiting `result` alone still drives the request.
    }
  }

  private deliver(outcome: Outcome<T>): void {
    if ('value' in outcome) this.resolveResult?.(outcome.value);
    else this.rejectResult?.(outcome.error);
  }
}

function unexpected(error: unknown): StructuredLLMError {
  if (StructuredLLMError.is(error)) return error;
  return new StructuredLLMError({
    category: 'unknown',
    message: `Internal error while streaming: ${error instanceof Error ? error.message : String(error)}`,
    cause: error,
  });
}
