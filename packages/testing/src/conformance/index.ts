export type { CheckTools, ConformanceCheck } from './check-tools.ts';
export {
  CONFORMANCE_MESSAGES,
  CONFORMANCE_SCHEMA,
  CONFORMANCE_VALUES,
  collectStream,
  makeCall,
  type StreamOutcome,
} from './collect.ts';
export {
  type ConformanceContext,
  conformanceChecks,
  type ProviderConformanceOptions,
  prepareConformanceCheck,
  runProviderConformance,
} from './run-provider-conformance.ts';
export {
  runValidatorConformance,
  type ValidatorConformanceOptions,
  validatorCheckTools,
  validatorConformanceChecks,
} from './run-validator-conformance.ts';
export { type UseWireServerOptions, useWireServer } from './use-wire-server.ts';
export type {
  ValidatorAdapter,
  ValidatorAdapterOptions,
  ValidatorCheckTools,
  ValidatorConformanceCheck,
  ValidatorConformanceSchemas,
  ValidatorScenario,
} from './validator-scenarios.ts';
