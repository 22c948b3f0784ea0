import type { DialectWriter, Generation } from './generation.ts';
import { namedEvent } from './sse.ts';
import { defaultErrorMessage } from './status-messages.ts';

/** Anthropic `error.type` for an HTTP status. */
function anthropicErrorType(status: number): string {
  switch (status) {
    case 401:
      return 'authentication_error';
    case 402:
      return 'billing_error';
    case 403:
      return 'permission_error';
    case 404:
      return 'not_found_error';
    case 408:
    case 504:
      return 'timeout_error';
    case 413:
      return 'request_too_large';
    case 429:
      return 'rate_limit_error';
    case 529:
      return 'overloaded_error';
    default:
      return status >= 500 ? 'api_error' : 'invalid_request_error';
  }
}

function stopReason(gen: Generation): string {
  if (gen.refusal || gen.finish === 'content_filter') return 'refusal';
  if (gen.finish === 'length') return 'max_tokens';
  return isTool(gen) ? 'tool_use' : 'end_turn';
}

function isTool(gen: Generation): boolean {
  return gen.mode === 'tool' && !gen.refusal;
}

function parsedInput(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // The real API always sends an object; a script with broken JSON gets the raw text.
    return text;
  }
}

/** The Anthropic messages wire. */
export function createAnthropicWriter(): DialectWriter {
  const event = (payload: { readonly type: string; readonly [field: string]: unknown }) =>
    namedEvent(payload.type, payload);

  return {
    midStreamStatus: 529,
    requestIdHeader: 'request-id',

    opening(gen) {
      return [
        event({
          type: 'message_start',
          message: {
            id: gen.id,
            type: 'message',
            role: 'assistant',
            model: gen.model,
            content: [],
            stop_reason: null,
            stop_sequence: null,
            usage: { input_tokens: gen.usage.inputTokens, output_tokens: 1 },
          },
        }),
        event({
          type: 'content_block_start',
          index: 0,
          content_block: isTool(gen)
            ? { type: 'tool_use', id: gen.toolCallId, name: gen.toolName, input: {} }
            : { type: 'text', text: '' },
        }),
        event({ type: 'ping' }),
      ];
    },

    delta(gen, piece) {
      return event({
        type: 'content_block_delta',
        index: 0,
        delta: isTool(gen)
          ? { type: 'input_json_delta', partial_json: piece }
          : { type: 'text_delta', text: piece },
      });
    },

    keepAlive() {
      return event({ type: 'ping' });
    },

    malformedEvent() {
      return Buffer.from(
        'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"te\n\n',
        'utf8',
      );
    },

    closing(gen) {
      return [
        event({ type: 'content_block_stop', index: 0 }),
        event({
          type: 'message_delta',
          delta: { stop_reason: stopReason(gen), stop_sequence: null },
          usage: { output_tokens: gen.usage.outputTokens },
        }),
        event({ type: 'message_stop' }),
      ];
    },

    errorEvents(_gen, status, message, fields) {
      return [
        event({
          type: 'error',
          error: {
            type: anthropicErrorType(status),
            message: message ?? defaultErrorMessage(status),
            ...fields,
          },
        }),
      ];
    },

    body(gen) {
      return {
        id: gen.id,
        type: 'message',
        role: 'assistant',
        model: gen.model,
        content: isTool(gen)
          ? [
              {
                type: 'tool_use',
                id: gen.toolCallId,
                name: gen.toolName,
                input: parsedInput(gen.text),
              },
            ]
          : [{ type: 'text', text: gen.text }],
        stop_reason: stopReason(gen),
        stop_sequence: null,
        usage: { input_tokens: gen.usage.inputTokens, output_tokens: gen.usage.outputTokens },
      };
    },

    errorBody(status, message, type, _code, fields) {
      return {
        type: 'error',
        error: {
          type: type ?? anthropicErrorType(status),
          message: message ?? defaultErrorMessage(status),
          ...fields,
        },
      };
    },
  };
}
