export { chunkText } from './chunk-text.ts';
export * from './engine/index.ts';
export {
  createMockProvider,
  type MockProvider,
  type MockProviderOptions,
  type MockResponse,
  type MockScript,
} from './mock-provider.ts';
export * from './samples/index.ts';
export { type SdkTestLogger, sdkTestLogger } from './sdk-test-logger.ts';
export * from './secrets/index.ts';
export * from './wire/index.ts';
