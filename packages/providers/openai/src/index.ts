export { ALL_MODES, openAIModelModes, resolveCapabilities } from './capabilities.ts';
export {
  createOpenAICompatibleProvider,
  finishReasonOf,
  type MaxTokensParameter,
  type OpenAICompatibleProviderConfig,
  wireName,
} from './chat-provider.ts';
export {
  isUnsupportedModeMessage,
  type MapErrorContext,
  redact,
  toStructuredError,
} from './errors.ts';
export {
  createOpenAIProvider,
  type OpenAIProviderClientOptions,
  type OpenAIProviderOptions,
  type OpenAIProviderSettings,
} from './openai-provider.ts';
