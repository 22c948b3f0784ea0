/**
 * A minimal Anthropic-messages StructuredProvider on plain `fetch`, proving
 * `runProviderConformance` on the Anthropic wire (see example-provider.test.ts).
 */
import { type FinishReason, StructuredLLMError, type StructuredProvider } from '@structllm/core';
import {
  categoryForStatus,
  httpError,
  type ProviderCall,
  type ProviderPart,
  retryAfterFromHeaders,
  unexpectedAnswerError,
} from '@structllm/core/provider';
import { sseMessages } from './sse-messages.ts';

interface WireError {
  type?: string;
  message?: string;
}
interface Event {
  type: string;
  message?: { id: string; model: string; usage: { input_tokens: number } };
  index?: number;
  content_block?: { type: string };
  delta?: { type?: string; text?: string; partial_json?: string; stop_reason?: string | null };
  usage?: { output_tokens: number };
  error?: WireError;
}

/** Anthropic error types → the HTTP status they stand for. */
const STATUS_OF_TYPE: Record<string, number> = {
  invalid_request_error: 400,
  authentication_error: 401,
  permission_error: 403,
  not_found_error: 404,
  timeout_error: 408,
  rate_limit_error: 429,
  api_error: 500,
  overloaded_error: 529,
};

const aborted = (signal: AbortSignal) =>
  new StructuredLLMError({
    category: 'aborted',
    message: 'The call was aborted',
    cause: signal.reason,
  });

function finishReasonOf(reason: string | null | undefined): FinishReason {
  if (reason === 'end_turn' || reason === 'tool_use' || reason === 'stop_sequence') return 'stop';
  if (reason === 'max_tokens') return 'length';
  if (reason === 'refusal') return 'content_filter';
  return 'other';
}

function parseEvent(data: string): Event {
  try {
    return JSON.parse(data) as Event;
  } catch (error) {
    throw new StructuredLLMError({
      category: 'server',
      message: 'The API sent a broken event',
      cause: error,
    });
  }
}

interface MessageBody {
  id: string;
  model: string;
  stop_reason: string;
  usage: { input_tokens: number; output_tokens: number };
  content: Array<{ type: string; text?: string; input?: unknown }>;
}

/** The message in a 200's body; anything else (a proxy's HTML page, `{}`) is `unexpected_answer`. */
function readMessage(text: string): MessageBody {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw unexpectedAnswerError('Example Anthropic', text, 'a message');
  }
  const message = body as Partial<MessageBody> | null;
  if (!Array.isArray(message?.content) || typeof message.usage !== 'object') {
    throw unexpectedAnswerError('Example Anthropic', body, 'a message');
  }
  return body as MessageBody;
}

export function createExampleAnthropicProvider(options: {
  readonly baseURL: string;
  readonly apiKey: string;
}): StructuredProvider {
  const requestBody = (call: ProviderCall, stream: boolean) => ({
    model: call.model,
    max_tokens: call.maxOutputTokens ?? 1024,
    system: call.messages
      .filter((m) => m.role === 'system')
      .map((m) => m.content)
      .join('\n'),
    messages: call.messages.filter((m) => m.role !== 'system'),
    ...(stream && { stream: true }),
    ...(call.mode === 'json_schema' && {
      output_config: { format: { type: 'json_schema', schema: call.schema } },
    }),
    ...(call.mode === 'tool' && {
      tools: [{ name: call.schemaName, input_schema: call.schema }],
      tool_choice: { type: 'tool', name: call.schemaName },
    }),
  });

  async function guarded<T>(call: ProviderCall, run: () => Promise<T>): Promise<T> {
    if (call.signal.aborted) throw aborted(call.signal);
    try {
      return await run();
    } catch (error) {
      if (call.signal.aborted) throw aborted(call.signal);
      if (StructuredLLMError.is(error)) throw error;
      throw new StructuredLLMError({
        category: 'network',
        message: 'The API connection failed',
        cause: error,
      });
    }
  }

  const post = (call: ProviderCall, stream: boolean) =>
    guarded(call, async () => {
      const response = await fetch(`${options.baseURL}/v1/messages`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-api-key': options.apiKey,
          'anthropic-version': '2023-06-01',
        },
        body: JSON.stringify(requestBody(call, stream)),
        signal: call.signal,
      });
      if (response.ok) return response;
      const body = (await response.json().catch(() => ({}))) as { error?: WireError };
      const retryAfterMs = retryAfterFromHeaders((name) => response.headers.get(name));
      throw httpError(response.status, body.error?.message ?? response.statusText, {
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
        // A plain cause: the response's headers and body may echo the key.
        cause: new Error(`HTTP ${response.status} ${body.error?.type ?? ''}`.trim()),
      });
    });

  async function* parts(call: ProviderCall, response: Response): AsyncGenerator<ProviderPart> {
    const messages = sseMessages(response.body as ReadableStream<Uint8Array>);
    let toolBlock: number | undefined;
    let toolText = '';
    let inputTokens: number | undefined;
    let outputTokens: number | undefined;
    let finish: FinishReason | undefined;
    let stopped = false;
    try {
      while (!stopped) {
        const next = await guarded(call, () => messages.next());
        if (next.done) break;
        const event = parseEvent(next.value.data);
        if (event.type === 'error') {
          const status = STATUS_OF_TYPE[event.error?.type ?? ''] ?? 500;
          throw new StructuredLLMError({
            category: categoryForStatus(status),
            status,
            message: `The stream failed: ${event.error?.message ?? 'unknown error'}`,
            // What failed, in plain words: never the event itself, which may echo the key.
            cause: new Error(`error event ${event.error?.type ?? ''}`.trim()),
          });
        }
        if (event.type === 'message_start' && event.message) {
          inputTokens = event.message.usage.input_tokens;
          yield { type: 'metadata', id: event.message.id, model: event.message.model };
        } else if (
          event.type === 'content_block_start' &&
          event.content_block?.type === 'tool_use'
        ) {
          toolBlock ??= event.index; // the first tool call is the answer
        } else if (event.type === 'content_block_delta') {
          const delta = event.delta;
          if (call.mode !== 'tool' && delta?.type === 'text_delta' && delta.text) {
            yield { type: 'text-delta', delta: delta.text };
          }
          if (call.mode === 'tool' && event.index === toolBlock && delta?.partial_json) {
            toolText += delta.partial_json;
            yield { type: 'text-delta', delta: delta.partial_json };
          }
        } else if (event.type === 'message_delta') {
          finish = finishReasonOf(event.delta?.stop_reason);
          outputTokens = event.usage?.output_tokens ?? outputTokens;
        } else if (event.type === 'message_stop') stopped = true;
      }
    } finally {
      await messages.return(undefined).catch(() => undefined);
    }
    if (!stopped || finish === undefined) {
      throw new StructuredLLMError({ category: 'network', message: 'The stream ended early' });
    }
    // A tool that streams no input at all was called with `{}`.
    if (call.mode === 'tool' && toolText === '') yield { type: 'text-delta', delta: '{}' };
    yield {
      type: 'finish',
      finishReason: finish,
      ...(inputTokens !== undefined &&
        outputTokens !== undefined && {
          usage: { inputTokens, outputTokens },
        }),
    };
  }

  return {
    specificationVersion: 'v1',
    id: 'example-anthropic',
    supports: () => ({ streaming: true, modes: ['json_schema', 'tool', 'prompt'] }),
    async doStream(call) {
      return parts(call, await post(call, true));
    },
    async doGenerate(call) {
      const response = await post(call, false);
      const answer = await guarded(call, () => response.text());
      const body = readMessage(answer);
      const block = body.content.find(
        (b) => b.type === (call.mode === 'tool' ? 'tool_use' : 'text'),
      );
      return {
        text: call.mode === 'tool' ? JSON.stringify(block?.input ?? {}) : (block?.text ?? ''),
        finishReason: finishReasonOf(body.stop_reason),
        id: body.id,
        model: body.model,
        usage: { inputTokens: body.usage.input_tokens, outputTokens: body.usage.output_tokens },
      };
    },
  };
}
