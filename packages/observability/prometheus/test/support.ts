import type {
  StructuredLLMService,
  StructuredLLMServiceOptions,
  StructuredProvider,
} from '@structllm/core';
import { chunkText, createTestService, sampleProfile } from '@structllm/testing';
import type { Registry } from 'prom-client';

/** The sample profile as compact JSON, cut into `size`-character chunks. */
export function profileChunks(size: number): string[] {
  return chunkText(JSON.stringify(sampleProfile), size);
}

/** A test service (retries at once) whose default model is `mock/model-a`. */
export function service(
  providers: StructuredProvider | StructuredProvider[],
  options: Partial<StructuredLLMServiceOptions> = {},
): StructuredLLMService {
  return createTestService(providers, { defaultModel: 'mock/model-a', ...options });
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

/** The series of a family that are not zero (every label pair's series start at zero). */
export function nonZero(series: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(series).filter(([, value]) => value !== 0));
}
