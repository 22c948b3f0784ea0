import {
  context,
  INVALID_SPAN_CONTEXT,
  metrics,
  type Span,
  type Tracer,
  type TracerProvider,
  trace,
} from '@opentelemetry/api';
import { AlwaysOffSampler, BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { createMockProvider, drain, sampleProfile, sampleProfileModel } from '@structllm/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createOpenTelemetryObserver } from '../src/index.ts';
import {
  AsyncContextManager,
  memoryMetrics,
  memoryTracing,
  profileChunks,
  service,
} from './support.ts';

afterEach(() => {
  trace.disable();
  metrics.disable();
  context.disable();
});

/** A tracer provider whose spans never record, counting every call made on them. */
function nonRecordingTracing(): {
  provider: TracerProvider;
  started: () => number;
  calls: () => number;
} {
  let started = 0;
  let calls = 0;
  const called = (): Span => {
    calls++;
    return span;
  };
  const span: Span = {
    spanContext: () => INVALID_SPAN_CONTEXT,
    isRecording: () => false,
    setAttribute: called,
    setAttributes: called,
    addEvent: called,
    addLink: called,
    addLinks: called,
    setStatus: called,
    updateName: called,
    end: () => {
      calls++;
    },
    recordException: () => {
      calls++;
    },
  };
  const tracer = {
    startSpan: () => {
      started++;
      return span;
    },
    startActiveSpan: () => {
      throw new Error('not used');
    },
  } as unknown as Tracer;
  return { provider: { getTracer: () => tracer }, started: () => started, calls: () => calls };
}

describe('without an OpenTelemetry SDK', () => {
  it('does no span work and no per-chunk timing; requests run as usual', async () => {
    const tracing = nonRecordingTracing();
    const now = vi.fn(() => performance.now());
    const observer = createOpenTelemetryObserver({ tracerProvider: tracing.provider, now });
    const provider = createMockProvider({
      responses: [{ chunks: profileChunks(3), failAfterChunks: 4 }, { chunks: profileChunks(3) }],
    });
    const result = await service(provider, { observers: [observer] }).routeStructured({
      prompt: 'x',
      responseModel: sampleProfileModel,
    });
    expect(result).toEqual(sampleProfile);
    expect(tracing.started()).toBe(1);
    expect(tracing.calls()).toBe(0);
    expect(now).not.toHaveBeenCalled();
  });

  it('with the global no-op API (nothing registered) also records nothing and never fails a request', async () => {
    const now = vi.fn(() => performance.now());
    const observer = createOpenTelemetryObserver({ now });
    const provider = createMockProvider({ responses: [{ chunks: profileChunks(5) }] });
    await expect(
      service(provider, { observers: [observer] }).routeStructured({
        prompt: 'x',
        responseModel: sampleProfileModel,
      }),
    ).resolves.toEqual(sampleProfile);
    expect(now).not.toHaveBeenCalled();
  });

  it('with a sampler that drops the span but a real meter, still records metrics', async () => {
    const meters = memoryMetrics();
    const observer = createOpenTelemetryObserver({
      tracerProvider: new BasicTracerProvider({ sampler: new AlwaysOffSampler() }),
      meterProvider: meters.provider,
    });
    const provider = createMockProvider({ responses: [{ chunks: profileChunks(5) }] });
    await service(provider, { observers: [observer] }).routeStructured({
      prompt: 'x',
      responseModel: sampleProfileModel,
    });
    expect((await meters.points('gen_ai.client.operation.duration'))[0]?.count).toBe(1);
    expect((await meters.points('gen_ai.client.operation.time_to_first_chunk'))[0]?.count).toBe(1);
  });
});

describe('the global SDK', () => {
  it('is picked up even when registered after the observer was created', async () => {
    const observer = createOpenTelemetryObserver();
    const tracing = memoryTracing();
    const meters = memoryMetrics();
    trace.setGlobalTracerProvider(tracing.provider);
    metrics.setGlobalMeterProvider(meters.provider);
    const provider = createMockProvider({ responses: [{ json: sampleProfile }] });
    await service(provider, { observers: [observer] }).routeStructured({
      prompt: 'x',
      responseModel: sampleProfileModel,
    });
    expect(tracing.spans().map((s) => s.name)).toEqual(['chat model-a', 'structllm profile']);
    expect(tracing.spans()[0]?.instrumentationScope.name).toBe('@structllm/otel');
    expect((await meters.points('gen_ai.client.operation.duration'))[0]?.count).toBe(1);
  });
});

describe('span context', () => {
  it('makes the request span a child of the span active where the stream is read', async () => {
    context.setGlobalContextManager(new AsyncContextManager());
    const tracing = memoryTracing();
    const observer = createOpenTelemetryObserver({ tracerProvider: tracing.provider });
    const provider = createMockProvider({ responses: [{ chunks: profileChunks(8) }] });
    const llm = service(provider, { observers: [observer] });
    const tracer = tracing.provider.getTracer('app');
    await tracer.startActiveSpan('handle request', async (parent) => {
      await drain(llm.routeStructuredStreaming({ prompt: 'x', responseModel: sampleProfileModel }));
      parent.end();
    });
    const parent = tracing.spans().find((s) => s.name === 'handle request');
    const child = tracing.spans().find((s) => s.name === 'structllm profile');
    const attempt = tracing.spans().find((s) => s.name === 'chat model-a');
    expect(child?.parentSpanContext?.spanId).toBe(parent?.spanContext().spanId);
    expect(child?.spanContext().traceId).toBe(parent?.spanContext().traceId);
    expect(attempt?.parentSpanContext?.spanId).toBe(child?.spanContext().spanId);
  });
});

describe('no state by request id', () => {
  it('interleaved requests each get their own span tree', async () => {
    const tracing = memoryTracing();
    const observer = createOpenTelemetryObserver({ tracerProvider: tracing.provider });
    const provider = createMockProvider({
      responses: [{ chunks: profileChunks(8) }, { chunks: profileChunks(8) }],
    });
    const llm = service(provider, { observers: [observer] });
    const a = llm.routeStructuredStreaming({ prompt: 'a', responseModel: sampleProfileModel });
    const b = llm.routeStructuredStreaming({ prompt: 'b', responseModel: sampleProfileModel });
    const ia = a[Symbol.asyncIterator]();
    const ib = b[Symbol.asyncIterator]();
    // Alternate reads so the two requests' events interleave.
    let doneA = false;
    let doneB = false;
    while (!doneA || !doneB) {
      if (!doneA) doneA = (await ia.next()).done === true;
      if (!doneB) doneB = (await ib.next()).done === true;
    }
    const spans = tracing.spans();
    const requests = spans.filter((s) => s.name === 'structllm profile');
    expect(requests).toHaveLength(2);
    for (const request of requests) {
      const children = spans.filter(
        (s) => s.parentSpanContext?.spanId === request.spanContext().spanId,
      );
      expect(children.map((c) => c.name)).toEqual(['chat model-a']);
      expect(children[0]?.spanContext().traceId).toBe(request.spanContext().traceId);
    }
  });

  it('a stream left unread and closed still ends its spans', async () => {
    const tracing = memoryTracing();
    const observer = createOpenTelemetryObserver({ tracerProvider: tracing.provider });
    const provider = createMockProvider({ responses: [{ chunks: profileChunks(8) }] });
    const iterator = service(provider, { observers: [observer] })
      .routeStructuredStreaming({ prompt: 'x', responseModel: sampleProfileModel })
      [Symbol.asyncIterator]();
    await iterator.next();
    await iterator.return?.();
    const names = tracing.spans().map((s) => s.name);
    expect(names.sort()).toEqual(['chat model-a', 'structllm profile']);
  });
});
