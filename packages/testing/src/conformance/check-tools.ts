import {
  type ErrorCategory,
  type OutputMode,
  StructuredLLMError,
  type StructuredProvider,
} from '@structllm/core';
import type { ProviderCall } from '@structllm/core/provider';
import { expect } from 'vitest';
import { errorTexts } from '../secrets/find-secret.ts';
import type { GenerateScript, WireDialect, WireScript, WireServer } from '../wire/types.ts';
import { collectStream, makeCall, type StreamOutcome } from './collect.ts';

export const SCRIPTED_ID = 'resp_conformance_1';
export const SCRIPTED_MODEL = 'conformance-model-2024-01-01';
export const SCRIPTED_USAGE = { inputTokens: 21, outputTokens: 13 } as const;

/** What one conformance check runs against: a fresh provider, the fake server (reset) and helpers. */
export interface CheckTools {
  readonly dialect: WireDialect;
  readonly provider: StructuredProvider;
  /** Reset before each check; answers 500 to requests nobody scripted. */
  readonly server: WireServer;
  readonly model: string;
  readonly apiKey: string;
  readonly abortTimeoutMs: number;
  /** The modes the provider lists for `model`. */
  supportedModes(): readonly OutputMode[];
  /** The first of them (the provider's most native mode). */
  firstMode(): OutputMode;
  /** A generate script with the scripted id, model and usage. */
  generate(value: unknown, extra?: Omit<GenerateScript, 'kind'>): GenerateScript;
  /** Queues `script` and runs one `doStream` call to the end. */
  streamWith(script: WireScript, mode?: OutputMode, call?: ProviderCall): Promise<StreamOutcome>;
  /** Asserts a StructuredLLMError of one of `categories` with no API key anywhere in it. */
  expectCategory(error: unknown, categories: readonly ErrorCategory[]): StructuredLLMError;
  /** Asserts the stream failed (no finish part) with such an error. */
  expectStreamError(
    outcome: StreamOutcome,
    categories: readonly ErrorCategory[],
  ): StructuredLLMError;
}

/** One named conformance check. */
export interface ConformanceCheck {
  readonly group: string;
  readonly name: string;
  /** Why the check does not apply to this provider, if it does not. */
  skip?(tools: CheckTools): string | undefined;
  run(tools: CheckTools): Promise<void> | void;
}

export function createCheckTools(options: {
  readonly dialect: WireDialect;
  readonly provider: StructuredProvider;
  readonly server: WireServer;
  readonly model: string;
  readonly apiKey: string;
  readonly abortTimeoutMs: number;
}): CheckTools {
  const { provider, server, model, apiKey } = options;
  const tools: CheckTools = {
    ...options,
    supportedModes: () => provider.supports(model).modes,
    firstMode() {
      const mode = tools.supportedModes()[0];
      if (mode === undefined) throw new Error('the provider supports no output mode');
      return mode;
    },
    generate: (value, extra = {}) => ({
      kind: 'generate',
      json: value,
      id: SCRIPTED_ID,
      model: SCRIPTED_MODEL,
      usage: SCRIPTED_USAGE,
      ...extra,
    }),
    streamWith(script, mode, call) {
      server.enqueue(script);
      return collectStream(provider, call ?? makeCall(model, mode ?? tools.firstMode()));
    },
    expectCategory(error, categories) {
      expect(
        StructuredLLMError.is(error),
        `expected a StructuredLLMError, got: ${String(error)}`,
      ).toBe(true);
      const structured = error as StructuredLLMError;
      expect(categories, `category of: ${structured.message}`).toContain(structured.category);
      for (const text of errorTexts(error)) {
        expect(text.includes(apiKey), 'the API key appears in the error').toBe(false);
      }
      return structured;
    },
    expectStreamError(outcome, categories) {
      expect(outcome.error, 'the stream should fail').toBeDefined();
      expect(outcome.finish, 'a failed stream yields no finish part').toBeUndefined();
      return tools.expectCategory(outcome.error, categories);
    },
  };
  return tools;
}
