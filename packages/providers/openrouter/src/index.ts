export {
  createOpenRouterProvider,
  OPENROUTER_BASE_URL,
  type OpenRouterProviderClientOptions,
  type OpenRouterProviderOptions,
  type OpenRouterProviderSettings,
  type OpenRouterRouting,
  openRouterModelModes,
} from './openrouter-provider.ts';
