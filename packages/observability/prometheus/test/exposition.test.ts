import { spawnSync } from 'node:child_process';
import { createCircuitBreaker } from '@structllm/core';
import { createMockProvider, drain, sampleProfile, sampleProfileModel } from '@structllm/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { createPrometheusObserver, type PrometheusObserver } from '../src/index.ts';
import { profileChunks, service } from './support.ts';

/** Every metric family: name → [type, label names of its series (histograms without `le`)]. */
const FAMILIES: Record<string, [string, string[]]> = {
  structured_llm_streaming_requests_total: ['counter', ['provider', 'model', 'status']],
  structured_llm_streaming_chunks_total: ['counter', ['provider', 'model']],
  structured_llm_streaming_latency_seconds: ['histogram', ['provider', 'model', 'status']],
  structured_llm_streaming_progress_events_total: ['counter', ['event_type']],
  structured_llm_streaming_errors_total: ['counter', ['provider', 'model', 'category']],
  structured_llm_streaming_retries_total: ['counter', ['provider', 'model', 'category']],
  structured_llm_streaming_fallbacks_total: ['counter', ['provider', 'model', 'category']],
  structured_llm_streaming_time_to_first_partial_seconds: ['histogram', ['provider', 'model']],
  structured_llm_streaming_tokens_total: ['counter', ['provider', 'model', 'token_type']],
  structured_llm_circuit_breaker_state: ['gauge', ['provider', 'model', 'state']],
};

/** Traffic that touches every metric: success with usage, a retry, a fallback, failures, a breaker opening. */
async function realTraffic(metrics: PrometheusObserver): Promise<void> {
  const a = createMockProvider({
    id: 'a',
    responses: [{ chunks: profileChunks(7), failAfterChunks: 3 }, { error: { status: 503 } }],
  });
  const b = createMockProvider({
    id: 'b',
    responses: [{ chunks: profileChunks(9), usage: { inputTokens: 40, outputTokens: 25 } }],
  });
  const llm = service([a, b], {
    observers: [metrics],
    breaker: createCircuitBreaker({ minimumCalls: 2 }),
  });
  await drain(
    llm.routeStructuredStreaming({
      prompt: 'x',
      responseModel: sampleProfileModel,
      model: 'a/big "quoted"\nname',
      fallbackModels: ['b/small'],
      maxRetries: 1,
    }),
  );
  const c = createMockProvider({ id: 'c', responses: [{ error: { status: 401 } }] });
  await drain(
    service(c, { observers: [metrics], defaultModel: 'c/x' }).routeStructuredStreaming({
      prompt: 'x',
      responseModel: sampleProfileModel,
    }),
  );
  const d = createMockProvider({ id: 'd', responses: [{ json: sampleProfile }] });
  await service(d, { observers: [metrics], defaultModel: 'd/y' }).routeStructured({
    prompt: 'x',
    responseModel: sampleProfileModel,
  });
}

let metrics: PrometheusObserver;
let text: string;

beforeAll(async () => {
  metrics = createPrometheusObserver();
  await realTraffic(metrics);
  text = await metrics.registry.metrics();
});

describe('the exposition text', () => {
  it('has HELP and TYPE for each of the ten metric families, and nothing else', () => {
    const types = Object.fromEntries(
      [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1], m[2]]),
    );
    expect(types).toEqual(Object.fromEntries(Object.entries(FAMILIES).map(([n, [t]]) => [n, t])));
    for (const name of Object.keys(FAMILIES)) {
      expect(text).toMatch(new RegExp(`^# HELP ${name} \\S.*$`, 'm'));
    }
  });

  it('writes each family with exactly its label names', () => {
    for (const line of text.split('\n')) {
      if (line === '' || line.startsWith('#')) continue;
      const name = line.slice(0, line.search(/[{ ]/));
      const family = name.replace(/_(bucket|sum|count)$/, '');
      const spec = FAMILIES[family] ?? FAMILIES[name];
      expect(spec, `unexpected series ${line}`).toBeDefined();
      const labels = [...line.matchAll(/[{,]([a-z_]+)="/g)]
        .map((m) => m[1])
        .filter((l) => l !== 'le');
      expect(labels, line).toEqual(spec?.[1]);
    }
  });

  it('escapes odd model names and keeps them on one line', () => {
    expect(text).toContain('model="a/big \\"quoted\\"name"');
  });

  it('records the scripted traffic', () => {
    expect(text).toContain(
      'structured_llm_streaming_fallbacks_total{provider="a",model="a/big \\"quoted\\"name",category="server"} 1',
    );
    expect(text).toContain(
      'structured_llm_streaming_requests_total{provider="b",model="b/small",status="success"} 1',
    );
    expect(text).toContain(
      'structured_llm_streaming_errors_total{provider="c",model="c/x",category="auth"} 1',
    );
    expect(text).toContain(
      'structured_llm_streaming_tokens_total{provider="b",model="b/small",token_type="output"} 25',
    );
  });
});

const promtool = spawnSync('promtool', ['--version'], { encoding: 'utf8' });
const hasPromtool = promtool.error === undefined && promtool.status === 0;
if (!hasPromtool) {
  console.warn(
    'promtool is not on PATH (Debian package "prometheus"): the `promtool check metrics` test is skipped',
  );
}

describe('promtool', () => {
  it.skipIf(!hasPromtool)(
    'accepts the exposition after real traffic (`promtool check metrics`; skipped when promtool is not installed)',
    () => {
      const result = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
      expect(`${result.stdout}${result.stderr}`).toBe('');
      expect(result.status).toBe(0);
    },
  );
});
