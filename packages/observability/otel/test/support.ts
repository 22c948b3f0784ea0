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
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import {
  jsonSchema,
  StructuredLLMService,
  type StructuredLLMServiceOptions,
  type StructuredProvider,
} from '@structllm/core';

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

/** A tracer provider exporting every ended span to memory. */
export function memoryTracing(): { provider: BasicTracerProvider; spans: () => ReadableSpan[] } {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
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
