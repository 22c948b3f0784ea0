import { errorText } from '../values.ts';
import { causeWithoutSecrets } from './redact-secrets.ts';
import { StructuredLLMError } from './structured-llm-error.ts';

/**
 * What the engine makes of something thrown where it expected a `StructuredLLMError`:
 * the error itself when it is one, otherwise an `unknown` error saying
 * `<what>: <its text>`, with a plain copy of it as `cause` (a raw SDK error can
 * hold the key in its headers or body).
 */
export function unexpectedError(thrown: unknown, what: string): StructuredLLMError {
  return StructuredLLMError.is(thrown)
    ? thrown
    : new StructuredLLMError({
        category: 'unknown',
        message: `${what}: ${errorText(thrown)}`,
        cause: causeWithoutSecrets(thrown, []),
      });
}
