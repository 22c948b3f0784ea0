import { AsyncLocalStorage } from 'node:async_hooks';
import { type Context, type ContextManager, ROOT_CONTEXT } from '@opentelemetry/api';
import {
  AggregationTemporality,
  type DataPoint,
  type Histogram,
  MeterProvider,
  MetricReader,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  type Sampler,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import type {
  StructuredLLMService,
  StructuredLLMServiceOptions,
  StructuredProvider,
} from '@structllm/core';
import { chunkText, createTestService, sampleProfile } from '@structllm/testing';

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

/** A tracer provider exporting every ended span to memory. */
export function memoryTracing(options: { sampler?: Sampler } = {}): {
  provider: BasicTracerProvider;
  spans: () => ReadableSpan[];
} {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(exporter)],
    ...(options.sampler === undefined ? {} : { sampler: options.sampler }),
  });
  return { provider, spans: () => exporter.getFinishedSpans() };
}

/** A reader the test collects from on demand (no timers). */
class ManualReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

export interface HistogramPoint {
  readonly attributes: Record<string, unknown>;
  readonly count: number;
  readonly sum: number;
  readonly boundaries: readonly number[];
}

/** A meter provider whose histogram points the test reads by metric name. */
export function memoryMetrics(): {
  provider: MeterProvider;
  points: (name: string) => Promise<HistogramPoint[]>;
  units: () => Promise<Record<string, string>>;
} {
  const reader = new ManualReader();
  const provider = new MeterProvider({ readers: [reader] });
  const collect = async () => {
    const { resourceMetrics, errors } = await reader.collect();
    if (errors.length > 0) throw errors[0];
    return resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics);
  };
  return {
    provider,
    async points(name) {
      const metric = (await collect()).find((m) => m.descriptor.name === name);
      if (metric === undefined) return [];
      return (metric.dataPoints as DataPoint<Histogram>[]).map((point) => ({
        attributes: { ...point.attributes },
        count: point.value.count,
        sum: point.value.sum ?? Number.NaN,
        boundaries: point.value.buckets.boundaries,
      }));
    },
    async units() {
      return Object.fromEntries(
        (await collect()).map((m) => [m.descriptor.name, m.descriptor.unit]),
      );
    },
  };
}

/** A context manager on AsyncLocalStorage, so spans find their parent across awaits. */
export class AsyncContextManager implements ContextManager {
  private readonly storage = new AsyncLocalStorage<Context>();
  active(): Context {
    return this.storage.getStore() ?? ROOT_CONTEXT;
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    context: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    return this.storage.run(context, () => fn.call(thisArg, ...args));
  }
  bind<T>(_context: Context, target: T): T {
    return target;
  }
  enable(): this {
    return this;
  }
  disable(): this {
    this.storage.disable();
    return this;
  }
}
