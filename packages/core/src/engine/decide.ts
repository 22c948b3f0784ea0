import { abortedError } from '../errors/aborted.ts';
import type { StructuredLLMError } from '../errors/index.ts';
import { OUTPUT_MODE_DEGRADATION, type OutputMode } from '../provider/index.ts';
import { retryDelay } from '../resilience/index.ts';
import { INVALID_ELEMENT } from './elements.ts';
import type { RetryOptions } from './types.ts';

/**
 * Why a try did not give a value: its model could not be routed (`route`), its
 * breaker refused it (`admission`), or it ran and failed (`attempt`).
 */
export interface Failure {
  readonly stage: 'route' | 'admission' | 'attempt';
  readonly error: StructuredLLMError;
}

/** Where the request stands when a try has failed. */
export interface DecisionState {
  /** The request's own signal: once aborted (by the caller or timeouts.totalMs), nothing more is tried. */
  readonly signal?: { readonly aborted: boolean; readonly reason?: unknown } | undefined;
  /** Tries made so far, this one included, and the bound on them. */
  readonly attempt: number;
  readonly ceiling: number;
  /** Retries and limit re-asks already made on the current model. */
  readonly retries: number;
  readonly limitReasks: number;
  /** The current model's output modes, best first, and the one just tried. */
  readonly modes: readonly OutputMode[];
  readonly mode: OutputMode;
  /** The model to fall back to, if any is left. */
  readonly nextModel: string | undefined;
  /** `retry.maxRetries` (or the request's `maxRetries`), checked when the request was made. */
  readonly maxRetries: number;
  readonly retry: RetryOptions;
}

/**
 * What to do next. A re-ask or a backoff retries the model (`limit`: the answer
 * broke one of the service's `limits`); `exhausted` tells that the model's tries
 * are spent, `ceiling` that the request reached its attempt ceiling.
 */
export type Decision =
  | { readonly action: 'reask'; readonly limit: boolean }
  | { readonly action: 'backoff'; readonly delayMs: number; readonly limit: boolean }
  | { readonly action: 'degrade'; readonly mode: OutputMode }
  | { readonly action: 'fallback'; readonly model: string; readonly exhausted?: true }
  | {
      readonly action: 'fail';
      readonly error: StructuredLLMError;
      readonly exhausted?: true;
      readonly ceiling?: true;
    };

/**
 * A hard bound on the tries of a request, whatever `decide` counts: every model's
 * first try, its retries, its output mode degradations and a refusal by its breaker.
 */
export function attemptCeiling(models: number, maxRetries: number): number {
  return models * (maxRetries + OUTPUT_MODE_DEGRADATION.length + 2);
}

/** Default of `retry.maxLimitReasks`. */
const DEFAULT_MAX_LIMIT_REASKS = 1;
/** The codes of an answer that broke one of the service's `limits`. */
const LIMIT_CODES: ReadonlySet<string | undefined> = new Set([
  'length_limit',
  'depth_limit',
  'chunk_limit',
]);

/**
 * The retry policy of a request as one pure decision: given how a try failed and
 * where the request stands, whether to re-ask the model, move to a lesser output
 * mode, back off and retry, fall back to the next model, or fail.
 */
export function decide(failure: Failure, state: DecisionState): Decision {
  const { error } = failure;
  const { signal, retry } = state;
  const moveOn = (exhausted?: true): Decision =>
    state.nextModel === undefined
      ? { action: 'fail', error, ...(exhausted && { exhausted }) }
      : { action: 'fallback', model: state.nextModel, ...(exhausted && { exhausted }) };
  // A model that cannot be routed, or whose breaker is open, is not tried again.
  if (failure.stage !== 'attempt') return moveOn();
  // The caller's abort (or the total timeout) ends the request, on any model.
  if (signal?.aborted) return { action: 'fail', error: abortedError(signal.reason) };
  // So does an invalid element under elementErrors: 'stop'.
  if (error.category === 'aborted' || (error.code === INVALID_ELEMENT && !error.retryable)) {
    return { action: 'fail', error };
  }
  let decision: Decision;
  const next = state.modes[state.modes.indexOf(state.mode) + 1];
  const limit = LIMIT_CODES.has(error.code);
  if (error.code === 'unsupported_mode' && next !== undefined) {
    // The model rejected the mode: degrade (json_schema → tool → json_object → prompt) at once.
    decision = { action: 'degrade', mode: next };
  } else if (
    !error.retryable ||
    state.retries >= state.maxRetries ||
    (error.retryAfterMs ?? 0) > (retry.maxRetryAfterMs ?? 60_000) ||
    // An answer over a limit is costly to pull again: re-asked at most maxLimitReasks times.
    (limit && state.limitReasks >= (retry.maxLimitReasks ?? DEFAULT_MAX_LIMIT_REASKS))
  ) {
    return moveOn(true);
  } else if (error.category === 'parse' || error.category === 'validation') {
    // A re-ask is a new question, not an overloaded server: no backoff for it.
    decision = { action: 'reask', limit };
  } else {
    const delayMs = retryDelay(error, state.retries + 1, retry, retry.random);
    decision = { action: 'backoff', delayMs, limit };
  }
  // A hard bound on tries, whatever the counts above say.
  return state.attempt >= state.ceiling ? { action: 'fail', error, ceiling: true } : decision;
}
