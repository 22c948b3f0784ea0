import type { OutputMode } from '@structllm/core';
import { categoryForStatus } from '@structllm/core/provider';
import { expect } from 'vitest';
import type { WireDialect } from '../wire/types.ts';
import {
  type ConformanceCheck,
  SCRIPTED_ID,
  SCRIPTED_MODEL,
  SCRIPTED_USAGE,
} from './check-tools.ts';
import { CONFORMANCE_SCHEMA, CONFORMANCE_VALUES, makeCall } from './collect.ts';

/** The request mode the fake server should see for a call mode. */
function wireModes(dialect: WireDialect, mode: OutputMode): readonly OutputMode[] {
  // Anthropic has no JSON mode: a provider serves json_object with a prompt.
  if (dialect === 'anthropic' && mode === 'json_object') return ['json_object', 'prompt'];
  return [mode];
}

/** The contract, streaming in every mode, and doGenerate. */
export const streamChecks: readonly ConformanceCheck[] = [
  {
    group: 'contract',
    name: 'declares the v1 specification, an id and at least one mode',
    run(t) {
      expect(t.provider.specificationVersion).toBe('v1');
      expect(typeof t.provider.id).toBe('string');
      expect(t.provider.id.length).toBeGreaterThan(0);
      const capabilities = t.provider.supports(t.model);
      expect(typeof capabilities.streaming).toBe('boolean');
      expect(capabilities.modes.length).toBeGreaterThan(0);
      for (const mode of capabilities.modes) {
        expect(['json_schema', 'tool', 'json_object', 'prompt']).toContain(mode);
      }
    },
  },
  {
    group: 'streams',
    name: 'streams metadata, JSON text deltas and one finish with usage, in every supported mode',
    async run(t) {
      for (const mode of t.supportedModes()) {
        for (const value of CONFORMANCE_VALUES) {
          t.server.reset();
          const outcome = await t.streamWith(t.generate(value, { chunkSize: 5 }), mode);
          expect(outcome.error, `${mode}: ${String(outcome.error)}`).toBeUndefined();
          const firstText = outcome.parts.findIndex((part) => part.type === 'text-delta');
          const metadata = outcome.parts.findIndex((part) => part.type === 'metadata');
          expect(metadata, `${mode}: a metadata part`).toBeGreaterThanOrEqual(0);
          expect(metadata, `${mode}: metadata comes before the text`).toBeLessThan(firstText);
          expect(outcome.parts[metadata]).toMatchObject({ id: SCRIPTED_ID, model: SCRIPTED_MODEL });
          expect(JSON.parse(outcome.text), mode).toEqual(value);
          expect(outcome.parts.filter((part) => part.type === 'finish')).toHaveLength(1);
          expect(outcome.parts.at(-1)?.type, `${mode}: finish is the last part`).toBe('finish');
          expect(outcome.finish).toEqual({
            type: 'finish',
            finishReason: 'stop',
            usage: SCRIPTED_USAGE,
          });
        }
      }
    },
  },
  {
    group: 'streams',
    name: 'sends one streaming request per call, in the mode and with the schema asked for',
    async run(t) {
      for (const mode of t.supportedModes()) {
        t.server.reset();
        const outcome = await t.streamWith(t.generate(CONFORMANCE_VALUES[0]), mode);
        expect(outcome.error, String(outcome.error)).toBeUndefined();
        expect(t.server.requests, `${mode}: exactly one request`).toHaveLength(1);
        const request = t.server.requests[0];
        expect(request?.stream, mode).toBe(true);
        expect(request?.model, mode).toBe(t.model);
        expect(request?.apiKey === t.apiKey, `${mode}: the API key is sent`).toBe(true);
        expect(wireModes(t.dialect, mode), `${mode}: request mode`).toContain(request?.mode);
        if (mode === 'json_schema' || mode === 'tool') {
          const sent = request?.schema as { properties?: Record<string, unknown> } | undefined;
          const wanted = CONFORMANCE_SCHEMA as { properties: Record<string, unknown> };
          expect(Object.keys(sent?.properties ?? {}).sort(), `${mode}: schema sent`).toEqual(
            Object.keys(wanted.properties).sort(),
          );
        }
      }
    },
  },
  {
    group: 'streams',
    name: 'reads streams cut at random byte boundaries, inside UTF-8 sequences too',
    async run(t) {
      const value = CONFORMANCE_VALUES[1];
      for (const mode of t.supportedModes()) {
        for (const seed of [1, 2]) {
          t.server.reset();
          const outcome = await t.streamWith(
            t.generate(value, { chunkSize: 2, chunking: { seed, maxBytes: 9 } }),
            mode,
          );
          expect(outcome.error, String(outcome.error)).toBeUndefined();
          expect(JSON.parse(outcome.text), `${mode}, seed ${seed}`).toEqual(value);
        }
      }
    },
  },
  {
    group: 'streams',
    name: 'ignores keep-alive comments and pings, and waits through a slow drip',
    async run(t) {
      const value = CONFORMANCE_VALUES[0];
      const kept = await t.streamWith(t.generate(value, { chunkSize: 3, keepAliveEvery: 1 }));
      expect(kept.error, String(kept.error)).toBeUndefined();
      expect(JSON.parse(kept.text)).toEqual(value);
      const slow = await t.streamWith(t.generate(value, { chunkSize: 12, delayMs: 2 }));
      expect(slow.error, String(slow.error)).toBeUndefined();
      expect(JSON.parse(slow.text)).toEqual(value);
    },
  },
  {
    group: 'streams',
    name: 'passes malformed JSON text through untouched (the engine judges it)',
    async run(t) {
      const broken = '{"name": "Ada",, "age": }';
      const outcome = await t.streamWith(t.generate(undefined, { text: broken, chunkSize: 4 }));
      expect(outcome.error, String(outcome.error)).toBeUndefined();
      expect(outcome.text).toBe(broken);
      expect(outcome.finish?.finishReason).toBe('stop');
    },
  },
  {
    group: 'non-streaming',
    name: 'doGenerate returns the same text, finish and usage in every supported mode',
    async run(t) {
      for (const mode of t.supportedModes()) {
        t.server.reset();
        const value = CONFORMANCE_VALUES[1];
        t.server.enqueue(t.generate(value));
        const result = await t.provider.doGenerate(makeCall(t.model, mode));
        expect(JSON.parse(result.text), mode).toEqual(value);
        expect(result.finishReason, mode).toBe('stop');
        expect(result.usage, mode).toEqual(SCRIPTED_USAGE);
        expect(t.server.requests, mode).toHaveLength(1);
        expect(t.server.requests[0]?.stream, `${mode}: a non-streaming request`).toBe(false);
      }
    },
  },
  {
    group: 'non-streaming',
    name: 'doGenerate maps HTTP errors like doStream',
    async run(t) {
      for (const status of [401, 429, 500]) {
        t.server.reset();
        t.server.enqueue({ kind: 'error', status, retryAfter: 2 });
        const error = await t.provider.doGenerate(makeCall(t.model, t.firstMode())).then(
          () => undefined,
          (thrown: unknown) => thrown,
        );
        const structured = t.expectCategory(error, [categoryForStatus(status)]);
        expect(structured.status).toBe(status);
        if (status === 429) expect(structured.retryAfterMs).toBe(2000);
        expect(t.server.requests, `${status}: no SDK retries`).toHaveLength(1);
      }
    },
  },
];
