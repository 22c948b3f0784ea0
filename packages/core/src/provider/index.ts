export { createModelRouter, type ModelRouter, type RoutedModel } from './model-router.ts';
export {
  type FinishReason,
  type Message,
  OUTPUT_MODE_DEGRADATION,
  type OutputMode,
  type ProviderCall,
  type ProviderCapabilities,
  type ProviderPart,
  type ProviderResult,
  type ProviderServer,
  type StructuredProvider,
  type Usage,
} from './types.ts';
