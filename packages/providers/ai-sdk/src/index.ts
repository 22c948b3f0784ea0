export { type FromAISDKOptions, fromAISDK } from './from-ai-sdk.ts';
export type {
  AISDKCallOptions,
  AISDKGenerateResult,
  AISDKJsonValue,
  AISDKLanguageModel,
  AISDKMessage,
  AISDKProviderOptions,
  AISDKStreamPart,
  AISDKStreamResult,
} from './language-model.ts';
