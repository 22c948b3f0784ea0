import {
  type Attributes,
  type Context,
  context,
  createNoopMeter,
  type Histogram,
  type Meter,
  type MeterProvider,
  metrics,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  type TracerProvider,
  trace,
} from '@opentelemetry/api';
import type {
  AttemptContext,
  AttemptEndEvent,
  Observer,
  RequestEndEvent,
  RequestObserver,
  RequestStartEvent,
  StructuredLLMError,
  Usage,
} from '@structllm/core';
import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_OUTPUT_TYPE,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_REQUEST_STREAM,
  ATTR_GEN_AI_RESPONSE_FINISH_REASONS,
  ATTR_GEN_AI_RESPONSE_ID,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK,
  ATTR_GEN_AI_TOKEN_TYPE,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_STRUCTLLM_ATTEMPT,
  ATTR_STRUCTLLM_ATTEMPTS,
  ATTR_STRUCTLLM_ELAPSED_MS,
  ATTR_STRUCTLLM_ERROR_CODE,
  ATTR_STRUCTLLM_ERROR_MESSAGE,
  ATTR_STRUCTLLM_FALLBACK_FROM,
  ATTR_STRUCTLLM_FALLBACK_TO,
  ATTR_STRUCTLLM_MODEL,
  ATTR_STRUCTLLM_OUTPUT_MODE,
  ATTR_STRUCTLLM_PROGRESS_PERCENT,
  ATTR_STRUCTLLM_REQUEST_MODEL,
  ATTR_STRUCTLLM_RETRY_DELAY_MS,
  ATTR_STRUCTLLM_SCHEMA_NAME,
  ATTR_STRUCTLLM_STREAMING,
  ATTR_STRUCTLLM_USAGE_INPUT_TOKENS,
  ATTR_STRUCTLLM_USAGE_OUTPUT_TOKENS,
  EVENT_STRUCTLLM_FALLBACK,
  EVENT_STRUCTLLM_FIRST_PARTIAL,
  EVENT_STRUCTLLM_RETRY,
  GEN_AI_DURATION_BUCKETS,
  GEN_AI_FINISH_REASON_ERROR,
  GEN_AI_OPERATION_CHAT,
  GEN_AI_OUTPUT_TYPE_JSON,
  GEN_AI_TOKEN_BUCKETS,
  METRIC_GEN_AI_CLIENT_OPERATION_DURATION,
  METRIC_GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK,
  METRIC_GEN_AI_CLIENT_TOKEN_USAGE,
} from './semconv.ts';

export interface OpenTelemetryObserverOptions {
  /** Default: the global tracer provider (`trace.getTracerProvider()`), a no-op until an SDK registers one. */
  readonly tracerProvider?: TracerProvider;
  /** Default: the global meter provider, looked up again on each request until an SDK has registered one. */
  readonly meterProvider?: MeterProvider;
  /** `gen_ai.operation.name`, also the first word of each attempt span's name. Default `chat`. */
  readonly operationName?: string;
  /**
   * Record error messages (span status description, `exception` events,
   * `structllm.error.message` on retry events). Off by default because a
   * message can quote the model's output (a validation error shows the value
   * it rejected). Prompts and outputs themselves are never recorded: the
   * observer hooks do not carry them.
   */
  readonly recordErrorMessages?: boolean;
  /** Monotonic clock in milliseconds for durations and time to first chunk. Default `performance.now`. */
  readonly now?: () => number;
}

export const INSTRUMENTATION_NAME = '@structllm/otel';
export const INSTRUMENTATION_VERSION = '0.0.0';

interface Instruments {
  readonly duration: Histogram;
  readonly tokens: Histogram;
  readonly timeToFirstChunk: Histogram;
}

const NOOP_METER_CLASS = (createNoopMeter() as object).constructor;

function isNoopMeter(meter: Meter): boolean {
  return (meter as object).constructor === NOOP_METER_CLASS;
}

/** The model id the provider receives: the requested name without its routing prefix. */
function routedModel(requested: string, provider: string): string {
  return requested.startsWith(`${provider}/`) ? requested.slice(provider.length + 1) : requested;
}

const TOKEN_TYPES = [
  ['input', 'inputTokens'],
  ['output', 'outputTokens'],
] as const satisfies ReadonlyArray<readonly [string, keyof Usage]>;

/**
 * OpenTelemetry tracing and metrics for structllm, following the GenAI
 * semantic conventions (v1.41.0): a span for the structured request and, under
 * it, one CLIENT span `chat {model}` per attempt — retries and fallbacks are
 * sibling attempt spans, each with its own provider, model, server, usage and
 * finish reasons; `gen_ai.client.operation.duration`,
 * `gen_ai.client.token.usage` and `gen_ai.client.operation.time_to_first_chunk`
 * per attempt. Without a registered SDK it costs next to nothing: spans do
 * not record and the request gets no hooks at all.
 *
 * ```ts
 * const service = new StructuredLLMService({ providers, observers: [createOpenTelemetryObserver()] });
 * ```
 */
export function createOpenTelemetryObserver(options: OpenTelemetryObserverOptions = {}): Observer {
  const operation = options.operationName ?? GEN_AI_OPERATION_CHAT;
  const recordMessages = options.recordErrorMessages === true;
  const now = options.now ?? (() => performance.now());
  const tracer: Tracer = (options.tracerProvider ?? trace.getTracerProvider()).getTracer(
    INSTRUMENTATION_NAME,
    INSTRUMENTATION_VERSION,
  );
  let instruments: Instruments | undefined;

  /** The instruments, once a real meter exists (the global one may be registered after this observer). */
  function meters(): Instruments | undefined {
    if (instruments !== undefined) return instruments;
    const meter = (options.meterProvider ?? metrics.getMeterProvider()).getMeter(
      INSTRUMENTATION_NAME,
      INSTRUMENTATION_VERSION,
    );
    if (isNoopMeter(meter)) return undefined;
    instruments = {
      duration: meter.createHistogram(METRIC_GEN_AI_CLIENT_OPERATION_DURATION, {
        description: 'GenAI operation duration.',
        unit: 's',
        advice: { explicitBucketBoundaries: [...GEN_AI_DURATION_BUCKETS] },
      }),
      tokens: meter.createHistogram(METRIC_GEN_AI_CLIENT_TOKEN_USAGE, {
        description: 'Number of input and output tokens used.',
        unit: '{token}',
        advice: { explicitBucketBoundaries: [...GEN_AI_TOKEN_BUCKETS] },
      }),
      timeToFirstChunk: meter.createHistogram(METRIC_GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK, {
        description:
          'Time to receive the first chunk, from when the client issues the generation request.',
        unit: 's',
        advice: { explicitBucketBoundaries: [...GEN_AI_DURATION_BUCKETS] },
      }),
    };
    return instruments;
  }

  function errorDescription(error: StructuredLLMError): string {
    if (recordMessages) return error.message;
    return error.code === undefined ? error.category : `${error.category} (${error.code})`;
  }

  function failSpan(span: Span, error: StructuredLLMError): void {
    if (recordMessages) {
      span.recordException({
        name: error.name,
        message: error.message,
        ...(error.stack === undefined ? {} : { stack: error.stack }),
      });
    }
    span.setStatus({ code: SpanStatusCode.ERROR, message: errorDescription(error) });
  }

  /** One attempt: its CLIENT span, and what its metrics need. */
  interface AttemptTrace {
    readonly span: Span;
    /** Operation, provider, request model and server: on the span and on every metric point. */
    readonly common: Attributes;
    readonly streaming: boolean;
    readonly startedAt: number;
  }

  /** One structured request: its span, and the attempt running now. Nothing is kept by request id. */
  class RequestTrace implements RequestObserver {
    private attempt: AttemptTrace | undefined;
    private readonly parent: Context;
    /** Tokens of every attempt so far, when any attempt reported usage. */
    private usage: { input: number; output: number } | undefined;

    private readonly span: Span;
    private readonly recording: boolean;
    private readonly meterSet: Instruments | undefined;

    constructor(span: Span, recording: boolean, meterSet: Instruments | undefined) {
      this.span = span;
      this.recording = recording;
      this.meterSet = meterSet;
      this.parent = recording ? trace.setSpan(context.active(), span) : context.active();
    }

    onAttemptStart(event: AttemptContext): void {
      const model = routedModel(event.model, event.provider);
      // What sampling and the conventions want at creation: operation, provider, model, server.
      const common: Attributes = {
        [ATTR_GEN_AI_OPERATION_NAME]: operation,
        [ATTR_GEN_AI_PROVIDER_NAME]: event.provider,
        [ATTR_GEN_AI_REQUEST_MODEL]: model,
      };
      if (event.server !== undefined) {
        common[ATTR_SERVER_ADDRESS] = event.server.address;
        if (event.server.port !== undefined) common[ATTR_SERVER_PORT] = event.server.port;
      }
      const attributes: Attributes = {
        ...common,
        [ATTR_GEN_AI_OUTPUT_TYPE]: GEN_AI_OUTPUT_TYPE_JSON,
        [ATTR_STRUCTLLM_ATTEMPT]: event.attempt,
        [ATTR_STRUCTLLM_OUTPUT_MODE]: event.mode,
      };
      if (event.streaming) attributes[ATTR_GEN_AI_REQUEST_STREAM] = true;
      const span = this.recording
        ? tracer.startSpan(
            `${operation} ${model}`,
            { kind: SpanKind.CLIENT, attributes },
            this.parent,
          )
        : this.span;
      this.attempt = { span, common, streaming: event.streaming, startedAt: now() };
    }

    onFirstChunk(): void {
      const attempt = this.attempt;
      if (attempt === undefined || !attempt.streaming) return;
      const seconds = (now() - attempt.startedAt) / 1000;
      if (this.recording)
        attempt.span.setAttribute(ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK, seconds);
      this.meterSet?.timeToFirstChunk.record(seconds, attempt.common);
    }

    onFirstPartial(
      event: AttemptContext & { readonly progressPercent: number; readonly elapsedMs: number },
    ): void {
      if (!this.recording) return;
      this.span.addEvent(EVENT_STRUCTLLM_FIRST_PARTIAL, {
        [ATTR_STRUCTLLM_ATTEMPT]: event.attempt,
        [ATTR_STRUCTLLM_PROGRESS_PERCENT]: event.progressPercent,
        [ATTR_STRUCTLLM_ELAPSED_MS]: event.elapsedMs,
      });
    }

    onAttemptEnd(event: AttemptEndEvent): void {
      const attempt = this.attempt;
      if (attempt === undefined) return;
      this.attempt = undefined;
      const seconds = (now() - attempt.startedAt) / 1000;
      const error = event.error;
      if (event.usage !== undefined) {
        this.usage ??= { input: 0, output: 0 };
        this.usage.input += event.usage.inputTokens ?? 0;
        this.usage.output += event.usage.outputTokens ?? 0;
      }
      if (this.recording) {
        const span = attempt.span;
        const attributes: Attributes = {
          [ATTR_GEN_AI_RESPONSE_FINISH_REASONS]:
            error !== undefined
              ? [GEN_AI_FINISH_REASON_ERROR]
              : event.finishReason === undefined
                ? []
                : [event.finishReason],
        };
        if (event.responseModel !== undefined)
          attributes[ATTR_GEN_AI_RESPONSE_MODEL] = event.responseModel;
        if (event.responseId !== undefined) attributes[ATTR_GEN_AI_RESPONSE_ID] = event.responseId;
        if (event.usage?.inputTokens !== undefined)
          attributes[ATTR_GEN_AI_USAGE_INPUT_TOKENS] = event.usage.inputTokens;
        if (event.usage?.outputTokens !== undefined)
          attributes[ATTR_GEN_AI_USAGE_OUTPUT_TOKENS] = event.usage.outputTokens;
        if (error !== undefined) {
          attributes[ATTR_ERROR_TYPE] = error.category;
          if (error.code !== undefined) attributes[ATTR_STRUCTLLM_ERROR_CODE] = error.code;
          failSpan(span, error);
        }
        span.setAttributes(attributes);
        span.end();
      }
      const meterSet = this.meterSet;
      if (meterSet === undefined) return;
      const common =
        event.responseModel === undefined
          ? attempt.common
          : { ...attempt.common, [ATTR_GEN_AI_RESPONSE_MODEL]: event.responseModel };
      meterSet.duration.record(
        seconds,
        error === undefined ? common : { ...common, [ATTR_ERROR_TYPE]: error.category },
      );
      // Every attempt's tokens were paid for: failed and re-asked ones too.
      for (const [type, key] of TOKEN_TYPES) {
        const count = event.usage?.[key];
        if (count !== undefined)
          meterSet.tokens.record(count, { ...common, [ATTR_GEN_AI_TOKEN_TYPE]: type });
      }
    }

    onRetry(
      event: AttemptContext & { readonly error: StructuredLLMError; readonly delayMs: number },
    ): void {
      if (!this.recording) return;
      const attributes: Attributes = {
        [ATTR_STRUCTLLM_ATTEMPT]: event.attempt,
        [ATTR_STRUCTLLM_MODEL]: event.model,
        [ATTR_STRUCTLLM_OUTPUT_MODE]: event.mode,
        [ATTR_ERROR_TYPE]: event.error.category,
        [ATTR_STRUCTLLM_RETRY_DELAY_MS]: event.delayMs,
      };
      if (event.error.code !== undefined) attributes[ATTR_STRUCTLLM_ERROR_CODE] = event.error.code;
      if (recordMessages) attributes[ATTR_STRUCTLLM_ERROR_MESSAGE] = event.error.message;
      this.span.addEvent(EVENT_STRUCTLLM_RETRY, attributes);
    }

    onFallback(event: {
      readonly fromModel: string;
      readonly toModel: string;
      readonly reason: string;
    }): void {
      if (!this.recording) return;
      this.span.addEvent(EVENT_STRUCTLLM_FALLBACK, {
        [ATTR_STRUCTLLM_FALLBACK_FROM]: event.fromModel,
        [ATTR_STRUCTLLM_FALLBACK_TO]: event.toModel,
        [ATTR_ERROR_TYPE]: event.reason,
      });
    }

    onRequestEnd(event: RequestEndEvent): void {
      if (!this.recording) return;
      const span = this.span;
      const attributes: Attributes = { [ATTR_STRUCTLLM_ATTEMPTS]: event.attempts.length };
      if (event.status === 'success') attributes[ATTR_STRUCTLLM_MODEL] = event.model;
      // The sum of what the attempt spans report, outside gen_ai.usage.* so no backend counts it twice.
      if (this.usage !== undefined) {
        attributes[ATTR_STRUCTLLM_USAGE_INPUT_TOKENS] = this.usage.input;
        attributes[ATTR_STRUCTLLM_USAGE_OUTPUT_TOKENS] = this.usage.output;
      }
      const error = event.error;
      if (error !== undefined) {
        attributes[ATTR_ERROR_TYPE] = error.category;
        if (error.code !== undefined) attributes[ATTR_STRUCTLLM_ERROR_CODE] = error.code;
        failSpan(span, error);
      }
      span.setAttributes(attributes);
      span.end();
    }
  }

  return {
    name: INSTRUMENTATION_NAME,

    onRequestStart(event: RequestStartEvent): RequestObserver | undefined {
      const span = tracer.startSpan(
        `structllm ${event.schemaName}`,
        {
          kind: SpanKind.INTERNAL,
          attributes: {
            [ATTR_STRUCTLLM_SCHEMA_NAME]: event.schemaName,
            [ATTR_STRUCTLLM_REQUEST_MODEL]: event.model,
            [ATTR_STRUCTLLM_STREAMING]: event.streaming,
          },
        },
        context.active(),
      );
      const recording = span.isRecording();
      const meterSet = meters();
      if (!recording && meterSet === undefined) return undefined; // Nobody listens: no hooks for this request.
      return new RequestTrace(span, recording, meterSet);
    },
  };
}
