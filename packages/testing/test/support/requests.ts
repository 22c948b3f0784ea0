import type Anthropic from '@anthropic-ai/sdk';
import type { OutputMode } from '@structllm/core';
import type OpenAI from 'openai';

export const schema = {
  type: 'object' as const,
  properties: { value: {} },
  required: ['value'],
  additionalProperties: false,
};

/** The chat-completions parameters a provider sends for each output mode. */
export function openAIParams(
  mode: OutputMode,
): OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming {
  const base = { model: 'gpt-fake', messages: [{ role: 'user' as const, content: 'Answer.' }] };
  switch (mode) {
    case 'json_schema':
      return {
        ...base,
        response_format: {
          type: 'json_schema',
          json_schema: { name: 'answer', schema: { ...schema }, strict: true },
        },
      };
    case 'tool':
      return {
        ...base,
        tools: [
          {
            type: 'function',
            function: { name: 'answer', parameters: { ...schema }, strict: true },
          },
        ],
        tool_choice: { type: 'function', function: { name: 'answer' } },
      };
    case 'json_object':
      return { ...base, response_format: { type: 'json_object' } };
    case 'prompt':
      return base;
  }
}

/** The messages parameters a provider sends for each output mode Anthropic has. */
export function anthropicParams(
  mode: OutputMode,
): Anthropic.Messages.MessageCreateParamsNonStreaming {
  const base = {
    model: 'claude-fake-1',
    max_tokens: 1024,
    messages: [{ role: 'user' as const, content: 'Answer.' }],
  };
  switch (mode) {
    case 'json_schema':
      return { ...base, output_config: { format: { type: 'json_schema', schema: { ...schema } } } };
    case 'tool':
      return {
        ...base,
        tools: [{ name: 'answer', input_schema: { ...schema, required: [...schema.required] } }],
        tool_choice: { type: 'tool', name: 'answer' },
      };
    default:
      return base;
  }
}
