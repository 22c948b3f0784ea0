import type { StructuredProvider } from '@structllm/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  replayThroughEngine,
  startWireServer,
  type WireDialect,
  type WireServer,
  wireFixtures,
} from '../../src/index.ts';
import { createExampleAnthropicProvider } from './example-anthropic-provider.ts';
import { createExampleProvider } from './example-openai-provider.ts';

// The catalogue's `expected.engine` is what a user of the engine gets: checked here end to end,
// fixture → fake server → example provider → StructuredLLMService.
const servers = new Map<WireDialect, WireServer>();

beforeAll(async () => {
  for (const dialect of ['openai', 'openrouter', 'anthropic'] as const) {
    servers.set(dialect, await startWireServer({ dialect }));
  }
});
afterAll(() => Promise.all([...servers.values()].map((server) => server.close())));

function providerFor(dialect: WireDialect, server: WireServer): StructuredProvider {
  return dialect === 'anthropic'
    ? createExampleAnthropicProvider({ baseURL: server.baseURL, apiKey: 'k' })
    : createExampleProvider({ baseURL: server.baseURL, apiKey: 'k', id: 'example' });
}

describe('every recorded fixture through the engine', () => {
  for (const fixture of wireFixtures) {
    it(`${fixture.name} ends as the catalogue says (${fixture.expected.engine.outcome})`, async () => {
      const server = servers.get(fixture.dialect);
      if (server === undefined) throw new Error('no server');
      const outcome = await replayThroughEngine({
        server,
        provider: providerFor(fixture.dialect, server),
        fixture,
        chunking: { seed: 5, maxBytes: 40 },
      });
      expect(outcome).toEqual(fixture.expected.engine);
    });
  }
});
