export { seededRandom, splitAtRandom } from './chunking.ts';
export { readWireFixture, wireFixture, wireFixtures, wireFixturesDir } from './fixtures.ts';
export { type ReplayThroughEngineOptions, replayThroughEngine } from './replay-through-engine.ts';
export type {
  ErrorScript,
  GenerateScript,
  NotCompletionScript,
  RecordedRequest,
  ReplayScript,
  ResetScript,
  ScriptedFinish,
  StreamFault,
  WireDialect,
  WireFixture,
  WireFixtureExpectation,
  WireFixtureName,
  WireScript,
  WireScriptFactory,
  WireServer,
  WireServerOptions,
  WriteChunking,
} from './types.ts';
export {
  CAPTIVE_PORTAL_PAGE,
  startAnthropicServer,
  startOpenAIServer,
  startOpenRouterServer,
  startWireServer,
} from './wire-server.ts';
