import { type ErrorCategory, StructuredLLMError } from '@structllm/core';

/**
 * How a request ended, in a form `toEqual` can compare: the validated value,
 * the category of a `StructuredLLMError`, or — for anything else thrown, which
 * is a bug — its text, so a failed comparison shows it.
 */
export type RequestOutcome =
  | { readonly outcome: 'value'; readonly value: unknown }
  | { readonly outcome: 'error'; readonly category: ErrorCategory }
  | { readonly outcome: 'thrown'; readonly thrown: string };

/** Waits for a request (e.g. `service.routeStructured(…)`) and says how it ended; never rejects. */
export function outcomeOf(request: PromiseLike<unknown>): Promise<RequestOutcome> {
  return Promise.resolve(request).then(
    (value): RequestOutcome => ({ outcome: 'value', value }),
    (error: unknown): RequestOutcome =>
      StructuredLLMError.is(error)
        ? { outcome: 'error', category: error.category }
        : { outcome: 'thrown', thrown: String(error) },
  );
}
