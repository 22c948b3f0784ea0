/**
 * The route of one request through the engine:
 *
 * 1. `StructuredLLMService.routeStructuredStreaming` checks the request, builds its
 *    `ResponseModel` and its `ElementTracker` (when it streams elements), and makes one
 *    `RequestRun` (this file) and one `StructuredStreamImpl` over it. Nothing runs yet.
 * 2. The first pull of the stream (iterating it, `elements()` or `result`) starts
 *    `runRequest` (request-runner.ts): it starts the run's clock and its total timeout,
 *    subscribes the progress tracker, the observer hub and the debug logger to the
 *    run's lifecycle (lifecycle.ts) and emits `start`.
 * 3. `runRequest` loops over tries. It routes the model when it comes to a new one
 *    (`openModel`), then hands the try to `tryModel` (try-model.ts): the backoff, the
 *    rate limiter's wait, the breaker's admission, the `attempt` event, and one attempt
 *    (attempt/conductor.ts), yielded once as `{ running }`.
 * 4. The stream pulls that attempt's partial responses itself, one per chunk, straight
 *    to the consumer (a generator resumption per chunk would cost more than the chunk's
 *    own work). When the attempt ends, the stream resumes the runner with the
 *    `AttemptEnd`; `tryModel` tells the breaker, the limiter and the progress estimator
 *    how it went and records the attempt here.
 * 5. A failed try goes to `decide` (decide.ts), a pure function of the failure and this
 *    run: re-ask, degrade the output mode, back off, fall back to the next model, or
 *    fail. The loop emits the matching event (`retry`, `degrade`, `exhausted`,
 *    `fallback`) and goes on.
 * 6. The request ends once (`finalResponse`): `success` or `failure` is emitted, the
 *    outcome is recorded here (`settle`), which the stream reads (its `result`, `status`,
 *    `attempts`, element counts), and the final response is yielded.
 *
 * A `RequestRun` holds what the request has done and where it stands: its attempt
 * records, its outcome, the last partial value shown, the elements delivered, the
 * current model, provider and mode, and the counts `decide` reads. The runner and the
 * attempts write it; the stream only reads it. The attempt reports its own per-chunk
 * moments (chunks, partials, its end) to the tracker and the hub.
 */
import type { AttemptRecord, StructuredLLMError } from '../errors/index.ts';
import type { RequestContext } from '../observe/index.ts';
import type { OutputMode, ProviderServer, Usage } from '../provider/index.ts';
import type { DecisionState } from './decide.ts';
import type { ElementTracker } from './elements.ts';
import type { RequestUsage, RetryOptions } from './types.ts';

/** An attempt record the runner still completes (the delay it waits after a failed try). */
export type MutableRecord = { -readonly [K in keyof AttemptRecord]: AttemptRecord[K] };

/** How a request ended: its value, or its error. */
export type Outcome<T> = { readonly value: T } | { readonly error: StructuredLLMError };

/** What one request has done so far, where it stands, and how it ended. */
export class RequestRun<T = unknown> implements DecisionState {
  readonly attempts: AttemptRecord[] = [];
  /** Element streaming state, when the request streams the elements of an array. */
  declare readonly elements: ElementTracker | undefined;
  // The request's identity, clock, model and retry bounds are set when it starts running
  // (the runner's `startRun`), and the current model's modes, streaming and counts when the
  // model is opened (`openModel`), before anything reads them; a request that fails its
  // checks never runs, and never reads them.
  /** Unique per request within this process. */
  declare id: string;
  /** The fields every observer event of this request carries. */
  declare context: RequestContext;
  declare startedAt: number;
  declare now: () => number;
  /** Set once, when the request has a value or has failed. */
  declare outcome: Outcome<T> | undefined;
  /** The latest partial value shown, which a failed request still returns. */
  declare lastPartial: unknown;
  /** Tries made so far (routing failures and breaker refusals count). */
  attempt = 0;
  /** The model of the latest try, as requested, its provider once routed, and the model after it. */
  declare model: string;
  declare provider: string | undefined;
  /** Where the current model's provider sends requests, when it says. */
  declare server: ProviderServer | undefined;
  declare nextModel: string | undefined;
  /** The output modes of the current model, best first, the one in use, and whether it streams. */
  declare modes: readonly OutputMode[];
  declare mode: OutputMode;
  declare streaming: boolean;
  /** Retries and limit re-asks made on the current model. */
  declare retries: number;
  declare limitReasks: number;
  /** The request's signal and retry bounds (see `decide`). */
  declare signal: AbortSignal | undefined;
  declare ceiling: number;
  declare maxRetries: number;
  declare retry: RetryOptions;
  /** What the attempts that reported usage cost, each and in all: users pay for every attempt. */
  declare usage: RequestUsage | undefined;
  /** Told of the outcome (the stream). */
  onSettle?(outcome: Outcome<T>): void;

  constructor(elements?: ElementTracker) {
    this.elements = elements;
  }

  /** Records how the request ended (the first outcome stays) and tells `onSettle`. */
  settle(outcome: Outcome<T>): void {
    if (this.outcome !== undefined) return;
    this.outcome = outcome;
    this.onSettle?.(outcome);
  }

  /** Adds what attempt `attempt` of `model` cost (when its provider said) to the request's usage. */
  pay(paid: Usage | undefined, attempt: number, model: string): void {
    if (paid === undefined) return;
    const { inputTokens = 0, outputTokens = 0, attempts = [] } = this.usage ?? {};
    this.usage = {
      inputTokens: inputTokens + (paid.inputTokens ?? 0),
      outputTokens: outputTokens + (paid.outputTokens ?? 0),
      attempts: [...attempts, { attempt, model, ...paid }],
    };
  }

  /** The elements, when the request streams them (an active tracker). */
  get streamedElements(): ElementTracker | undefined {
    const elements = this.elements;
    return elements?.active === true ? elements : undefined;
  }

  /** What a retry or fallback event says about elements already delivered (they are not delivered again). */
  elementData(): Record<string, number> {
    const elements = this.streamedElements;
    return elements === undefined
      ? {}
      : { deliveredElements: elements.delivered, replacedElements: elements.replaced };
  }

  /**
   * Records try `attempt` on the current model (on `provider`, once routed), and the
   * error it failed with, if it did.
   */
  record(attempt: number, provider: string | undefined, error?: StructuredLLMError): MutableRecord {
    const record: MutableRecord = {
      attempt,
      model: this.model,
    };
    if (provider !== undefined) record.provider = provider;
    if (error !== undefined) {
      record.category = error.category;
      record.message = error.message;
    }
    this.attempts.push(record);
    return record;
  }
}
