import { isPromiseLike } from '../values.ts';

/**
 * Calls a user's callbacks so that none can break the request: what one throws, or the
 * rejection of the promise it returns, goes to `report` the first time only (with the
 * `label` of the call that failed, when it has one), and a `report` that throws is
 * ignored. One per callback (or per observer), so each is reported once.
 */
export class IsolatedCallback {
  declare private readonly report: (error: unknown, label?: string) => void;
  declare private reported: true | undefined;

  constructor(report: (error: unknown, label?: string) => void) {
    this.report = report;
  }

  /** `fn(arg)` (with `self` as `this`); what it returned, or undefined when it threw. */
  call<A, R>(
    fn: (this: unknown, arg: A) => R,
    arg: A,
    self?: unknown,
    label?: string,
  ): R | undefined {
    try {
      const returned = fn.call(self, arg);
      // An async callback is not awaited, but its rejection is caught and reported like a throw.
      if (isPromiseLike(returned)) {
        returned.then(
          undefined,
          label === undefined ? this.failed : (error: unknown) => this.fail(error, label),
        );
      }
      return returned;
    } catch (error) {
      this.fail(error, label);
      return undefined;
    }
  }

  /** `fail` for an unlabelled call, made once: an async callback's rejection handler. */
  private readonly failed = (error: unknown): void => this.fail(error, undefined);

  /** Reports `error` unless an earlier one was reported. */
  private fail(error: unknown, label: string | undefined): void {
    if (this.reported) return;
    this.reported = true;
    try {
      if (label === undefined) this.report(error);
      else this.report(error, label);
    } catch {
      // Reporting must not fail the request either.
    }
  }
}
