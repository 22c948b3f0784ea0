import { StructuredLLMError } from './structured-llm-error.ts';

/**
 * The one factory of `aborted` errors; the abort reason is always the `cause`.
 *
 * - Given a fired `AbortSignal` (a provider's `call.signal`, a wait for a retry): a new
 *   error saying `message`, by default `The call was aborted`.
 * - Given an abort reason (the engine's): the reason itself when it is already a
 *   `StructuredLLMError` (a timeout, a `failFast`), otherwise `Request aborted: <reason>`,
 *   or `message` when one is given.
 */
export function abortedError(signalOrReason: unknown, message?: string): StructuredLLMError {
  if (signalOrReason instanceof AbortSignal) {
    return new StructuredLLMError({
      category: 'aborted',
      message: message ?? 'The call was aborted',
      cause: signalOrReason.reason,
    });
  }
  const reason = signalOrReason;
  if (message === undefined && StructuredLLMError.is(reason)) return reason;
  return new StructuredLLMError({
    category: 'aborted',
    message:
      message ??
      (reason instanceof Error
        ? `Request aborted: ${reason.message}`
        : typeof reason === 'string'
          ? `Request aborted: ${reason}`
          : 'Request aborted'),
    cause: reason,
  });
}
