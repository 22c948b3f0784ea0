/**
 * A minimal OpenAI-compatible StructuredProvider on plain `fetch`: the example
 * for plugin authors of what `runProviderConformance` expects. It passes the
 * suite on the OpenAI and OpenRouter wires (see example-provider.test.ts).
 */
import {
  type FinishReason,
  StructuredLLMError,
  type StructuredProvider,
  type Usage,
} from '@structllm/core';
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
  message?: string;
  type?: string;
  code?: unknown;
  status_code?: unknown;
}
interface Chunk {
  id?: string;
  model?: string;
  error?: WireError;
  usage?: { prompt_tokens: number; completion_tokens: number } | null;
  choices?: Array<{
    index?: number;
    delta?: {
      content?: string | null;
      refusal?: string | null;
      tool_calls?: Array<{ index: number; function?: { arguments?: string } }>;
    };
    finish_reason?: string | null;
  }>;
}

const aborted = (signal: AbortSignal) =>
  new StructuredLLMError({
    category: 'aborted',
    message: 'The call was aborted',
    cause: signal.reason,
  });

function finishReasonOf(reason: string): FinishReason {
  if (reason === 'stop' || reason === 'tool_calls') return 'stop';
  if (reason === 'length' || reason === 'content_filter' || reason === 'error') return reason;
  return 'other';
}

/** A mid-stream error object → its category: a numeric code or status_code is an HTTP status. */
function midStreamError(error: WireError): StructuredLLMError {
  const status = [error.code, error.status_code].find((value) => typeof value === 'number');
  const byType = /rate_limit|requests/.test(`${error.type} ${error.code}`)
    ? 'rate_limit'
    : 'server';
  return new StructuredLLMError({
    category: typeof status === 'number' ? categoryForStatus(status) : byType,
    message: `The stream failed: ${error.message ?? 'unknown error'}`,
    ...(typeof status === 'number' ? { status } : {}),
    // What failed, in plain words: never the event itself, which may echo the key in any field.
    cause: new Error(`error event ${error.type ?? ''}`.trim()),
  });
}

function parseChunk(data: string): Chunk {
  try {
    return JSON.parse(data) as Chunk;
  } catch (error) {
    throw new StructuredLLMError({
      category: 'server',
      message: 'The API sent a broken event',
      cause: error,
    });
  }
}

interface Completion {
  id: string;
  model: string;
  usage?: { prompt_tokens: number; completion_tokens: number };
  choices: Array<{
    finish_reason: string;
    message: {
      content: string | null;
      refusal?: string | null;
      tool_calls?: Array<{ function: { arguments: string } }>;
    };
  }>;
}

/** The completion in a 200's body; anything else (a proxy's HTML page, `{}`) is `unexpected_answer`. */
function readCompletion(text: string): Completion {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw unexpectedAnswerError('Example', text, 'a chat completion');
  }
  const choices = (body as { choices?: unknown } | null)?.choices;
  const message = Array.isArray(choices) ? (choices[0] as { message?: unknown })?.message : null;
  if (typeof message !== 'object' || message === null) {
    throw unexpectedAnswerError('Example', body, 'a chat completion');
  }
  return body as Completion;
}

export function createExampleProvider(options: {
  readonly baseURL: string;
  readonly apiKey: string;
  readonly id?: string;
  /** Default: the global `fetch`. */
  readonly fetch?: typeof fetch;
}): StructuredProvider {
  const requestBody = (call: ProviderCall, stream: boolean) => ({
    model: call.model,
    messages: call.messages,
    ...(call.maxOutputTokens === undefined ? {} : { max_tokens: call.maxOutputTokens }),
    ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
    ...(call.mode === 'json_schema' && {
      response_format: {
        type: 'json_schema',
        json_schema: { name: call.schemaName, schema: call.schema, strict: true },
      },
    }),
    ...(call.mode === 'tool' && {
      tools: [{ type: 'function', function: { name: call.schemaName, parameters: call.schema } }],
      tool_choice: { type: 'function', function: { name: call.schemaName } },
    }),
    ...(call.mode === 'json_object' && { response_format: { type: 'json_object' } }),
  });

  /** Fails on a known signal before touching the network; maps every failure to a category. */
  async function guarded<T>(call: ProviderCall, run: () => Promise<T>): Promise<T> {
    if (call.signal.aborted) throw aborted(call.signal);
    try {
      return await run();
    } catch (error) {
      if (call.signal.aborted) throw aborted(call.signal);
      if (StructuredLLMError.is(error)) throw error;
      const category = error instanceof SyntaxError ? 'server' : 'network';
      throw new StructuredLLMError({
        category,
        message: 'The API connection failed',
        cause: error,
      });
    }
  }

  const post = (call: ProviderCall, stream: boolean) =>
    guarded(call, async () => {
      const response = await (options.fetch ?? fetch)(`${options.baseURL}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${options.apiKey}` },
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
    let metadataSent = false;
    let toolIndex: number | undefined;
    let finish: FinishReason | undefined;
    let refused = false;
    let usage: Usage | undefined;
    const messages = sseMessages(response.body as ReadableStream<Uint8Array>);
    try {
      yield* read();
    } finally {
      // Releases the connection when the consumer stops early; the stream's own error wins.
      await messages.return(undefined).catch(() => undefined);
    }
    async function* read(): AsyncGenerator<ProviderPart> {
      for (;;) {
        const next = await guarded(call, () => messages.next());
        if (next.done || next.value.data === '[DONE]') break;
        const chunk = parseChunk(next.value.data);
        if (next.value.event === 'error') throw midStreamError((chunk.error ?? chunk) as WireError);
        if (chunk.error) throw midStreamError(chunk.error);
        if (!metadataSent && chunk.id !== undefined) {
          metadataSent = true;
          yield { type: 'metadata', id: chunk.id, ...(chunk.model ? { model: chunk.model } : {}) };
        }
        if (chunk.usage) {
          usage = {
            inputTokens: chunk.usage.prompt_tokens,
            outputTokens: chunk.usage.completion_tokens,
          };
        }
        const choice = chunk.choices?.find((c) => (c.index ?? 0) === 0);
        if (choice?.delta?.refusal) refused = true;
        if (call.mode !== 'tool' && choice?.delta?.content) {
          yield { type: 'text-delta', delta: choice.delta.content };
        }
        for (const toolCall of choice?.delta?.tool_calls ?? []) {
          toolIndex ??= toolCall.index; // the first tool call is the answer, whatever its index
          const args = toolCall.function?.arguments;
          if (call.mode === 'tool' && toolCall.index === toolIndex && args) {
            yield { type: 'text-delta', delta: args };
          }
        }
        if (choice?.finish_reason) finish = finishReasonOf(choice.finish_reason);
      }
      if (finish === undefined) {
        throw new StructuredLLMError({ category: 'network', message: 'The stream ended early' });
      }
      yield {
        type: 'finish',
        finishReason: refused ? 'content_filter' : finish,
        ...(usage && { usage }),
      };
    }
  }

  return {
    specificationVersion: 'v1',
    id: options.id ?? 'example',
    supports: () => ({ streaming: true, modes: ['json_schema', 'tool', 'json_object', 'prompt'] }),
    async doStream(call) {
      return parts(call, await post(call, true));
    },
    async doGenerate(call) {
      const response = await post(call, false);
      const answer = await guarded(call, () => response.text());
      const body = readCompletion(answer);
      const choice = body.choices[0];
      const text =
        call.mode === 'tool'
          ? (choice?.message.tool_calls?.[0]?.function.arguments ?? '')
          : (choice?.message.content ?? '');
      return {
        text,
        finishReason: choice?.message.refusal
          ? 'content_filter'
          : finishReasonOf(choice?.finish_reason ?? ''),
        id: body.id,
        model: body.model,
        ...(body.usage && {
          usage: {
            inputTokens: body.usage.prompt_tokens,
            outputTokens: body.usage.completion_tokens,
          },
        }),
      };
    },
  };
}
