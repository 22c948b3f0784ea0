export {
  createMockProvider,
  type MockProvider,
  type MockProviderOptions,
  type MockResponse,
  type MockScript,
} from './mock-provider.ts';
export * from './wire/index.ts';
