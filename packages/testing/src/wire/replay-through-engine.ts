import { jsonSchema, StructuredLLMService, type StructuredProvider } from '@structllm/core';
import { outcomeOf, type RequestOutcome } from '../engine/outcome.ts';
import { wireFixture } from './fixtures.ts';
import type { WireFixture, WireFixtureName, WireServer, WriteChunking } from './types.ts';

export interface ReplayThroughEngineOptions {
  /** A fake server of the fixture's dialect (or one whose framing the provider reads). */
  readonly server: WireServer;
  /** The provider under test, pointed at `server.baseURL`. */
  readonly provider: StructuredProvider;
  readonly fixture: WireFixtureName | WireFixture;
  /** How the recorded bytes are cut into writes. Default `'events'`. */
  readonly chunking?: WriteChunking;
  /**
   * The model the request names, with its routing prefix. Default
   * `<provider id>/recorded-model`; name a real model where the provider's
   * modes depend on it.
   */
  readonly model?: string;
}

/**
 * Replays a recorded fixture through the whole stack — fake server, the
 * provider (and its SDK), `StructuredLLMService` — as one request in the
 * fixture's mode with no retries, and says how it ended. Compare with the
 * catalogue: `expect(outcome).toEqual(fixture.expected.engine)`.
 *
 * Queues one `replay` script on `server`; the request sent is in
 * `server.requests` afterwards.
 */
export function replayThroughEngine(options: ReplayThroughEngineOptions): Promise<RequestOutcome> {
  const { server, provider } = options;
  const fixture =
    typeof options.fixture === 'string' ? wireFixture(options.fixture) : options.fixture;
  server.enqueue({
    kind: 'replay',
    fixture: fixture.name,
    ...(options.chunking === undefined ? {} : { chunking: options.chunking }),
  });
  const service = new StructuredLLMService({
    providers: [provider],
    defaultModel: options.model ?? `${provider.id}/recorded-model`,
    breaker: false,
  });
  return outcomeOf(
    service.routeStructured({
      prompt: 'Replay the recording.',
      responseModel: jsonSchema({}),
      mode: fixture.mode,
      maxRetries: 0,
    }),
  );
}
