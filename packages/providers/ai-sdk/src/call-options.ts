import type { Message } from '@structllm/core';
import type { ProviderCall } from '@structllm/core/provider';
import type { AISDKCallOptions, AISDKMessage, AISDKProviderOptions } from './language-model.ts';

function toMessage(message: Message): AISDKMessage {
  if (message.role === 'system') return { role: 'system', content: message.content };
  return { role: message.role, content: [{ type: 'text', text: message.content }] };
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * `providerOptions[id]` of the call, passed on as the AI SDK's own provider
 * options (keyed by the AI SDK provider's name: `{ openai: { … } }`).
 */
function providerOptionsOf(call: ProviderCall, id: string): AISDKProviderOptions | undefined {
  const options = call.providerOptions?.[id];
  if (!isRecord(options)) return undefined;
  const out: AISDKProviderOptions = {};
  for (const [name, value] of Object.entries(options)) {
    if (isRecord(value)) out[name] = value as AISDKProviderOptions[string];
  }
  return out;
}

/** A tool / schema name every API accepts: letters, digits, `_` and `-`, at most 64 characters. */
export function toolName(name: string): string {
  const cleaned = name.replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, 64);
  return cleaned === '' ? 'response' : cleaned;
}

/**
 * The AI SDK call options for a call: `json_schema` a JSON response format with
 * the schema, `tool` one function tool the model must call, `json_object` a
 * JSON response format without a schema, `prompt` plain text (the engine has
 * put the schema in the messages). The AI SDK's own retries are not involved:
 * `doStream` / `doGenerate` make one request.
 */
export function toCallOptions(call: ProviderCall, id: string): AISDKCallOptions {
  const schema = call.schema as object;
  const name = toolName(call.schemaName);
  const description =
    call.schemaDescription === undefined ? {} : { description: call.schemaDescription };
  const providerOptions = providerOptionsOf(call, id);
  return {
    prompt: call.messages.map(toMessage),
    abortSignal: call.signal,
    ...(call.maxOutputTokens === undefined ? {} : { maxOutputTokens: call.maxOutputTokens }),
    ...(call.temperature === undefined ? {} : { temperature: call.temperature }),
    ...(call.mode === 'json_schema'
      ? { responseFormat: { type: 'json', schema, name, ...description } }
      : {}),
    ...(call.mode === 'json_object' ? { responseFormat: { type: 'json' } } : {}),
    ...(call.mode === 'tool'
      ? {
          tools: [{ type: 'function', name, inputSchema: schema, ...description }],
          toolChoice: { type: 'tool', toolName: name },
        }
      : {}),
    ...(providerOptions === undefined ? {} : { providerOptions }),
  };
}
