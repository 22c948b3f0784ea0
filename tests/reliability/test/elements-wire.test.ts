/**
 * Element streaming through the real providers on their fake wire servers:
 * every provider, every output mode it supports, streaming and not, with a
 * failure after hundreds of elements — each element delivered once, in order,
 * validated, and the final count right.
 */
import type { ElementEvent, OutputMode } from '@structllm/core';
import { jsonSchema, StructuredLLMService } from '@structllm/core';
import type { WireScript, WireServer } from '@structllm/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createProvider,
  MODEL_OF,
  PROVIDERS,
  type ProviderName,
  startServer,
} from '../src/harness.ts';

interface Row {
  sku: string;
  qty: number;
}

const rows: Row[] = Array.from({ length: 600 }, (_, i) => ({ sku: `SKU-${i}`, qty: i % 7 }));
const order = { id: 'order-1', rows };

const orderModel = jsonSchema<typeof order>(
  {
    type: 'object',
    properties: {
      id: { type: 'string' },
      rows: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            sku: { type: 'string', pattern: '^SKU-' },
            qty: { type: 'integer', minimum: 0 },
          },
          required: ['sku', 'qty'],
          additionalProperties: false,
        },
      },
    },
    required: ['id', 'rows'],
    additionalProperties: false,
  },
  { name: 'order' },
);

const MODES: Readonly<Record<ProviderName, readonly OutputMode[]>> = {
  openai: ['json_schema', 'tool', 'json_object', 'prompt'],
  anthropic: ['tool', 'prompt'],
  openrouter: ['json_schema', 'tool', 'json_object', 'prompt'],
};

const servers = new Map<ProviderName, WireServer>();

beforeAll(async () => {
  for (const name of PROVIDERS) servers.set(name, await startServer(name));
});

afterAll(async () => {
  for (const server of servers.values()) await server.close();
});

async function streamElements(
  name: ProviderName,
  mode: OutputMode,
  scripts: readonly WireScript[],
  stream = true,
) {
  const server = servers.get(name) as WireServer;
  server.reset();
  server.enqueue(...scripts);
  server.setDefault(scripts.at(-1) as WireScript);
  const service = new StructuredLLMService({
    providers: [createProvider(name, server)],
    retry: { baseDelayMs: 1, maxDelayMs: 2 },
    breaker: false,
  });
  const request = service.routeStructuredStreaming({
    prompt: 'the order',
    model: MODEL_OF[name],
    responseModel: orderModel,
    mode,
    enableStreaming: stream,
    elementPath: 'rows',
    retainElements: false,
  });
  const seen: ElementEvent<Row>[] = [];
  for await (const element of request.elements<Row>()) seen.push(element);
  const value = await request.result;
  return {
    seen,
    value,
    requests: server.requests.length,
    modes: server.requests.map((recorded) => recorded.mode),
    request,
  };
}

describe('element streaming over the wire', { timeout: 30_000 }, () => {
  for (const name of PROVIDERS) {
    for (const mode of MODES[name]) {
      it(`${name} / ${mode}: every element once, in order, then the count`, async () => {
        const { seen, value, request, modes } = await streamElements(name, mode, [
          { kind: 'generate', json: order, chunkSize: 16 },
        ]);
        expect(modes).toEqual([mode]);
        expect(seen.map((element) => element.index)).toEqual(rows.map((_, i) => i));
        expect(seen.map((element) => element.value)).toEqual(rows);
        expect(value.id).toBe('order-1');
        expect(value.rows).toEqual([]); // released: the count is kept instead
        expect(request.elementCount).toBe(rows.length);
      });
    }

    it(`${name}: a connection reset after hundreds of elements re-streams without duplicates`, async () => {
      const { seen, requests, request } = await streamElements(name, MODES[name][0] as OutputMode, [
        {
          kind: 'generate',
          json: order,
          chunkSize: 16,
          fault: { type: 'reset', afterChunks: 700 },
        },
        { kind: 'generate', json: order, chunkSize: 16 },
      ]);
      expect(requests).toBe(2);
      expect(seen.map((element) => element.index)).toEqual(rows.map((_, i) => i));
      expect(new Set(seen.map((element) => element.value?.sku)).size).toBe(rows.length);
      expect(request.elementCount).toBe(rows.length);
    });

    it(`${name}: non-streaming calls deliver the same elements`, async () => {
      const { seen } = await streamElements(
        name,
        MODES[name][0] as OutputMode,
        [{ kind: 'generate', json: order }],
        false,
      );
      expect(seen.map((element) => element.value)).toEqual(rows);
    });
  }
});
