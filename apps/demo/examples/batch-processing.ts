/**
 * Scenario 4 — batch processing: several requests streamed at once, at most
 * `concurrency` at a time. Responses arrive tagged with their request's
 * index; `results` gives every outcome in input order, and one failure does
 * not cancel the others.
 *
 * Run: node --conditions=@structllm/source apps/demo/examples/batch-processing.ts
 */
import { StructuredLLMService } from '@structllm/core';
import { createOpenAIProvider } from '@structllm/openai';
import { fromZod } from '@structllm/zod';
import { UserProfile } from '../src/schemas.ts';
import { startSimulatedModel } from '../src/simulated/simulated-model.ts';

const model = await startSimulatedModel();
try {
  const service = new StructuredLLMService({
    providers: [createOpenAIProvider({ baseURL: model.baseURL, apiKey: 'demo' })],
    defaultModel: 'openai/gpt-4o-mini',
    breaker: false,
  });
  const roles = ['backend engineer', 'data scientist', 'site reliability engineer', 'designer'];
  const responseModel = fromZod(UserProfile, { name: 'user_profile' });

  // The first request to reach the model fails for good (no retries for it).
  model.injectFaults('server-error');
  const batch = service.routeStructuredBatch(
    roles.map((role, index) => ({
      prompt: `Create a profile for a ${role}`,
      responseModel,
      maxRetries: index === 0 ? 0 : 2,
    })),
    { concurrency: 2 },
  );

  let running = 0;
  let mostAtOnce = 0;
  const seen = new Set<number>();
  for await (const response of batch) {
    if (!seen.has(response.index)) {
      seen.add(response.index);
      running++;
      mostAtOnce = Math.max(mostAtOnce, running);
    }
    if (response.isComplete) {
      running--;
      console.log(
        `finished #${response.index} (${response.error ? response.error.category : 'ok'})`,
      );
    }
  }
  console.log(`at most ${mostAtOnce} requests streamed at once`);

  for (const result of await batch.results) {
    if (result.status === 'fulfilled') {
      console.log(
        `#${result.index} ${roles[result.index]}: ${result.value.name}, ${result.value.skills.length} skills`,
      );
    } else {
      console.log(`#${result.index} ${roles[result.index]}: failed (${result.error.category})`);
    }
  }
} finally {
  await model.close();
}
