import {
  type Attributes,
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
import type { Observer, RequestEndEvent, StructuredLLMError } from '@structllm/core';
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
  ATTR_STRUCTLLM_ABANDONED,
  ATTR_STRUCTLLM_ATTEMPT,
  ATTR_STRUCTLLM_ATTEMPTS,
  ATTR_STRUCTLLM_BREAKER_FROM,
  ATTR_STRUCTLLM_BREAKER_KEY,
  ATTR_STRUCTLLM_BREAKER_TO,
  ATTR_STRUCTLLM_ELAPSED_MS,
  ATTR_STRUCTLLM_ERROR_CODE,
  ATTR_STRUCTLLM_ERROR_MESSAGE,
  ATTR_STRUCTLLM_FALLBACK_FROM,
  ATTR_STRUCTLLM_FALLBACK_TO,
  ATTR_STRUCTLLM_MODEL,
  ATTR_STRUCTLLM_OUTPUT_MODE,
  ATTR_STRUCTLLM_PROGRESS_PERCENT,
  ATTR_STRUCTLLM_RETRY_DELAY_MS,
  ATTR_STRUCTLLM_SCHEMA_NAME,
  EVENT_STRUCTLLM_BREAKER_STATE_CHANGE,
  EVENT_STRUCTLLM_FALLBACK,
  EVENT_STRUCTLLM_FIRST_PARTIAL,
  EVENT_STRUCTLLM_RETRY,
  GEN_AI_DURATION_BUCKETS,
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
  /** `gen_ai.operation.name`, also the first word of the span name. Default `chat`. */
  readonly operationName?: string;
  /**
   * Record error messages (span status description, `exception` events,
   * `structllm.error.message` on retry events). Off by default because a
   * message can quote the model's output (a validation error shows the value
   * it rejected). Prompts and outputs themselves are never recorded: the
   * observer hooks do not carry them.
   */
  readonly recordErrorMessages?: boolean;
  /** In-flight requests tracked at once; beyond it the oldest span is ended as abandoned. Default 10 000. */
  readonly maxTrackedRequests?: number;
  /** Monotonic clock in milliseconds for time to first chunk. Default `performance.now`. */
  readonly now?: () => number;
}

export const INSTRUMENTATION_NAME = '@structllm/otel';
export const INSTRUMENTATION_VERSION = '0.0.0';

/** What the observer keeps about one request between its start and its end. */
interface RequestState {
  readonly span: Span;
  readonly recording: boolean;
  readonly meters: Instruments | undefined;
  readonly streaming: boolean;
  /** The primary model as requested ('openai/gpt-4o'). */
  readonly requested: string;
  /** Provider and model (as the provider sees it) of the current attempt. */
  provider: string | undefined;
  requestModel: string;
  breakerKey: string;
  attemptStartedAt: number;
  awaitingFirstChunk: boolean;
  /** Seconds from the start of the latest attempt that streamed to its first chunk. */
  timeToFirstChunk: number | undefined;
}

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

/**
 * OpenTelemetry tracing and metrics for structllm, following the GenAI
 * semantic conventions: one CLIENT span `chat {model}` per request covering
 * all its retries and fallbacks, with events for retries, fallbacks, breaker
 * changes and the first partial; `gen_ai.client.operation.duration`,
 * `gen_ai.client.token.usage` and `gen_ai.client.operation.time_to_first_chunk`.
 * Without a registered SDK it costs next to nothing: spans do not record and
 * no per-chunk work is done.
 *
 * ```ts
 * const service = new StructuredLLMService({ providers, observers: [createOpenTelemetryObserver()] });
 * ```
 */
export function createOpenTelemetryObserver(options: OpenTelemetryObserverOptions = {}): Observer {
  const operation = options.operationName ?? GEN_AI_OPERATION_CHAT;
  const recordMessages = options.recordErrorMessages === true;
  const maxTracked = Math.max(1, options.maxTrackedRequests ?? 10_000);
  const now = options.now ?? (() => performance.now());
  const tracer: Tracer = (options.tracerProvider ?? trace.getTracerProvider()).getTracer(
    INSTRUMENTATION_NAME,
    INSTRUMENTATION_VERSION,
  );
  let instruments: Instruments | undefined;
  const requests = new Map<string, RequestState>();
  // Chunks come in runs from one request: remember the last lookup, misses included.
  let lastId = '';
  let last: RequestState | undefined;

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

  function lookup(requestId: string): RequestState | undefined {
    if (requestId !== lastId) {
      lastId = requestId;
      last = requests.get(requestId);
    }
    return last;
  }

  function forget(requestId: string): void {
    requests.delete(requestId);
    if (lastId === requestId) last = undefined;
  }

  function errorDescription(error: StructuredLLMError): string {
    if (recordMessages) return error.message;
    return error.code === undefined ? error.category : `${error.category} (${error.code})`;
  }

  return {
    name: INSTRUMENTATION_NAME,

    onRequestStart(event) {
      const span = tracer.startSpan(
        event.model === '' ? operation : `${operation} ${event.model}`,
        { kind: SpanKind.CLIENT },
        context.active(),
      );
      const recording = span.isRecording();
      const meterSet = meters();
      if (!recording && meterSet === undefined) return; // Nobody listens: track nothing.
      if (recording) {
        span.setAttributes({
          [ATTR_GEN_AI_OPERATION_NAME]: operation,
          [ATTR_GEN_AI_REQUEST_MODEL]: event.model,
          [ATTR_GEN_AI_OUTPUT_TYPE]: GEN_AI_OUTPUT_TYPE_JSON,
          [ATTR_GEN_AI_REQUEST_STREAM]: event.streaming,
          [ATTR_STRUCTLLM_SCHEMA_NAME]: event.schemaName,
        });
      }
      if (requests.size >= maxTracked) {
        const oldest = requests.entries().next().value;
        if (oldest !== undefined) {
          forget(oldest[0]);
          if (oldest[1].recording) oldest[1].span.setAttribute(ATTR_STRUCTLLM_ABANDONED, true);
          oldest[1].span.end();
        }
      }
      requests.set(event.requestId, {
        span,
        recording,
        meters: meterSet,
        streaming: event.streaming,
        requested: event.model,
        provider: undefined,
        requestModel: event.model,
        breakerKey: '',
        attemptStartedAt: 0,
        awaitingFirstChunk: false,
        timeToFirstChunk: undefined,
      });
      if (lastId === event.requestId) last = requests.get(event.requestId);
    },

    onAttemptStart(event) {
      const state = lookup(event.requestId);
      if (state === undefined) return;
      const model = routedModel(event.model, event.provider);
      if (state.provider === undefined && state.recording) {
        // The first attempt tells which provider serves the request and the model id it receives.
        state.span.updateName(`${operation} ${model}`);
        state.span.setAttribute(ATTR_GEN_AI_REQUEST_MODEL, model);
      }
      if (state.provider === undefined) state.requestModel = model;
      state.provider = event.provider;
      state.breakerKey = `${event.provider}:${model}`;
      state.attemptStartedAt = now();
      state.awaitingFirstChunk = true;
    },

    onFirstChunk(event) {
      const state = lookup(event.requestId);
      if (state === undefined || !state.awaitingFirstChunk) return;
      state.awaitingFirstChunk = false;
      const seconds = (now() - state.attemptStartedAt) / 1000;
      state.timeToFirstChunk = seconds;
      if (state.meters !== undefined && state.streaming) {
        const attributes: Attributes = {
          [ATTR_GEN_AI_OPERATION_NAME]: operation,
          [ATTR_GEN_AI_PROVIDER_NAME]: event.provider,
          [ATTR_GEN_AI_REQUEST_MODEL]: routedModel(event.model, event.provider),
        };
        state.meters.timeToFirstChunk.record(seconds, attributes);
      }
    },

    onFirstPartial(event) {
      const state = lookup(event.requestId);
      if (state === undefined || !state.recording) return;
      state.span.addEvent(EVENT_STRUCTLLM_FIRST_PARTIAL, {
        [ATTR_STRUCTLLM_ATTEMPT]: event.attempt,
        [ATTR_STRUCTLLM_PROGRESS_PERCENT]: event.progressPercent,
        [ATTR_STRUCTLLM_ELAPSED_MS]: event.elapsedMs,
      });
    },

    onRetry(event) {
      const state = lookup(event.requestId);
      if (state === undefined || !state.recording) return;
      const attributes: Attributes = {
        [ATTR_STRUCTLLM_ATTEMPT]: event.attempt,
        [ATTR_STRUCTLLM_MODEL]: event.model,
        [ATTR_STRUCTLLM_OUTPUT_MODE]: event.mode,
        [ATTR_ERROR_TYPE]: event.error.category,
        [ATTR_STRUCTLLM_RETRY_DELAY_MS]: event.delayMs,
      };
      if (event.error.code !== undefined) attributes[ATTR_STRUCTLLM_ERROR_CODE] = event.error.code;
      if (recordMessages) attributes[ATTR_STRUCTLLM_ERROR_MESSAGE] = event.error.message;
      state.span.addEvent(EVENT_STRUCTLLM_RETRY, attributes);
    },

    onFallback(event) {
      const state = lookup(event.requestId);
      if (state === undefined || !state.recording) return;
      state.span.addEvent(EVENT_STRUCTLLM_FALLBACK, {
        [ATTR_STRUCTLLM_FALLBACK_FROM]: event.fromModel,
        [ATTR_STRUCTLLM_FALLBACK_TO]: event.toModel,
        [ATTR_ERROR_TYPE]: event.reason,
      });
    },

    onBreakerStateChange(event) {
      // Breakers are per provider and model, not per request: tell every request running on that model.
      const key = `${event.provider}:${event.model}`;
      for (const state of requests.values()) {
        if (state.breakerKey !== key || !state.recording) continue;
        state.span.addEvent(EVENT_STRUCTLLM_BREAKER_STATE_CHANGE, {
          [ATTR_STRUCTLLM_BREAKER_KEY]: key,
          [ATTR_STRUCTLLM_BREAKER_FROM]: event.from,
          [ATTR_STRUCTLLM_BREAKER_TO]: event.to,
        });
      }
    },

    onRequestEnd(event: RequestEndEvent) {
      const state = lookup(event.requestId);
      if (state === undefined) return;
      forget(event.requestId);
      const provider = event.provider ?? state.provider;
      const error = event.error;
      if (state.recording) {
        const span = state.span;
        const attributes: Attributes = { [ATTR_STRUCTLLM_ATTEMPTS]: event.attempts.length };
        if (provider !== undefined) attributes[ATTR_GEN_AI_PROVIDER_NAME] = provider;
        if (event.responseModel !== undefined)
          attributes[ATTR_GEN_AI_RESPONSE_MODEL] = event.responseModel;
        if (event.responseId !== undefined) attributes[ATTR_GEN_AI_RESPONSE_ID] = event.responseId;
        if (event.finishReason !== undefined)
          attributes[ATTR_GEN_AI_RESPONSE_FINISH_REASONS] = [event.finishReason];
        if (event.usage?.inputTokens !== undefined)
          attributes[ATTR_GEN_AI_USAGE_INPUT_TOKENS] = event.usage.inputTokens;
        if (event.usage?.outputTokens !== undefined)
          attributes[ATTR_GEN_AI_USAGE_OUTPUT_TOKENS] = event.usage.outputTokens;
        if (state.streaming && state.timeToFirstChunk !== undefined)
          attributes[ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK] = state.timeToFirstChunk;
        if (event.status === 'success' && event.model !== state.requested)
          attributes[ATTR_STRUCTLLM_MODEL] = event.model;
        if (error !== undefined) {
          attributes[ATTR_ERROR_TYPE] = error.category;
          if (error.code !== undefined) attributes[ATTR_STRUCTLLM_ERROR_CODE] = error.code;
          if (recordMessages) {
            span.recordException({
              name: error.name,
              message: error.message,
              ...(error.stack === undefined ? {} : { stack: error.stack }),
            });
          }
          span.setStatus({ code: SpanStatusCode.ERROR, message: errorDescription(error) });
        }
        span.setAttributes(attributes);
        span.end();
      }
      const meterSet = state.meters;
      if (meterSet === undefined) return;
      const common: Attributes = {
        [ATTR_GEN_AI_OPERATION_NAME]: operation,
        [ATTR_GEN_AI_REQUEST_MODEL]: state.requestModel,
      };
      if (provider !== undefined) common[ATTR_GEN_AI_PROVIDER_NAME] = provider;
      if (event.responseModel !== undefined)
        common[ATTR_GEN_AI_RESPONSE_MODEL] = event.responseModel;
      meterSet.duration.record(
        event.durationMs / 1000,
        error === undefined ? common : { ...common, [ATTR_ERROR_TYPE]: error.category },
      );
      const input = event.usage?.inputTokens;
      const output = event.usage?.outputTokens;
      if (input !== undefined)
        meterSet.tokens.record(input, { ...common, [ATTR_GEN_AI_TOKEN_TYPE]: 'input' });
      if (output !== undefined)
        meterSet.tokens.record(output, { ...common, [ATTR_GEN_AI_TOKEN_TYPE]: 'output' });
    },
  };
}
