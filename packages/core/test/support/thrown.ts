import { StructuredLLMError } from '../../src/errors/index.ts';

/** The StructuredLLMError `run` throws (fails the test if it throws nothing, or something else). */
export function failure(run: () => unknown): StructuredLLMError {
  try {
    run();
  } catch (error) {
    if (StructuredLLMError.is(error)) return error;
    throw error;
  }
  throw new Error('expected a StructuredLLMError');
}
