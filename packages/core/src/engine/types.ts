import type { AttemptRecord, StructuredLLMError } from '../errors/index.ts';
import type { JsonPath } from '../json/index.ts';
import type { Logger, Observer } from '../observe/index.ts';
import type { ProgressCallback, ProgressEstimator, ProgressFilter } from '../progress/index.ts';
import type { Message, OutputMode, StructuredProvider, Usage } from '../provider/index.ts';
import type {
  BackoffOptions,
  BreakerStore,
  CircuitBreaker,
  CircuitBreakerOptions,
  RateLimiter,
} from '../resilience/index.ts';
import type { DeepPartial, ResponseModelInput } from '../schema/index.ts';

export interface RequestTimeouts {
  /** From the start of an attempt to its first text. A timeout is retryable. */
  readonly firstChunkMs?: number;
  /**
   * Longest wait for the provider's next part once text flows. Only time spent waiting
   * on the provider counts: not a paused stream, not a consumer still busy with the
   * last partial. Retryable.
   */
  readonly idleMs?: number;
  /** The whole request, every retry and fallback included. Not retried. */
  readonly totalMs?: number;
}

export interface StreamingStructuredRequest<T> {
  readonly prompt: string | readonly Message[];
  readonly responseModel: ResponseModelInput<T>;
  readonly progressCallback?: ProgressCallback;
  /** 'openai/gpt-4o': the prefix picks the provider. Defaults to the service's `defaultModel`. */
  readonly model?: string;
  /** Retries per model after the first try. Default 3. */
  readonly maxRetries?: number;
  /** Default true; false makes one non-streaming call per attempt, with the same events. */
  readonly enableStreaming?: boolean;
  /** Minimum new characters between two yielded partials; 0 (default) yields after every chunk. */
  readonly streamingChunkSize?: number;
  readonly progressFilter?: ProgressFilter;
  /** Tried in order once the primary model is exhausted or its breaker is open. */
  readonly fallbackModels?: readonly string[];
  readonly mode?: OutputMode | 'auto';
  readonly signal?: AbortSignal;
  readonly timeouts?: RequestTimeouts;
  readonly system?: string;
  readonly temperature?: number;
  readonly maxOutputTokens?: number;
  readonly providerOptions?: Readonly<Record<string, unknown>>;
  /** Name and description for the response model (when the schema has none). */
  readonly schemaName?: string;
  readonly schemaDescription?: string;
  /**
   * Element streaming: where the long array is, as object keys (`'items'`,
   * `'data.items'` or `['data', 'items']`). Default: the root, when the response
   * schema's root is an array.
   */
  readonly elementPath?: JsonPath | string;
  /**
   * Default true. False releases each array element once it is delivered, so memory
   * stays bounded by the largest element; the final value then holds the array
   * empty (see `elementCount`).
   */
  readonly retainElements?: boolean;
  /**
   * Called with each array element once it is complete and validated (or, under
   * `elementErrors: 'skip'`, with an invalid one and its error). Isolated: a
   * throwing or slow callback never breaks or stalls the stream.
   */
  readonly onElement?: (element: ElementEvent<ElementOf<T>>) => void | Promise<void>;
  /**
   * What an invalid array element does. `'reask'` (default): the attempt fails
   * (category `validation`, code `invalid_element`) and the model is asked again;
   * `'skip'`: the element is reported with its error and the stream goes on;
   * `'stop'`: the request ends with a non-retryable validation error.
   */
  readonly elementErrors?: ElementErrorPolicy;
}

export type ElementErrorPolicy = 'reask' | 'skip' | 'stop';

/** The element type of a response that is an array; `unknown` otherwise. */
export type ElementOf<T> = T extends readonly (infer E)[] ? E : unknown;

/**
 * One element of the streamed array: its index in the model's answer and its
 * validated value, or (only under `elementErrors: 'skip'`) the validation error
 * of an invalid element.
 */
export type ElementEvent<E> =
  | { readonly index: number; readonly value: E; readonly error: undefined }
  | { readonly index: number; readonly value: undefined; readonly error: StructuredLLMError };

export interface StreamingResponse<T> {
  /**
   * The value so far. While streaming it is the parser's live partial value
   * (updated in place; `structuredClone` it to keep a snapshot); on the final
   * successful response it is the validated `T`.
   */
  readonly partialResult: DeepPartial<T> | T | undefined;
  readonly isComplete: boolean;
  /** Monotonic within an attempt; 100 only on validated completion. */
  readonly progressPercent: number;
  /** Text chunks received since the previous response. */
  readonly rawChunks: string[] | undefined;
  /** Set on the final response of a failed request. */
  readonly error: StructuredLLMError | undefined;
  /** Which try produced this response (1-based, counted across fallbacks). */
  readonly attempt: number;
  /** Which model produced it, as requested ('openai/gpt-4o'). */
  readonly model: string;
  /** On the final response of a request that streamed elements: the valid elements delivered. */
  readonly elementCount?: number;
  /**
   * On the final response (success or failure), when a provider reported
   * usage: the tokens of every attempt, failed and re-asked ones included.
   */
  readonly usage?: RequestUsage;
}

/** Tokens a request cost: input and output tokens summed over its attempts, and each attempt's own usage. */
export interface RequestUsage {
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly attempts: readonly (Usage & { readonly attempt: number; readonly model: string })[];
}

export type StreamStatus = 'pending' | 'streaming' | 'paused' | 'completed' | 'failed' | 'aborted';

/**
 * A running request. Iterate it for partial responses (one iterator per
 * stream), or await `result`. A failed request ends with one
 * `{ isComplete: true, error }` response; the iterator only throws for misuse.
 */
export interface StructuredStream<T> extends AsyncIterable<StreamingResponse<T>> {
  /** Stops pulling from the provider (real backpressure) until `resume()`. */
  pause(): void;
  resume(): void;
  /** Cancels the provider call; the stream ends with category `aborted`. */
  abort(reason?: unknown): void;
  /** The validated value; rejects with the request's `StructuredLLMError`. Awaiting it without iterating drives the stream. */
  readonly result: Promise<T>;
  readonly status: StreamStatus;
  /** Every attempt made so far. */
  readonly attempts: readonly AttemptRecord[];
  /**
   * The array elements, each as soon as it is complete and validated, with its
   * index; iterating drives the request (do not iterate the stream as well). It
   * ends when the request ends, and throws the request's `StructuredLLMError`
   * after every valid element was delivered. Throws a TypeError when the
   * response has no array to stream or the stream is already being consumed.
   */
  elements<E = ElementOf<T>>(): AsyncIterable<ElementEvent<E>>;
  /** Valid elements delivered so far (across retries and fallbacks, each index once). */
  readonly elementCount: number;
  /**
   * Elements a retry or fallback wrote differently from the version already
   * delivered (the consumer keeps the first version; nothing is delivered twice).
   */
  readonly replacedElements: number;
}

export interface RetryOptions extends BackoffOptions {
  /** Default `maxRetries` for requests that do not set one. Default 3. */
  readonly maxRetries?: number;
  /**
   * Re-asks of a model whose answer broke a limit (`limits.maxResponseChars`,
   * `limits.maxDepth`, `limits.maxChunks`: codes `length_limit`, `depth_limit`,
   * `chunk_limit`), within `maxRetries`. Default 1: an oversized answer is pulled
   * at most twice from each model.
   */
  readonly maxLimitReasks?: number;
  /** A server's retry-after longer than this is not waited for: the next model is tried. Default 60 s. */
  readonly maxRetryAfterMs?: number;
  /** Random source for jitter (tests inject). */
  readonly random?: () => number;
}

export interface ServiceLimits {
  /** Most characters of JSON accepted in one answer. Default 8,000,000. */
  readonly maxResponseChars?: number;
  /** Deepest nesting accepted. Default 1000. */
  readonly maxDepth?: number;
  /** Most provider parts (chunks) accepted in one attempt. Default 1,000,000. */
  readonly maxChunks?: number;
}

export interface StructuredLLMServiceOptions {
  readonly providers: readonly StructuredProvider[];
  /** Model used when a request names none. */
  readonly defaultModel?: string;
  /** Provider that serves models without a registered prefix. Default: the only provider, if there is one. */
  readonly defaultProvider?: string;
  readonly retry?: RetryOptions;
  /**
   * A breaker instance, options for the built-in one, or `false` for none. The built-in
   * one opens when at least `failureRate` (0.5) of the calls ended in the last `windowMs`
   * (30 s) failed, once `minimumCalls` (20) ended there, counting running calls as not
   * failed (a few early resets among many healthy streams cannot open it); it refuses for
   * `cooldownMs` (30 s), then lets `halfOpenMaxProbes` (1) probes decide.
   */
  readonly breaker?:
    | CircuitBreaker
    | (CircuitBreakerOptions & { readonly store?: BreakerStore })
    | false;
  /**
   * Limits calls per provider+model and pauses one after a 429 with a retry-after: the
   * in-memory `createRateLimiter(options)` from `@structllm/core/rate-limit`, or one shared
   * by a fleet (`@structllm/redis`). Default none. The engine waits before each attempt until the limiter lets it
   * start (an abort ends the wait); a limiter that fails is logged and bypassed.
   */
  readonly rateLimiter?: RateLimiter;
  readonly observers?: readonly Observer[];
  readonly logger?: Logger;
  readonly progressEstimator?: ProgressEstimator;
  readonly limits?: ServiceLimits;
  /** Clock for timestamps and durations (tests inject). */
  readonly now?: () => number;
}

export interface BatchOptions {
  /** Requests streaming at once. Default 4. */
  readonly concurrency?: number;
  /** Abort the other requests on the first failure. Default false. */
  readonly failFast?: boolean;
  readonly signal?: AbortSignal;
}

/** A response of one request in a batch, tagged with the request's index. */
export type BatchResponse<T> = StreamingResponse<T> & { readonly index: number };

export type BatchResult<T> =
  | { readonly index: number; readonly status: 'fulfilled'; readonly value: T }
  | { readonly index: number; readonly status: 'rejected'; readonly error: StructuredLLMError };

export interface BatchStream<T> extends AsyncIterable<BatchResponse<T>> {
  /** Every request's outcome, in input order. Awaiting it without iterating drives the batch. */
  readonly results: Promise<BatchResult<T>[]>;
  abort(reason?: unknown): void;
}
