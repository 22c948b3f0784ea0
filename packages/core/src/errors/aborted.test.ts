import { describe, expect, it } from 'vitest';
import { abortedError } from './aborted.ts';
import { StructuredLLMError } from './structured-llm-error.ts';

function firedSignal(reason: unknown): AbortSignal {
  const controller = new AbortController();
  controller.abort(reason);
  return controller.signal;
}

describe('abortedError', () => {
  it("from a provider call's signal: a new aborted error whose cause is the reason", () => {
    const reason = new Error('user left');
    const error = abortedError(firedSignal(reason));
    expect(error).toBeInstanceOf(StructuredLLMError);
    expect(error).toMatchObject({ category: 'aborted', message: 'The call was aborted' });
    expect(error.cause).toBe(reason);
    expect(error.retryable).toBe(false);
  });

  it('from a signal whose reason is already a structllm error: still a new error saying what stopped', () => {
    const timeout = new StructuredLLMError({ category: 'timeout', message: 'too slow' });
    const error = abortedError(firedSignal(timeout), 'Aborted while waiting to retry');
    expect(error).not.toBe(timeout);
    expect(error).toMatchObject({ category: 'aborted', message: 'Aborted while waiting to retry' });
    expect(error.cause).toBe(timeout);
  });

  it('from an abort reason: a structllm error stands for itself', () => {
    const failFast = new StructuredLLMError({
      category: 'aborted',
      code: 'fail_fast',
      message: 'x',
    });
    expect(abortedError(failFast)).toBe(failFast);
  });

  it('from any other reason: "Request aborted" with what the reason says', () => {
    expect(abortedError(new Error('closed by the user')).message).toBe(
      'Request aborted: closed by the user',
    );
    expect(abortedError('attempt ended').message).toBe('Request aborted: attempt ended');
    const bare = abortedError(undefined);
    expect(bare).toMatchObject({ category: 'aborted', message: 'Request aborted' });
    expect(abortedError(42, 'Stopped').message).toBe('Stopped');
  });
});
