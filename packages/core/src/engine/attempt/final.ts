import { StructuredLLMError } from '../../errors/index.ts';
import type { JsonStreamParser } from '../../json/index.ts';
import type { ValidationResult } from '../../schema/index.ts';
import {
  type createPartialChecks,
  validationError,
  valueAt,
} from '../../schema/partial-checker.ts';
import { onlyArrayIssues } from '../elements.ts';
import type { AttemptSettings, ProviderMeta } from './types.ts';

/**
 * The stream (or call) is over: how it ended, then the whole value. Returns the
 * model's verdict (or a success when the parts already settled it); throws when the response cannot be a value.
 */
export function validateEnd<T>(
  settings: AttemptSettings<T>,
  parser: JsonStreamParser,
  meta: ProviderMeta,
  checks: ReturnType<typeof createPartialChecks>,
): ValidationResult<T> | Promise<ValidationResult<T>> {
  const { routed } = settings;
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
  return settings.elements === undefined && checks.settled(parser.value)
    ? { success: true, value: parser.value as T }
    : settings.responseModel.validate(parser.value);
}

/** The validated value from the model's verdict, or the `validation` error it makes. */
export function finalValue<T>(
  settings: AttemptSettings<T>,
  parser: JsonStreamParser,
  validated: ValidationResult<T>,
): T {
  if (validated.success) return validated.value;
  const elements = settings.elements;
  // Released elements are gone: what the array's own keywords (minItems…) say of it is moot.
  if (
    elements !== undefined &&
    !elements.retain &&
    Array.isArray(valueAt(parser.value, elements.path)) &&
    onlyArrayIssues(validated.issues, elements.path)
  ) {
    return parser.value as T;
  }
  throw validationError(
    `The response does not match the "${settings.responseModel.name}" schema`,
    validated.issues,
  );
}
