import { StructuredLLMError } from './structured-llm-error.ts';

/** A `bad_request` error with code `invalid_options`: an option or request that cannot work. */
export function invalidOptions(message: string): StructuredLLMError {
  return new StructuredLLMError({ category: 'bad_request', code: 'invalid_options', message });
}
