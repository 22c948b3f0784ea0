/**
 * OpenTelemetry GenAI semantic conventions used here, as plain strings (the
 * conventions are still in development: pinning them here keeps a
 * conventions-package upgrade from renaming our telemetry under users' feet).
 * Version followed: semantic-conventions v1.41.0, docs/gen-ai/gen-ai-spans.md
 * and gen-ai-metrics.md (the last release before the GenAI conventions moved
 * to open-telemetry/semantic-conventions-genai).
 */
export const ATTR_GEN_AI_OPERATION_NAME = 'gen_ai.operation.name';
export const ATTR_GEN_AI_PROVIDER_NAME = 'gen_ai.provider.name';
export const ATTR_GEN_AI_REQUEST_MODEL = 'gen_ai.request.model';
export const ATTR_GEN_AI_REQUEST_STREAM = 'gen_ai.request.stream';
export const ATTR_GEN_AI_OUTPUT_TYPE = 'gen_ai.output.type';
export const ATTR_GEN_AI_RESPONSE_MODEL = 'gen_ai.response.model';
export const ATTR_GEN_AI_RESPONSE_ID = 'gen_ai.response.id';
export const ATTR_GEN_AI_RESPONSE_FINISH_REASONS = 'gen_ai.response.finish_reasons';
export const ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK = 'gen_ai.response.time_to_first_chunk';
export const ATTR_GEN_AI_USAGE_INPUT_TOKENS = 'gen_ai.usage.input_tokens';
export const ATTR_GEN_AI_USAGE_OUTPUT_TOKENS = 'gen_ai.usage.output_tokens';
export const ATTR_GEN_AI_TOKEN_TYPE = 'gen_ai.token.type';
export const ATTR_ERROR_TYPE = 'error.type';
export const ATTR_SERVER_ADDRESS = 'server.address';
export const ATTR_SERVER_PORT = 'server.port';
/** `gen_ai.response.finish_reasons` of an attempt that failed. */
export const GEN_AI_FINISH_REASON_ERROR = 'error';

/** `gen_ai.operation.name` for a chat-completions style call: what every structllm provider makes. */
export const GEN_AI_OPERATION_CHAT = 'chat';
/** `gen_ai.output.type`: structllm always asks for JSON. */
export const GEN_AI_OUTPUT_TYPE_JSON = 'json';

export const METRIC_GEN_AI_CLIENT_OPERATION_DURATION = 'gen_ai.client.operation.duration';
export const METRIC_GEN_AI_CLIENT_TOKEN_USAGE = 'gen_ai.client.token.usage';
export const METRIC_GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK =
  'gen_ai.client.operation.time_to_first_chunk';

/** Bucket advice of `gen_ai.client.operation.duration` and `…time_to_first_chunk` (seconds). */
export const GEN_AI_DURATION_BUCKETS: readonly number[] = [
  0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
];
/** Bucket advice of `gen_ai.client.token.usage`. */
export const GEN_AI_TOKEN_BUCKETS: readonly number[] = [
  1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864,
];

/** structllm's own span attributes and events (outside the gen_ai namespace, which the conventions own). */
export const ATTR_STRUCTLLM_SCHEMA_NAME = 'structllm.schema.name';
export const ATTR_STRUCTLLM_ATTEMPTS = 'structllm.attempts';
export const ATTR_STRUCTLLM_ATTEMPT = 'structllm.attempt';
export const ATTR_STRUCTLLM_MODEL = 'structllm.model';
export const ATTR_STRUCTLLM_OUTPUT_MODE = 'structllm.output_mode';
export const ATTR_STRUCTLLM_RETRY_DELAY_MS = 'structllm.retry.delay_ms';
export const ATTR_STRUCTLLM_FALLBACK_FROM = 'structllm.fallback.from_model';
export const ATTR_STRUCTLLM_FALLBACK_TO = 'structllm.fallback.to_model';
export const ATTR_STRUCTLLM_PROGRESS_PERCENT = 'structllm.progress_percent';
export const ATTR_STRUCTLLM_ELAPSED_MS = 'structllm.elapsed_ms';
export const ATTR_STRUCTLLM_ERROR_CODE = 'structllm.error.code';
export const ATTR_STRUCTLLM_ERROR_MESSAGE = 'structllm.error.message';
export const ATTR_STRUCTLLM_REQUEST_MODEL = 'structllm.request.model';
export const ATTR_STRUCTLLM_STREAMING = 'structllm.streaming';
/** Tokens of every attempt of a request (on the request span; each attempt span has its own `gen_ai.usage.*`). */
export const ATTR_STRUCTLLM_USAGE_INPUT_TOKENS = 'structllm.usage.input_tokens';
export const ATTR_STRUCTLLM_USAGE_OUTPUT_TOKENS = 'structllm.usage.output_tokens';

export const EVENT_STRUCTLLM_RETRY = 'structllm.retry';
export const EVENT_STRUCTLLM_FALLBACK = 'structllm.fallback';
export const EVENT_STRUCTLLM_FIRST_PARTIAL = 'structllm.first_partial';
