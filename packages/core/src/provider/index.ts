export {
  type Connection,
  type ConnectionClientOptions,
  type ConnectionSettings,
  type ConnectionTarget,
  resolveConnection,
} from './connection.ts';
export { environmentSetting } from './environment.ts';
export { createModelRouter, type ModelRouter, type RoutedModel } from './model-router.ts';
export { serverOf } from './server.ts';
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
