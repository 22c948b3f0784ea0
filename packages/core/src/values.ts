// Small helpers for values of unknown shape, shared across core. Internal: not exported.

/** Whether `value` is a promise or other thenable (a callback's result that may be async). */
export function isPromiseLike<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown } | null | undefined)?.then === 'function';
}

/** What a thrown value says: an `Error`'s message, anything else as a string. */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
