import type { OutputMode } from '@structllm/core';
import type { ProviderCapabilities } from '@structllm/core/provider';

export const ALL_MODES: readonly OutputMode[] = Object.freeze([
  'json_schema',
  'tool',
  'json_object',
  'prompt',
]);
const NO_SCHEMA_MODES: readonly OutputMode[] = Object.freeze(['tool', 'json_object', 'prompt']);
const TOOL_AND_PROMPT: readonly OutputMode[] = Object.freeze(['tool', 'prompt']);
const PROMPT_ONLY: readonly OutputMode[] = Object.freeze(['prompt']);

/**
 * The output modes OpenAI's own models accept on chat completions, by family.
 * Returns undefined for a model name it does not know (a fine-tune's base is
 * looked up; other names — Ollama, vLLM, gateways — are the caller's default).
 */
export function openAIModelModes(model: string): readonly OutputMode[] | undefined {
  const name = model.startsWith('ft:') ? (model.slice(3).split(':')[0] ?? '') : model;
  // o1-preview and o1-mini took neither response_format nor tools.
  if (/^o1-(preview|mini)\b/.test(name)) return PROMPT_ONLY;
  // Structured outputs (json_schema with strict) arrived with gpt-4o-2024-08-06.
  if (/^(gpt-4o|chatgpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|o1|o3|o4|gpt-oss)/.test(name)) return ALL_MODES;
  // JSON mode arrived with the 1106 turbo models.
  if (/^(gpt-4-turbo|gpt-4-(0125|1106)|gpt-3\.5-turbo)/.test(name)) return NO_SCHEMA_MODES;
  if (/^gpt-4(-\d{4})?$/.test(name) || /^gpt-4-32k/.test(name)) return TOOL_AND_PROMPT;
  return undefined;
}

/** Capabilities for a model: the caller's `supports` first, then fixed `modes`, then the family table, then `fallback`. */
export function resolveCapabilities(
  model: string,
  options: {
    readonly supports?: (model: string) => ProviderCapabilities | undefined;
    readonly modes?: readonly OutputMode[];
    readonly known?: (model: string) => readonly OutputMode[] | undefined;
    readonly fallback: readonly OutputMode[];
  },
): ProviderCapabilities {
  const custom = options.supports?.(model);
  if (custom !== undefined) return custom;
  if (options.modes !== undefined) return { streaming: true, modes: options.modes };
  return { streaming: true, modes: options.known?.(model) ?? options.fallback };
}
