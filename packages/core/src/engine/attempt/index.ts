// The attempt's contract with the request runner and the stream. `AttemptSettings` (what
// `startAttempt` takes) is in ./types.ts.
export { startAttempt } from './conductor.ts';
export {
  type AttemptEnd,
  AttemptFailure,
  type AttemptOutcome,
  type AttemptRun,
  type ResponseResult,
} from './types.ts';
