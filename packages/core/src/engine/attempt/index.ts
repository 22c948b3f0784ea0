export { startAttempt } from './conductor.ts';
export {
  type AttemptEnd,
  AttemptFailure,
  type AttemptOutcome,
  type AttemptRun,
  type AttemptSettings,
  type ResponseResult,
} from './types.ts';
