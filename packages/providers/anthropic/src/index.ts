export {
  type AnthropicProviderClientOptions,
  type AnthropicProviderOptions,
  type AnthropicProviderSettings,
  createAnthropicProvider,
  DEFAULT_MAX_TOKENS,
  finishReasonOf,
  supportsStructuredOutputs,
} from './anthropic-provider.ts';
export {
  isUnsupportedModeMessage,
  STATUS_OF_ERROR_TYPE,
  toStructuredError,
} from './errors.ts';
