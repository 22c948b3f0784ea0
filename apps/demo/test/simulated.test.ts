import { StructuredLLMService } from '@structllm/core';
import { createOpenAIProvider } from '@structllm/openai';
import { fromZod, zodToJsonSchema } from '@structllm/zod';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { seededRandom, valueForSchema } from '../src/simulated/content.ts';
import { corrupt, startSimulatedModel } from '../src/simulated/simulated-model.ts';

const Recipe = z.object({
  title: z.string(),
  servings: z.number().int().min(1).max(12),
  difficulty: z.enum(['easy', 'medium', 'hard']),
  vegetarian: z.boolean(),
  ingredients: z.array(z.object({ name: z.string(), grams: z.number().positive() })).min(2),
  notes: z.string().optional(),
});

describe('the simulated model', { timeout: 20_000 }, () => {
  it('answers any schema with a value that validates', () => {
    const schema = zodToJsonSchema(Recipe) as Record<string, unknown>;
    for (let seed = 1; seed <= 20; seed++) {
      const value = valueForSchema(schema, seededRandom(seed));
      expect(Recipe.safeParse(value).success).toBe(true);
    }
  });

  it('corrupt() breaks a value against its schema', () => {
    const value = valueForSchema(
      zodToJsonSchema(Recipe) as Record<string, unknown>,
      seededRandom(3),
    );
    expect(Recipe.safeParse(corrupt(value)).success).toBe(false);
  });

  it('serves a schema it has never seen through the real OpenAI provider, the same answer for the same prompt', async () => {
    const model = await startSimulatedModel({ paceMs: 0 });
    try {
      const service = new StructuredLLMService({
        providers: [createOpenAIProvider({ baseURL: model.baseURL, apiKey: 'demo' })],
        defaultModel: 'openai/gpt-4o-mini',
      });
      const ask = (prompt: string) =>
        service.routeStructured({ prompt, responseModel: fromZod(Recipe, { name: 'recipe' }) });
      const first = await ask('Pancakes for four');
      expect(await ask('Pancakes for four')).toEqual(first);
      expect(Recipe.parse(first)).toEqual(first);
      expect(model.requests).toHaveLength(2);
      expect(model.requests[0]).toMatchObject({
        mode: 'json_schema',
        schemaName: 'recipe',
        apiKey: 'demo',
      });
    } finally {
      await model.close();
    }
  });
});
