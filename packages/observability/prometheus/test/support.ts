import {
  jsonSchema,
  StructuredLLMService,
  type StructuredLLMServiceOptions,
  type StructuredProvider,
} from '@structllm/core';
import type { Registry } from 'prom-client';

export interface Profile {
  name: string;
  age: number;
  tags: string[];
}

export const profile: Profile = { name: 'Ada Lovelace', age: 36, tags: ['math', 'poetry'] };

export const profileModel = jsonSchema<Profile>(
  {
    type: 'object',
    properties: {
      name: { type: 'string' },
      age: { type: 'integer', minimum: 0 },
      tags: { type: 'array', items: { type: 'string' } },
    },
    required: ['name', 'age', 'tags'],
    additionalProperties: false,
  },
  { name: 'profile' },
);

/** The profile as compact JSON cut into `size`-character chunks. */
export function profileChunks(size: number): string[] {
  const text = JSON.stringify(profile);
  const chunks: string[] = [];
  for (let i = 0; i < text.length; i += size) chunks.push(text.slice(i, i + size));
  return chunks;
}

export function service(
  providers: StructuredProvider | StructuredProvider[],
  options: Partial<StructuredLLMServiceOptions> = {},
): StructuredLLMService {
  return new StructuredLLMService({
    providers: Array.isArray(providers) ? providers : [providers],
    defaultModel: 'mock/model-a',
    retry: { baseDelayMs: 0, maxDelayMs: 0, random: () => 0 },
    ...options,
  });
}

/** Runs a request to its end, whatever the outcome. */
export async function drain(stream: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of stream) {
    // only the observer's view matters here
  }
}

/**
 * The registry's exposition as `series → value`, where a series is written
 * exactly as in the text format (`name{label="value",…}`), comments left out.
 */
export async function scrape(registry: Registry): Promise<Map<string, number>> {
  const series = new Map<string, number>();
  for (const line of (await registry.metrics()).split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    series.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return series;
}

/** Only the series of one metric family (its name, or its name plus `_bucket`/`_sum`/`_count`). */
export function family(series: Map<string, number>, name: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, value] of series) {
    const base = key.split('{')[0] as string;
    if (
      base === name ||
      base === `${name}_bucket` ||
      base === `${name}_sum` ||
      base === `${name}_count`
    )
      out[key] = value;
  }
  return out;
}
