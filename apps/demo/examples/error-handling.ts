/**
 * Scenario 3 — error handling: transient failures are retried (the stream
 * says so with `attempt` and a `retry` event), a stream that dies half-way is
 * restarted, and a request that cannot succeed ends with one error response
 * (a StructuredLLMError with a category and every attempt) instead of throwing.
 *
 * Run: node --conditions=@structllm/source apps/demo/examples/error-handling.ts
 */
import { StructuredLLMError, StructuredLLMService } from '@structllm/core';
import { createOpenAIProvider } from '@structllm/openai';
import { fromZod } from '@structllm/zod';
import { UserProfile } from '../src/schemas.ts';
import { startSimulatedModel } from '../src/simulated/simulated-model.ts';

const model = await startSimulatedModel();
try {
  const service = new StructuredLLMService({
    providers: [createOpenAIProvider({ baseURL: model.baseURL, apiKey: 'demo' })],
    defaultModel: 'openai/gpt-4o-mini',
    retry: { baseDelayMs: 50 }, // short backoff for the example
    breaker: false, // this example fails on purpose; keep the breaker out of it
  });
  const request = {
    prompt: 'Generate data that might fail',
    responseModel: fromZod(UserProfile, { name: 'user_profile' }),
    maxRetries: 3,
  };

  // 1. Rate limited, then the stream dies half-way: both retried.
  console.log('-- transient failures');
  model.injectFaults('rate-limit', 'midstream-error');
  for await (const response of service.routeStructuredStreaming({
    ...request,
    progressCallback: (event) => {
      if (event.eventType === 'retry') console.log(`retry event: ${event.message}`);
    },
  })) {
    if (response.error) console.log(`Error occurred: ${response.error.category}`);
    else if (response.isComplete) {
      console.log(
        `Success on attempt ${response.attempt}: ${(response.partialResult as UserProfile).name}`,
      );
    }
  }

  // 2. Retries exhausted: the last response carries the error and every attempt.
  console.log('-- retries exhausted');
  model.injectFaults('server-error', 'server-error');
  for await (const response of service.routeStructuredStreaming({ ...request, maxRetries: 1 })) {
    if (response.error) {
      console.log(
        `Error occurred: ${response.error.category} (retryable: ${response.error.retryable})`,
      );
      for (const attempt of response.error.attempts) {
        console.log(`  attempt ${attempt.attempt} on ${attempt.model}: ${attempt.category}`);
      }
    }
  }

  // 3. An answer that breaks the schema is re-asked with the validation errors.
  console.log('-- invalid answer');
  model.injectFaults('invalid');
  const stream = service.routeStructuredStreaming(request);
  const profile = await stream.result;
  console.log(`attempts: ${stream.attempts.map((a) => a.category ?? 'ok').join(', ')}`);
  console.log(`Success: ${profile.name}, ${profile.yearsExperience} years`);

  // 4. routeStructured throws the StructuredLLMError instead.
  console.log('-- routeStructured');
  model.injectFaults('server-error');
  try {
    await service.routeStructured({ ...request, maxRetries: 0 });
  } catch (error) {
    if (StructuredLLMError.is(error)) console.log(`Caught StructuredLLMError: ${error.category}`);
    else throw error;
  }
} finally {
  await model.close();
}
