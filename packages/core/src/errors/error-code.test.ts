import { describe, expectTypeOf, it } from 'vitest';
import type { ErrorCode } from './error-code.ts';
import { StructuredLLMError } from './structured-llm-error.ts';

describe('ErrorCode', () => {
  it('types the code of a StructuredLLMError: known codes narrow, other strings stay allowed', () => {
    const error = new StructuredLLMError({
      category: 'parse',
      code: 'depth_limit',
      message: 'too deep',
    });
    expectTypeOf(error.code).toEqualTypeOf<ErrorCode | (string & {}) | undefined>();
    expectTypeOf<'depth_limit'>().toExtend<ErrorCode>();
    expectTypeOf<'missing_api_key'>().toExtend<ErrorCode>();
    expectTypeOf<'invalid_job'>().not.toExtend<ErrorCode>();
    // A package's own code (here a queue's) is still accepted.
    new StructuredLLMError({ category: 'bad_request', code: 'invalid_job', message: 'x' });
    // @ts-expect-error a misspelt code is not an ErrorCode
    const misspelt: ErrorCode = 'depth_limt';
    void misspelt;
  });
});
