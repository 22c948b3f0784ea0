import { StructuredLLMError, type StructuredProvider } from '@structllm/core';
import type { ProviderPart } from '@structllm/core/provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ConformanceCheck,
  conformanceChecks,
  type ProviderConformanceOptions,
  prepareConformanceCheck,
} from '../../src/conformance/index.ts';
import { startOpenAIServer, type WireServer } from '../../src/index.ts';
import { createExampleProvider } from './example-openai-provider.ts';

// The suite is only worth something if it fails providers that get things wrong:
// each broken variant of the example provider must fail the check aimed at its bug.

type Breakage = (provider: StructuredProvider, apiKey: string) => StructuredProvider;

/** Rewrites what the stream yields or throws. */
function mapStream(
  provider: StructuredProvider,
  map: (parts: AsyncIterable<ProviderPart>) => AsyncIterable<ProviderPart>,
  mapError: (error: unknown) => unknown = (error) => error,
): StructuredProvider {
  return {
    ...provider,
    supports: (model) => provider.supports(model),
    async doStream(call) {
      try {
        return map(await provider.doStream(call));
      } catch (error) {
        throw mapError(error);
      }
    },
    doGenerate: (call) => provider.doGenerate(call),
  };
}

interface BrokenCase {
  readonly check: string;
  readonly breakage: Breakage;
  /** Options of the example provider the breakage wraps. */
  readonly settings?: () => Partial<Parameters<typeof createExampleProvider>[0]>;
  /** What the failing check says. */
  readonly failure: RegExp;
}

/**
 * What a provider that keeps the SDK's error as the cause does: the cause
 * carries the status and every response header (the example provider's fetch
 * records them), where a server may have echoed the key.
 */
function keepingRawCause(): Pick<BrokenCase, 'settings' | 'breakage'> {
  let headers: Record<string, string> = {};
  return {
    settings: () => ({
      fetch: async (input: RequestInfo | URL, init?: RequestInit) => {
        const response = await fetch(input, init);
        headers = Object.fromEntries(response.headers);
        return response;
      },
    }),
    breakage: (provider) =>
      mapStream(
        provider,
        (parts) => parts,
        (error) =>
          StructuredLLMError.is(error)
            ? new StructuredLLMError({
                category: error.category,
                message: error.message,
                cause: Object.assign(new Error(`${error.status} status code`), { headers }),
              })
            : error,
      ),
  };
}

const breakages: Record<string, BrokenCase> = {
  'puts the API key in error messages': {
    check: '401 → auth, with one request and no key in the error',
    failure: /the API key appears in the error/,
    breakage: (provider, apiKey) =>
      mapStream(
        provider,
        (parts) => parts,
        () =>
          new StructuredLLMError({
            category: 'auth',
            status: 401,
            message: `request with key ${apiKey} was refused`,
          }),
      ),
  },
  'ends silently when aborted (as the openai SDK iterator does)': {
    check: 'aborting mid-stream ends the stream promptly as aborted and releases the connection',
    failure: /the stream should fail/,
    breakage: (provider) =>
      mapStream(provider, async function* (parts) {
        try {
          yield* parts;
        } catch (error) {
          if (!(StructuredLLMError.is(error) && error.category === 'aborted')) throw error;
        }
      }),
  },
  'drops retry-after': {
    check: '429 reads retry-after (seconds) and retry-after-ms into retryAfterMs',
    failure: /expected undefined to be 3000/,
    breakage: (provider) =>
      mapStream(
        provider,
        (parts) => parts,
        (error) =>
          StructuredLLMError.is(error)
            ? new StructuredLLMError({
                category: error.category,
                message: error.message,
                ...(error.status === undefined ? {} : { status: error.status }),
              })
            : error,
      ),
  },
  'keeps the raw HTTP error, response headers and all, as the cause': {
    check:
      'a 500 with it in x-echo and in a field of the error body (error.param): no response, error, cause, progress event or observer payload shows the key',
    failure: /the API key appears in the error/,
    ...keepingRawCause(),
  },
  'takes a page that is not a completion for an empty answer': {
    check:
      'a non-streaming 200 with an HTML page: server, retried after a back-off, then the real answer',
    failure: /the first attempt fails as server/,
    breakage: (provider) => ({
      ...provider,
      supports: (model) => provider.supports(model),
      doStream: (call) => provider.doStream(call),
      doGenerate: (call) =>
        provider.doGenerate(call).catch((error: unknown) => {
          if (StructuredLLMError.is(error) && error.code === 'unexpected_answer') {
            return { text: '', finishReason: 'stop' as const };
          }
          throw error;
        }),
    }),
  },
  'claims a cut-off stream finished': {
    check: 'a stream cut off without a finish never claims to have finished',
    failure: /a truncated stream yields no finish part/,
    breakage: (provider) =>
      mapStream(provider, async function* (parts) {
        try {
          yield* parts;
        } catch {
          yield { type: 'finish', finishReason: 'stop' };
        }
      }),
  },
  'retries server errors itself': {
    check: '500 → server, with one request and no key in the error',
    failure: /no SDK retries/,
    breakage: (provider) => ({
      ...provider,
      supports: (model) => provider.supports(model),
      doGenerate: (call) => provider.doGenerate(call),
      doStream: (call) => provider.doStream(call).catch(() => provider.doStream(call)),
    }),
  },
  'sends no metadata': {
    check: 'streams metadata, JSON text deltas and one finish with usage, in every supported mode',
    failure: /a metadata part/,
    breakage: (provider) =>
      mapStream(provider, async function* (parts) {
        for await (const part of parts) if (part.type !== 'metadata') yield part;
      }),
  },
  'ignores the call mode (reads tool calls as prose)': {
    check: 'openai-chat-tool-calls-parallel (tool)',
    failure: /expected '' to be/,
    breakage: (provider) => ({
      ...provider,
      supports: (model) => provider.supports(model),
      doGenerate: (call) => provider.doGenerate(call),
      // Reads content instead of the tool call's arguments, so the answer comes out empty.
      doStream: (call) => provider.doStream({ ...call, mode: 'json_schema' }),
    }),
  },
};

let server: WireServer;
beforeAll(async () => {
  server = await startOpenAIServer();
});
afterAll(() => server.close());

function checkNamed(name: string): ConformanceCheck {
  const check = conformanceChecks('openai').find((candidate) => candidate.name === name);
  if (check === undefined) throw new Error(`no check named "${name}"`);
  return check;
}

function runCheck(name: string, broken?: BrokenCase): Promise<void> {
  let key = '';
  const options: ProviderConformanceOptions = {
    dialect: 'openai',
    abortTimeoutMs: 300,
    createProvider: ({ baseURL, apiKey }) => {
      key = apiKey;
      const provider = createExampleProvider({ baseURL, apiKey, ...broken?.settings?.() });
      return broken === undefined ? provider : broken.breakage(provider, key);
    },
  };
  const tools = prepareConformanceCheck(options, server)();
  return Promise.resolve(checkNamed(name).run(tools));
}

describe('the conformance checks fail broken providers', () => {
  for (const [bug, broken] of Object.entries(breakages)) {
    const { check, failure } = broken;
    it(`a provider that ${bug} fails "${check}"`, async () => {
      await expect(runCheck(check), 'the correct provider passes').resolves.toBeUndefined();
      await expect(runCheck(check, broken)).rejects.toThrow(failure);
    });
  }
});
