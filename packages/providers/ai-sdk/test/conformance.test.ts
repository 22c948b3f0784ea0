import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
// The ai 6 generation of @ai-sdk/openai, on @ai-sdk/provider 3: a LanguageModelV3.
import { createOpenAI as createOpenAIV3 } from '@ai-sdk/openai-v3';
import { startWireServer, type WireServer, wireFixtures } from '@structllm/testing';
import {
  conformanceChecks,
  type ProviderConformanceOptions,
  prepareConformanceCheck,
} from '@structllm/testing/conformance';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromAISDK } from '../src/index.ts';

const MODEL = 'conformance-model';

/**
 * A recording of a request with `n: 3`: three choices interleaved in one
 * stream. The AI SDK's OpenAI chat models read `choices[0]` of every chunk,
 * whatever its index, so they merge the three answers. structllm never asks
 * for `n` > 1; this is the one recording the bridge cannot replay as recorded.
 */
const N_CHOICES = 'openai-chat-json-schema-n3-choices';

/**
 * The AI SDK parses and validates every chunk through several streams: the
 * checks that replay hundreds of tiny chunks take a few times longer than
 * with the native providers, so each check gets more than vitest's 5 s.
 */
const CHECK_TIMEOUT_MS = 30_000;

/** runProviderConformance, less the checks named in `without` (each with its reason above). */
function runConformanceWithout(options: ProviderConformanceOptions, without: readonly string[]) {
  const checks = conformanceChecks(options.dialect).filter(
    (check) => !without.some((name) => check.name.startsWith(name)),
  );
  describe(`provider conformance: ${options.name} (${options.dialect} wire)`, () => {
    let server: WireServer | undefined;
    beforeAll(async () => {
      server = await startWireServer({ dialect: options.dialect });
    });
    afterAll(async () => {
      await server?.close();
    });
    for (const check of checks) {
      it(
        `${check.group}: ${check.name}`,
        async (context) => {
          if (server === undefined) throw new Error('the fake server did not start');
          const tools = prepareConformanceCheck(options, server)();
          const reason = check.skip?.(tools);
          if (reason !== undefined) {
            context.skip(reason);
            return;
          }
          await check.run(tools);
        },
        CHECK_TIMEOUT_MS,
      );
    }
  });
}

it('the n-choices recording is the only one left out', () => {
  expect(wireFixtures.filter((fixture) => fixture.name === N_CHOICES)).toHaveLength(1);
});

runConformanceWithout(
  {
    name: '@structllm/ai-sdk over @ai-sdk/openai (chat)',
    dialect: 'openai',
    model: MODEL,
    createProvider: ({ baseURL, apiKey }) =>
      fromAISDK(createOpenAI({ baseURL, apiKey }).chat(MODEL), { secrets: [apiKey] }),
  },
  [N_CHOICES],
);

runConformanceWithout(
  {
    name: '@structllm/ai-sdk over @ai-sdk/openai 3 (ai 6, LanguageModelV3)',
    dialect: 'openai',
    model: MODEL,
    createProvider: ({ baseURL, apiKey }) => {
      const model = createOpenAIV3({ baseURL, apiKey }).chat(MODEL);
      expect(model.specificationVersion).toBe('v3');
      return fromAISDK(model, { secrets: [apiKey] });
    },
  },
  [N_CHOICES],
);

runConformanceWithout(
  {
    name: '@structllm/ai-sdk over @ai-sdk/openai-compatible',
    dialect: 'openai',
    model: MODEL,
    createProvider: ({ baseURL, apiKey }) =>
      fromAISDK(
        createOpenAICompatible({
          name: 'compatible',
          baseURL,
          apiKey,
          includeUsage: true,
          supportsStructuredOutputs: true,
        }).chatModel(MODEL),
        { secrets: [apiKey] },
      ),
  },
  [N_CHOICES],
);

// A model id the AI SDK knows to have native structured outputs (else it emulates json_schema with a tool).
const CLAUDE = 'claude-sonnet-4-6';

runConformanceWithout(
  {
    name: '@structllm/ai-sdk over @ai-sdk/anthropic',
    dialect: 'anthropic',
    model: CLAUDE,
    createProvider: ({ baseURL, apiKey }) =>
      fromAISDK(createAnthropic({ baseURL: `${baseURL}/v1`, apiKey })(CLAUDE), {
        secrets: [apiKey],
      }),
  },
  [],
);
