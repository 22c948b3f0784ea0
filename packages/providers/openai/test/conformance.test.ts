import { sdkTestLogger } from '@structllm/testing';
import { runProviderConformance } from '@structllm/testing/conformance';
import OpenAI from 'openai';
import { createOpenAIProvider } from '../src/index.ts';

// The SDKs print the malformed events the suite sends on purpose: kept out of the test log.
const sdkLogger = sdkTestLogger();

runProviderConformance({
  name: '@structllm/openai (options)',
  dialect: 'openai',
  createProvider: ({ baseURL, apiKey }) =>
    createOpenAIProvider({ baseURL, apiKey, clientOptions: { logger: sdkLogger } }),
});

runProviderConformance({
  name: '@structllm/openai (existing client with SDK retries on)',
  dialect: 'openai',
  fixtures: false,
  // A client that would retry 5 times on its own: the provider must still send one request.
  createProvider: ({ baseURL, apiKey }) =>
    createOpenAIProvider({
      client: new OpenAI({ baseURL, apiKey, maxRetries: 5, logger: sdkLogger }),
    }),
});
