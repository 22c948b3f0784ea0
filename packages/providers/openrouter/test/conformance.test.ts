import { runProviderConformance } from '@structllm/testing/conformance';
import OpenAI from 'openai';
import { createOpenRouterProvider } from '../src/index.ts';

runProviderConformance({
  name: '@structllm/openrouter (options)',
  dialect: 'openrouter',
  createProvider: ({ baseURL, apiKey }) =>
    createOpenRouterProvider({
      baseURL,
      apiKey,
      appUrl: 'https://example.com',
      appTitle: 'conformance',
      provider: { require_parameters: true },
    }),
});

runProviderConformance({
  name: '@structllm/openrouter (existing client with SDK retries on)',
  dialect: 'openrouter',
  fixtures: false,
  createProvider: ({ baseURL, apiKey }) =>
    createOpenRouterProvider({ client: new OpenAI({ baseURL, apiKey, maxRetries: 5 }) }),
});
