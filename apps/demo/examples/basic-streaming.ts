/**
 * Scenario 1 — basic streaming: stream a user profile and print the result.
 *
 * Run: node --conditions=@structllm/source apps/demo/examples/basic-streaming.ts
 * No key needed: the embedded simulated model serves the request through the
 * real OpenAI provider (only the base URL differs from production).
 */
import { StructuredLLMService } from '@structllm/core';
import { createOpenAIProvider } from '@structllm/openai';
import { fromZod } from '@structllm/zod';
import { UserProfile } from '../src/schemas.ts';
import { startSimulatedModel } from '../src/simulated/simulated-model.ts';

const model = await startSimulatedModel();
try {
  const service = new StructuredLLMService({
    // In production: createOpenAIProvider() reads OPENAI_API_KEY.
    providers: [createOpenAIProvider({ baseURL: model.baseURL, apiKey: 'demo' })],
    defaultModel: 'openai/gpt-4o-mini',
  });

  const stream = service.routeStructuredStreaming({
    prompt: 'Create a profile for a software engineer',
    responseModel: fromZod(UserProfile, { name: 'user_profile' }),
  });

  let partials = 0;
  for await (const response of stream) {
    if (!response.isComplete) {
      partials++;
      continue;
    }
    if (response.error) {
      console.log(`Error: ${response.error.category}: ${response.error.message}`);
    } else {
      console.log(`Partial results seen: ${partials}`);
      console.log(`Result: ${JSON.stringify(response.partialResult, null, 2)}`);
    }
  }
} finally {
  await model.close();
}
