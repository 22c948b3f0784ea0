import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ErrorCategory } from '@structllm/core';
import { jsonSchema, StructuredLLMError, StructuredLLMService } from '@structllm/core';
import type { WireFixture, WireServer } from '@structllm/testing';
import { readWireFixture, wireFixtures } from '@structllm/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  consume,
  createProvider,
  MODEL_OF,
  PROVIDERS,
  type ProviderName,
  startServer,
} from '../src/harness.ts';

/** Categories a garbled response may sensibly end with (never a timeout, an abort or `unknown`). */
const SENSIBLE: readonly ErrorCategory[] = [
  'network',
  'server',
  'parse',
  'validation',
  'bad_request',
  'rate_limit',
  'auth',
  'content_filter',
  'length',
];

const anyValue = jsonSchema<unknown>({}, { name: 'anything' });

/** SSE-shaped tokens, so that random bodies reach deep into the decoders. */
const sseToken = fc.constantFrom(
  'data: ',
  'data:',
  'event: ',
  'event: error\n',
  'event: message_stop\n',
  'event: content_block_delta\n',
  ': OPENROUTER PROCESSING\n',
  'data: [DONE]\n\n',
  '\n',
  '\n\n',
  '\r\n',
  '{',
  '}',
  '"choices":[{"delta":{"content":"',
  '"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"',
  '"error":{"message":"x","code":',
  '"finish_reason":"stop"',
  '"',
  ',',
  '😀',
  '\u0000',
);

const body = (dialect: ProviderName) => {
  const recorded = wireFixtures.filter((fixture) => fixture.dialect === dialect);
  return fc.oneof(
    // Random bytes.
    fc.uint8Array({ maxLength: 600 }).map((bytes) => Buffer.from(bytes)),
    // SSE-shaped noise.
    fc
      .array(fc.oneof(sseToken, fc.string({ maxLength: 6 })), { maxLength: 60 })
      .map((parts) => Buffer.from(parts.join(''))),
    // A real recording cut short and followed by garbage.
    fc
      .tuple(
        fc.constantFrom(...recorded),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.uint8Array({ maxLength: 80 }),
      )
      .map(([fixture, share, tail]) => {
        const bytes = readWireFixture(fixture);
        return Buffer.concat([bytes.subarray(0, Math.floor(bytes.length * share)), tail]);
      }),
  );
};

describe('hostile bytes on the wire (fast-check, every provider)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'structllm-reliability-'));
  const servers = new Map<ProviderName, WireServer>();
  let files = 0;

  beforeAll(async () => {
    for (const name of PROVIDERS) servers.set(name, await startServer(name));
    // The SDKs print what they cannot parse; keep the test output readable.
    vi.spyOn(console, 'error').mockImplementation(() => {});
    vi.spyOn(console, 'warn').mockImplementation(() => {});
  });

  afterAll(async () => {
    vi.restoreAllMocks();
    for (const server of servers.values()) await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const name of PROVIDERS) {
    it(`${name}: any response body ends with a value or a categorised error, never a hang`, async () => {
      const server = servers.get(name) as WireServer;
      const template = wireFixtures.find((fixture) => fixture.dialect === name) as WireFixture;
      const service = new StructuredLLMService({
        providers: [createProvider(name, server)],
        retry: { baseDelayMs: 1, maxDelayMs: 2 },
        breaker: false,
      });
      const seen = new Set<string>();
      await fc.assert(
        fc.asyncProperty(body(name), fc.integer({ min: 1, max: 1000 }), async (bytes, seed) => {
          const path = join(dir, `body-${files++}.sse`);
          writeFileSync(path, bytes);
          server.reset();
          server.enqueue({
            kind: 'replay',
            fixture: { ...template, path },
            chunking: { seed, maxBytes: 9 },
          });
          const outcome = await consume(
            service.routeStructuredStreaming({
              prompt: 'anything',
              responseModel: anyValue,
              model: MODEL_OF[name],
              maxRetries: 0,
              fallbackModels: [],
              timeouts: { firstChunkMs: 3000, idleMs: 3000, totalMs: 6000 },
            }),
          );
          expect(outcome.problems).toEqual([]);
          if (outcome.error !== undefined) {
            expect(StructuredLLMError.is(outcome.error)).toBe(true);
            expect(SENSIBLE).toContain(outcome.error.category);
            expect(outcome.error.message.length).toBeGreaterThan(5);
            seen.add(outcome.error.category);
          } else {
            seen.add('value');
          }
          expect(server.requests).toHaveLength(1);
        }),
        { numRuns: 150 },
      );
      expect(seen.size).toBeGreaterThan(0);
    }, 60_000);
  }
});
