import type { StreamingResponse } from '@structllm/core';

/**
 * Runs a request's stream to its end and returns every response it yielded,
 * each with a snapshot of its partial value. The engine updates a partial in
 * place as text arrives, so keeping the responses themselves would leave every
 * entry showing the last value; each `partialResult` here is `structuredClone`d
 * at the moment it was yielded.
 */
export async function collectResponses<T>(
  stream: AsyncIterable<StreamingResponse<T>>,
): Promise<StreamingResponse<T>[]> {
  const responses: StreamingResponse<T>[] = [];
  for await (const response of stream) {
    responses.push({ ...response, partialResult: structuredClone(response.partialResult) });
  }
  return responses;
}

/**
 * The text the consumer saw from one attempt (1-based, counted across
 * fallbacks): the `rawChunks` of its responses, joined. Shows how far the
 * model got before the engine stopped an attempt.
 */
export function textOf<T>(responses: readonly StreamingResponse<T>[], attempt: number): string {
  return responses
    .filter((response) => response.attempt === attempt)
    .flatMap((response) => response.rawChunks ?? [])
    .join('');
}

/**
 * Runs a stream to its end and discards what it yields, for tests that look
 * elsewhere (an observer, a logger, metrics). A request that fails ends its
 * stream with an error response rather than throwing, so this resolves either way.
 */
export async function drain(stream: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of stream) {
    // Only the side effects of running the request matter.
  }
}
