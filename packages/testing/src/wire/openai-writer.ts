import type { DialectWriter, Generation } from './generation.ts';
import { commentEvent, dataEvent, rawDataEvent } from './sse.ts';
import { defaultErrorMessage } from './status-messages.ts';

/** OpenAI `error.type` / `error.code` for an HTTP status. */
function openAIErrorKind(status: number): { type: string; code: string | null } {
  if (status === 401) return { type: 'invalid_request_error', code: 'invalid_api_key' };
  if (status === 403) return { type: 'invalid_request_error', code: 'permission_denied' };
  if (status === 404) return { type: 'invalid_request_error', code: 'model_not_found' };
  if (status === 408) return { type: 'timeout', code: null };
  if (status === 429) return { type: 'requests', code: 'rate_limit_exceeded' };
  if (status >= 500) return { type: 'server_error', code: null };
  return { type: 'invalid_request_error', code: null };
}

function wireFinish(gen: Generation): string {
  if (gen.finish === 'length') return 'length';
  if (gen.finish === 'content_filter') return 'content_filter';
  // A request that names one function in tool_choice ends with "stop"; otherwise a tool call ends with "tool_calls".
  if (gen.mode === 'tool' && !gen.refusal && !gen.namedToolChoice) return 'tool_calls';
  return 'stop';
}

/** The OpenAI chat-completions wire (`openrouter: true` adds OpenRouter's fields, comments and error chunks). */
export function createOpenAIWriter(options: { readonly openrouter: boolean }): DialectWriter {
  const { openrouter } = options;

  const chunk = (gen: Generation, choices: unknown[], extra: Record<string, unknown> = {}) =>
    openrouter
      ? {
          id: gen.id,
          provider: 'FakeProvider',
          model: gen.model,
          object: 'chat.completion.chunk',
          created: gen.created,
          choices,
          ...extra,
        }
      : {
          id: gen.id,
          object: 'chat.completion.chunk',
          created: gen.created,
          model: gen.model,
          system_fingerprint: 'fp_fake',
          choices,
          ...extra,
        };

  const choice = (delta: Record<string, unknown>, finishReason: string | null = null) =>
    openrouter
      ? {
          index: 0,
          delta: { role: 'assistant', ...delta },
          finish_reason: finishReason,
          native_finish_reason: finishReason,
          logprobs: null,
        }
      : { index: 0, delta, logprobs: null, finish_reason: finishReason };

  const usage = (gen: Generation) => ({
    prompt_tokens: gen.usage.inputTokens,
    completion_tokens: gen.usage.outputTokens,
    total_tokens: gen.usage.inputTokens + gen.usage.outputTokens,
    ...(openrouter ? { cost: 0, is_byok: false } : {}),
  });

  const toolCall = (gen: Generation, args: string) => ({
    id: gen.toolCallId,
    type: 'function',
    function: { name: gen.toolName, arguments: args },
  });

  const isTool = (gen: Generation) => gen.mode === 'tool' && !gen.refusal;

  return {
    midStreamStatus: openrouter ? 502 : 500,
    requestIdHeader: 'x-request-id',

    opening(gen) {
      let delta: Record<string, unknown>;
      if (gen.refusal) delta = { role: 'assistant', content: null, refusal: '' };
      else if (isTool(gen)) {
        delta = {
          role: 'assistant',
          content: null,
          tool_calls: [{ index: 0, ...toolCall(gen, '') }],
          refusal: null,
        };
      } else delta = { role: 'assistant', content: '', refusal: null };
      const first = dataEvent(chunk(gen, [choice(delta)]));
      return openrouter ? [commentEvent('OPENROUTER PROCESSING'), first] : [first];
    },

    delta(gen, piece) {
      let delta: Record<string, unknown>;
      if (gen.refusal) delta = { refusal: piece };
      else if (isTool(gen)) delta = { tool_calls: [{ index: 0, function: { arguments: piece } }] };
      else delta = { content: piece };
      return dataEvent(chunk(gen, [choice(delta)]));
    },

    keepAlive() {
      return commentEvent(openrouter ? 'OPENROUTER PROCESSING' : 'keep-alive');
    },

    malformedEvent() {
      return rawDataEvent(
        '{"id":"broken","object":"chat.completion.chunk","choices":[{"delta":{"con',
      );
    },

    closing(gen) {
      const events = [dataEvent(chunk(gen, [choice({}, wireFinish(gen))]))];
      if (gen.includeUsage) {
        // OpenAI reports usage on an extra chunk with no choices; OpenRouter on a chunk with an empty delta.
        const choices = openrouter ? [choice({ content: '' })] : [];
        events.push(dataEvent(chunk(gen, choices, { usage: usage(gen) })));
      }
      events.push(rawDataEvent('[DONE]'));
      return events;
    },

    errorEvents(gen, status, message, fields) {
      const text = message ?? defaultErrorMessage(status);
      if (openrouter) {
        // OpenRouter: a normal chunk with a top-level error and finish_reason "error", then [DONE].
        return [
          dataEvent(
            chunk(gen, [choice({ content: '' }, 'error')], {
              error: { code: status, message: text, ...fields },
            }),
          ),
          rawDataEvent('[DONE]'),
        ];
      }
      const kind = openAIErrorKind(status);
      return [
        dataEvent({
          error: { message: text, type: kind.type, param: null, code: kind.code, ...fields },
        }),
      ];
    },

    body(gen) {
      const message: Record<string, unknown> = gen.refusal
        ? { role: 'assistant', content: null, refusal: gen.text }
        : isTool(gen)
          ? {
              role: 'assistant',
              content: null,
              refusal: null,
              tool_calls: [toolCall(gen, gen.text)],
            }
          : { role: 'assistant', content: gen.text, refusal: null };
      const finish = wireFinish(gen);
      return {
        id: gen.id,
        ...(openrouter ? { provider: 'FakeProvider' } : {}),
        object: 'chat.completion',
        created: gen.created,
        model: gen.model,
        choices: [
          openrouter
            ? {
                index: 0,
                message,
                finish_reason: finish,
                native_finish_reason: finish,
                logprobs: null,
              }
            : { index: 0, message, logprobs: null, finish_reason: finish },
        ],
        usage: usage(gen),
        ...(openrouter ? {} : { system_fingerprint: 'fp_fake' }),
      };
    },

    errorBody(status, message, type, code, fields) {
      const text = message ?? defaultErrorMessage(status);
      if (openrouter) return { error: { code: status, message: text, ...fields } };
      const kind = openAIErrorKind(status);
      return {
        error: {
          message: text,
          type: type ?? kind.type,
          param: null,
          code: code === undefined ? kind.code : code,
          ...fields,
        },
      };
    },
  };
}
