import { StructuredLLMError } from '../../errors/index.ts';
import type { JsonStreamParser } from '../../json/index.ts';
import type { ValidationResult } from '../../schema/index.ts';
import {
  type createPartialChecks,
  validationError,
  valueAt,
} from '../../schema/model/partial-checker.ts';
import { onlyArrayIssues } from '../elements.ts';
import type { AttemptSettings, ProviderMeta } from './types.ts';

/** How the final validation reports: the attempt's end, as the conductor keeps it. */
interface FinalHandlers<T> {
  ended(): boolean;
  done(value: T): void;
  fail(thrown: unknown): void;
}

/**
 * The stream (or call) is over: checks how it ended, then validates the whole
 * value (or takes it as settled when its parts already were, see `settled`),
 * and hands the validated value to `done` or the reason to `fail`.
 */
export function validateFinal<T>(
  settings: AttemptSettings<T>,
  parser: JsonStreamParser,
  meta: ProviderMeta,
  checks: ReturnType<typeof createPartialChecks>,
  { ended, done, fail }: FinalHandlers<T>,
): void {
  const { routed, elements } = settings;
  let validating: ValidationResult<T> | Promise<ValidationResult<T>>;
  try {
    if (meta.finishReason === 'content_filter') {
      throw new StructuredLLMError({
        category: 'content_filter',
        message: `${routed.requested} stopped: the output was blocked by a content filter or refused`,
      });
    }
    if (meta.finishReason === 'error') {
      throw new StructuredLLMError({
        category: 'server',
        message: `${routed.requested} ended the stream with an error`,
      });
    }
    try {
      parser.end();
    } catch (error) {
      if (meta.finishReason === 'length') {
        throw new StructuredLLMError({
          category: 'length',
          message: `${routed.requested} hit its output token limit before the JSON was complete (raise maxOutputTokens)`,
          cause: error,
        });
      }
      throw error;
    }
    // Element streaming checks the array piecewise its own way: the model decides.
    validating =
      elements === undefined && checks.settled(parser.value)
        ? { success: true, value: parser.value as T }
        : settings.responseModel.validate(parser.value);
  } catch (thrown) {
    fail(thrown);
    return;
  }
  Promise.resolve(validating).then((validated) => {
    if (ended()) return;
    if (validated.success) {
      done(validated.value);
      return;
    }
    // Released elements are gone: what the array's own keywords (minItems…) say of it is moot.
    if (
      elements !== undefined &&
      !elements.retain &&
      Array.isArray(valueAt(parser.value, elements.path)) &&
      onlyArrayIssues(validated.issues, elements.path)
    ) {
      done(parser.value as T);
      return;
    }
    fail(
      validationError(
        `The response does not match the "${settings.responseModel.name}" schema`,
        validated.issues,
      ),
    );
  }, fail);
}
