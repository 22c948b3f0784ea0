import { sdkTestLogger } from '@structllm/testing';
import { runProviderConformance } from '@structllm/testing/conformance';
import OpenAI from 'openai';
import { createOpenRouterProvider } from '../src/index.ts';

// The SDKs print the malformed events the suite sends on purpose: kept out of the test log.
const sdkLogger = sdkTestLogger();

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
      clientOptions: { logger: sdkLogger },
    }),
});

runProviderConformance({
  name: '@structllm/openrouter (existing client with SDK retries on)',
  dialect: 'openrouter',
  fixtures: false,
  createProvider: ({ baseURL, apiKey }) =>
    createOpenRouterProvider({
      client: new OpenAI({ baseURL, apiKey, maxRetries: 5, logger: sdkLogger }),
    }),
});
