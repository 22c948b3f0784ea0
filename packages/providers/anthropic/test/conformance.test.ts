import Anthropic from '@anthropic-ai/sdk';
import { sdkTestLogger } from '@structllm/testing';
import { runProviderConformance } from '@structllm/testing/conformance';
import { createAnthropicProvider } from '../src/index.ts';

// The SDKs print the malformed events the suite sends on purpose: kept out of the test log.
const sdkLogger = sdkTestLogger();

runProviderConformance({
  name: '@structllm/anthropic (options, structured outputs on)',
  dialect: 'anthropic',
  // 'conformance-model' is no Claude name: switch json_schema on so every mode is checked.
  createProvider: ({ baseURL, apiKey }) =>
    createAnthropicProvider({
      baseURL,
      apiKey,
      structuredOutputs: true,
      clientOptions: { logger: sdkLogger },
    }),
});

runProviderConformance({
  name: '@structllm/anthropic (existing client with SDK retries on, default modes)',
  dialect: 'anthropic',
  fixtures: false,
  createProvider: ({ baseURL, apiKey }) =>
    createAnthropicProvider({
      client: new Anthropic({ baseURL, apiKey, maxRetries: 5, logger: sdkLogger }),
    }),
});
