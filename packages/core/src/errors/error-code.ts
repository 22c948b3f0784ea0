/**
 * The codes structllm sets on a `StructuredLLMError`: machine-readable detail within a
 * category. Stable strings, safe to switch on. Grouped by who sets them.
 */
export type ErrorCode =
  // The incremental parser (category `parse`).
  | 'unexpected_character'
  | 'unexpected_end'
  | 'empty'
  | 'no_json'
  | 'depth_limit'
  | 'length_limit'
  | 'write_after_end'
  | 'internal'
  // Options and schemas (category `bad_request`).
  | 'invalid_options'
  | 'invalid_element_path'
  | 'unsupported_schema'
  | 'no_model'
  | 'duplicate_provider'
  | 'unsupported_provider'
  | 'unknown_provider'
  | 'no_provider'
  // The engine, while a request runs.
  | 'first_chunk_timeout'
  | 'idle_timeout'
  | 'total_timeout'
  | 'chunk_limit'
  | 'invalid_element'
  | 'unsupported_mode'
  | 'fail_fast'
  // Providers (the built-in ones, through `@structllm/core/provider`).
  | 'missing_api_key'
  | 'unknown_model'
  | 'unexpected_answer'
  | 'stream_error'
  | 'stream_truncated'
  | 'malformed_event'
  | 'refusal'
  | 'content_filter';
