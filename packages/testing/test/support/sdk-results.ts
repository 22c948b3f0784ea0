import type Anthropic from '@anthropic-ai/sdk';
import type OpenAI from 'openai';

/** What a raw OpenAI-style stream carried for choice 0, accumulated chunk by chunk. */
export interface OpenAIStreamSummary {
  readonly id: string | undefined;
  readonly model: string | undefined;
  readonly content: string;
  readonly refusal: string;
  /** Tool-call arguments by tool-call index, in index order. */
  readonly toolArguments: string[];
  readonly toolNames: string[];
  readonly finishReason: string | undefined;
  readonly usage: { inputTokens: number; outputTokens: number } | undefined;
}

export async function summarizeOpenAIStream(
  stream: AsyncIterable<OpenAI.Chat.Completions.ChatCompletionChunk>,
): Promise<OpenAIStreamSummary> {
  let id: string | undefined;
  let model: string | undefined;
  let content = '';
  let refusal = '';
  const tools = new Map<number, { name: string; args: string }>();
  let finishReason: string | undefined;
  let usage: OpenAIStreamSummary['usage'];
  for await (const chunk of stream) {
    id ??= chunk.id;
    model ??= chunk.model;
    if (chunk.usage) {
      usage = {
        inputTokens: chunk.usage.prompt_tokens,
        outputTokens: chunk.usage.completion_tokens,
      };
    }
    for (const choice of chunk.choices) {
      if (choice.index !== 0) continue;
      content += choice.delta?.content ?? '';
      refusal += choice.delta?.refusal ?? '';
      for (const call of choice.delta?.tool_calls ?? []) {
        const tool = tools.get(call.index) ?? { name: '', args: '' };
        tool.name += call.function?.name ?? '';
        tool.args += call.function?.arguments ?? '';
        tools.set(call.index, tool);
      }
      finishReason = choice.finish_reason ?? finishReason;
    }
  }
  const ordered = [...tools.entries()].sort(([a], [b]) => a - b).map(([, tool]) => tool);
  return {
    id,
    model,
    content,
    refusal,
    toolArguments: ordered.map((tool) => tool.args),
    toolNames: ordered.map((tool) => tool.name),
    finishReason,
    usage,
  };
}

/** What a raw Anthropic stream carried, accumulated event by event. */
export interface AnthropicStreamSummary {
  readonly id: string | undefined;
  readonly model: string | undefined;
  /** Concatenated text deltas of every text block. */
  readonly text: string;
  /** Concatenated `input_json_delta`s of each tool_use block, in block order. */
  readonly toolInputs: string[];
  readonly stopReason: string | undefined;
  readonly usage: { inputTokens: number; outputTokens: number } | undefined;
}

export async function summarizeAnthropicStream(
  stream: AsyncIterable<Anthropic.Messages.RawMessageStreamEvent>,
): Promise<AnthropicStreamSummary> {
  let id: string | undefined;
  let model: string | undefined;
  let text = '';
  const inputs = new Map<number, string>();
  let stopReason: string | undefined;
  let inputTokens = 0;
  let outputTokens = 0;
  let sawUsage = false;
  for await (const event of stream) {
    if (event.type === 'message_start') {
      id = event.message.id;
      model = event.message.model;
      inputTokens = event.message.usage.input_tokens;
      outputTokens = event.message.usage.output_tokens;
      sawUsage = true;
    } else if (event.type === 'content_block_start' && event.content_block.type === 'tool_use') {
      inputs.set(event.index, '');
    } else if (event.type === 'content_block_delta') {
      if (event.delta.type === 'text_delta') text += event.delta.text;
      if (event.delta.type === 'input_json_delta') {
        inputs.set(event.index, (inputs.get(event.index) ?? '') + event.delta.partial_json);
      }
    } else if (event.type === 'message_delta') {
      stopReason = event.delta.stop_reason ?? stopReason;
      outputTokens = event.usage.output_tokens;
    }
  }
  return {
    id,
    model,
    text,
    toolInputs: [...inputs.entries()].sort(([a], [b]) => a - b).map(([, input]) => input),
    stopReason,
    usage: sawUsage ? { inputTokens, outputTokens } : undefined,
  };
}
