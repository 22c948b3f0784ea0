import { runProviderConformance } from '../../src/conformance/index.ts';
import { createExampleAnthropicProvider } from './example-anthropic-provider.ts';
import { createExampleProvider } from './example-openai-provider.ts';

// The example providers prove the kit: each passes the whole suite on its wire.
runProviderConformance({
  name: 'example fetch provider',
  dialect: 'openai',
  createProvider: ({ baseURL, apiKey }) => createExampleProvider({ baseURL, apiKey }),
});

runProviderConformance({
  name: 'example fetch provider',
  dialect: 'openrouter',
  createProvider: ({ baseURL, apiKey }) =>
    createExampleProvider({ baseURL, apiKey, id: 'openrouter' }),
});

runProviderConformance({
  name: 'example Anthropic fetch provider',
  dialect: 'anthropic',
  createProvider: ({ baseURL, apiKey }) => createExampleAnthropicProvider({ baseURL, apiKey }),
});
