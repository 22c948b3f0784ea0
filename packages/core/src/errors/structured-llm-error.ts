import type { ErrorCode } from './error-code.ts';

/** Why a request (or a parse) failed. Stable strings: safe to switch on and to use as metric labels. */
export type ErrorCategory =
  | 'rate_limit'
  | 'timeout'
  | 'network'
  | 'server'
  | 'auth'
  | 'bad_request'
  | 'content_filter'
  | 'length'
  | 'parse'
  | 'validation'
  | 'circuit_open'
  | 'aborted'
  | 'unknown';

export const ERROR_CATEGORIES: readonly ErrorCategory[] = [
  'rate_limit',
  'timeout',
  'network',
  'server',
  'auth',
  'bad_request',
  'content_filter',
  'length',
  'parse',
  'validation',
  'circuit_open',
  'aborted',
  'unknown',
];

/** One try of a request: which model served it, how it ended, and how long the engine waited before the next. */
export interface AttemptRecord {
  readonly attempt: number;
  readonly model: string;
  readonly provider?: string;
  /** Absent when the attempt succeeded. */
  readonly category?: ErrorCategory;
  readonly message?: string;
  /** Backoff slept after this attempt, before the next one. */
  readonly delayMs?: number;
}

export interface StructuredLLMErrorOptions {
  readonly category: ErrorCategory;
  readonly message: string;
  /** Defaults per category: see {@link isRetryableByDefault}. */
  readonly retryable?: boolean;
  readonly retryAfterMs?: number;
  readonly status?: number;
  readonly attempts?: readonly AttemptRecord[];
  readonly cause?: unknown;
  /**
   * Machine-readable detail within the category, e.g. `depth_limit` for a parse error:
   * one of the {@link ErrorCode}s, or a code of your own (a plugin's, a server's).
   */
  readonly code?: ErrorCode | (string & {});
  /** Character offset in the model's output where a parse error was found. */
  readonly position?: number;
}

const MARKER: unique symbol = Symbol.for('structllm.StructuredLLMError');

/**
 * Categories the engine retries on its own: transient infrastructure failures,
 * plus malformed or invalid output, which is re-asked with the errors appended.
 */
export function isRetryableByDefault(category: ErrorCategory): boolean {
  switch (category) {
    case 'rate_limit':
    case 'timeout':
    case 'network':
    case 'server':
    case 'parse':
    case 'validation':
      return true;
    default:
      return false;
  }
}

/**
 * The one error type of structllm. Recognise it with {@link StructuredLLMError.is},
 * which also works across duplicated copies of the package (it checks a
 * `Symbol.for` marker, not the prototype chain).
 */
export class StructuredLLMError extends Error {
  override readonly name = 'StructuredLLMError';
  // The rest are set by the constructor, in this order (`declare`: no field definitions of their own).
  declare readonly category: ErrorCategory;
  declare readonly retryable: boolean;
  declare readonly retryAfterMs: number | undefined;
  declare readonly status: number | undefined;
  declare readonly attempts: readonly AttemptRecord[];
  /**
   * Detail within the category: an {@link ErrorCode} when the engine or a built-in
   * provider set it (editors complete them). Open to other strings: codes of other
   * packages (a queue's `invalid_job`), or read back from a server.
   */
  declare readonly code: ErrorCode | (string & {}) | undefined;
  declare readonly position: number | undefined;

  constructor(options: StructuredLLMErrorOptions) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.category = options.category;
    this.retryable = options.retryable ?? isRetryableByDefault(options.category);
    this.retryAfterMs = options.retryAfterMs;
    this.status = options.status;
    this.attempts = Object.freeze([...(options.attempts ?? [])]);
    this.code = options.code;
    this.position = options.position;
    Object.defineProperty(this, MARKER, { value: true });
  }

  /** True for any structllm error, whichever copy of the package created it. */
  static is(value: unknown): value is StructuredLLMError {
    return (
      typeof value === 'object' &&
      value !== null &&
      (value as { [MARKER]?: unknown })[MARKER] === true
    );
  }

  /** A copy of this error carrying the full list of attempts made for the request. */
  withAttempts(attempts: readonly AttemptRecord[]): StructuredLLMError {
    // toJSON() holds every option but the cause; undefined ones read as absent.
    return new StructuredLLMError({
      ...this.toJSON(),
      cause: this.cause,
      attempts,
    } as StructuredLLMErrorOptions);
  }

  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      category: this.category,
      message: this.message,
      retryable: this.retryable,
      retryAfterMs: this.retryAfterMs,
      status: this.status,
      code: this.code,
      position: this.position,
      attempts: this.attempts,
    };
  }
}
