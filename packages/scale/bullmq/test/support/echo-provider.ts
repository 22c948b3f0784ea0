import type { JsonSchema } from '@structllm/core';
import type { ProviderCall } from '@structllm/core/provider';
import { createMockProvider, type MockProvider, type MockResponse } from '@structllm/testing';

/** The schema every echo request asks for. */
export const ECHO_SCHEMA: JsonSchema = {
  type: 'object',
  properties: { item: { type: 'string' }, length: { type: 'integer' } },
  required: ['item', 'length'],
  additionalProperties: false,
};

export interface Echo {
  readonly item: string;
  readonly length: number;
}

/** The prompt of a call (its last user message). */
function promptOf(call: ProviderCall): string {
  return call.messages.filter((message) => message.role === 'user').at(-1)?.content ?? '';
}

/** What the echo model answers to a prompt. */
export function echoOf(prompt: string): Echo {
  return { item: prompt, length: prompt.length };
}

/**
 * A mock model that answers every prompt with `{ item: prompt, length }`, in
 * small chunks, `delayMs` apart; `fault(prompt, callIndex)` may answer with a failure instead.
 */
export function createEchoProvider(
  options: {
    readonly delayMs?: number;
    readonly fault?: (prompt: string, index: number) => MockResponse | undefined;
  } = {},
): MockProvider {
  return createMockProvider({
    responses: (call, index) => {
      const prompt = promptOf(call);
      return (
        options.fault?.(prompt, index) ?? {
          json: echoOf(prompt),
          chunkSize: 6,
          ...(options.delayMs === undefined ? {} : { delayMs: options.delayMs }),
        }
      );
    },
  });
}
