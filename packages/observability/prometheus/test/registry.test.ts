import { StructuredLLMError } from '@structllm/core';
import { createMockProvider, drain, sampleProfile, sampleProfileModel } from '@structllm/testing';
import { Gauge, Registry, register } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createPrometheusObserver } from '../src/index.ts';
import { profileChunks, scrape, service } from './support.ts';

const requests =
  'structured_llm_streaming_requests_total{provider="mock",model="mock/model-a",status="success"}';

describe('the registry', () => {
  it('is a new registry by default, never the global one', async () => {
    const metrics = createPrometheusObserver();
    expect(metrics.registry).not.toBe(register);
    expect(
      metrics.registry.getSingleMetric('structured_llm_streaming_requests_total'),
    ).toBeDefined();
    expect(register.getSingleMetric('structured_llm_streaming_requests_total')).toBeUndefined();
  });

  it('is the one passed in, beside the metrics already on it', async () => {
    const registry = new Registry();
    const mine = new Gauge({
      name: 'app_queue_depth',
      help: 'Queue depth.',
      registers: [registry],
    });
    mine.set(3);
    const metrics = createPrometheusObserver({ registry });
    await service(createMockProvider({ responses: [{ json: sampleProfile }] }), {
      observers: [metrics],
    }).routeStructured({ prompt: 'x', responseModel: sampleProfileModel });
    const series = await scrape(registry);
    expect(series.get('app_queue_depth')).toBe(3);
    expect(series.get(requests)).toBe(1);
  });

  it('can take two observers at once (created twice, e.g. on a hot reload): they share the metrics', async () => {
    const registry = new Registry();
    const first = createPrometheusObserver({ registry });
    const second = createPrometheusObserver({ registry });
    expect(second.metrics.requests).toBe(first.metrics.requests);
    const provider = createMockProvider({ responses: [{ chunks: profileChunks(10) }] });
    await service(provider, { observers: [first] }).routeStructured({
      prompt: 'x',
      responseModel: sampleProfileModel,
    });
    await service(provider, { observers: [second] }).routeStructured({
      prompt: 'x',
      responseModel: sampleProfileModel,
    });
    const series = await scrape(registry);
    expect(series.get(requests)).toBe(2);
    expect(
      series.get('structured_llm_streaming_chunks_total{provider="mock",model="mock/model-a"}'),
    ).toBe(2 * profileChunks(10).length);
  });

  it('refuses a registry where another metric already uses one of the names', () => {
    const registry = new Registry();
    new Gauge({
      name: 'structured_llm_streaming_requests_total',
      help: 'Not ours.',
      registers: [registry],
    });
    let thrown: unknown;
    try {
      createPrometheusObserver({ registry });
    } catch (error) {
      thrown = error;
    }
    expect(StructuredLLMError.is(thrown)).toBe(true);
    expect(thrown).toMatchObject({ category: 'bad_request', code: 'metric_conflict' });
    expect((thrown as Error).message).toContain('structured_llm_streaming_requests_total');
  });
});

describe('the prefix', () => {
  it('starts every metric name', async () => {
    const metrics = createPrometheusObserver({ prefix: 'myapp_llm_' });
    await service(createMockProvider({ responses: [{ json: sampleProfile }] }), {
      observers: [metrics],
    }).routeStructured({ prompt: 'x', responseModel: sampleProfileModel });
    const text = await metrics.registry.metrics();
    const names = new Set([...text.matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1] as string));
    expect(names.size).toBe(10);
    for (const name of names) expect(name.startsWith('myapp_llm_')).toBe(true);
    expect(text).toContain(
      'myapp_llm_streaming_requests_total{provider="mock",model="mock/model-a",status="success"} 1',
    );
  });

  it('lets two prefixes live on one registry', () => {
    const registry = new Registry();
    createPrometheusObserver({ registry });
    createPrometheusObserver({ registry, prefix: 'other_' });
    expect(registry.getSingleMetric('other_streaming_requests_total')).toBeDefined();
  });

  it('must be a valid metric name start', () => {
    expect(() => createPrometheusObserver({ prefix: '9 lives-' })).toThrow(
      expect.objectContaining({ category: 'bad_request', code: 'invalid_prefix' }),
    );
  });
});

it('rejects bucket lists that are empty or not increasing', () => {
  expect(() => createPrometheusObserver({ latencyBuckets: [] })).toThrow(
    expect.objectContaining({ code: 'invalid_buckets' }),
  );
  expect(() => createPrometheusObserver({ timeToFirstPartialBuckets: [1, 0.5] })).toThrow(
    expect.objectContaining({ code: 'invalid_buckets' }),
  );
});

it('uses custom buckets', async () => {
  const metrics = createPrometheusObserver({ latencyBuckets: [1, 90] });
  await drain(
    service(createMockProvider({ responses: [{ json: sampleProfile }] }), {
      observers: [metrics],
    }).routeStructuredStreaming({ prompt: 'x', responseModel: sampleProfileModel }),
  );
  const buckets = [...(await scrape(metrics.registry)).keys()].filter(
    (k) =>
      k.startsWith('structured_llm_streaming_latency_seconds_bucket') && k.includes('"success"'),
  );
  expect(buckets.map((k) => /le="([^"]+)"/.exec(k)?.[1])).toEqual(['1', '90', '+Inf']);
});
