import type { StructuredLLMError } from '../errors/index.ts';
import type { Message, OutputMode } from '../provider/index.ts';
import type { JsonSchema } from '../schema/index.ts';

const ROLES = new Set(['system', 'user', 'assistant']);

/**
 * What is wrong with a prompt ("has no messages"), if anything: a prompt is a string
 * or a list of `{ role, content }` messages; anything else is the caller's mistake.
 */
export function promptProblem(prompt: unknown): string | undefined {
  if (typeof prompt === 'string') return undefined;
  if (!Array.isArray(prompt)) {
    return `must be a string or an array of messages, got ${prompt === null ? 'null' : typeof prompt}`;
  }
  return prompt.length === 0 ? 'has no messages' : promptMessageProblem(prompt);
}

function promptMessageProblem(messages: readonly unknown[]): string | undefined {
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i] as { role?: unknown; content?: unknown } | null;
    if (typeof message !== 'object' || message === null) return `message ${i} is not an object`;
    if (!ROLES.has(message.role as string)) {
      return `message ${i} has role ${JSON.stringify(message.role) ?? 'undefined'} (expected "system", "user" or "assistant")`;
    }
    if (typeof message.content !== 'string') return `message ${i} has no string content`;
  }
  return undefined;
}

/** The conversation for the first attempt. */
export function initialMessages(
  prompt: string | readonly Message[],
  system: string | undefined,
  mode: OutputMode,
  schema: JsonSchema,
): Message[] {
  const messages: Message[] = [];
  const instruction = schemaInstruction(mode, schema);
  const systemText = [system, instruction].filter((part) => part !== undefined).join('\n\n');
  if (systemText !== '') messages.push({ role: 'system', content: systemText });
  if (typeof prompt === 'string') messages.push({ role: 'user', content: prompt });
  else messages.push(...prompt);
  return messages;
}

/**
 * Where the API does not enforce the schema (json_object, prompt), the model
 * has to be told it. json_object also requires the word "JSON" in the messages.
 */
function schemaInstruction(mode: OutputMode, schema: JsonSchema): string | undefined {
  if (mode !== 'json_object' && mode !== 'prompt') return undefined;
  return `Respond with only a JSON value that matches this JSON Schema, with no other text:\n${JSON.stringify(schema)}`;
}

/**
 * The conversation for a re-ask after a parse or validation failure: the answer, and what
 * was wrong with it. `excerpt` is the failed answer as the attempt kept it (a `TextExcerpt`:
 * whole when short, else its head, an ellipsis line and its tail).
 */
export function reaskMessages(
  base: readonly Message[],
  excerpt: string,
  error: StructuredLLMError,
  schemaName: string,
): Message[] {
  const messages = [...base];
  if (excerpt !== '') messages.push({ role: 'assistant', content: excerpt });
  messages.push({
    role: 'user',
    content: `Your previous response could not be used (${error.category}): ${error.message}\nReply again with only a JSON value that matches the "${schemaName}" schema.`,
  });
  return messages;
}
