import type { FinishReason, OutputMode, Usage } from '@structllm/core';

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null;
}

const count = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;

/** The finish reason as the spec gives it: `{ unified, raw }` (V3, V4) or a plain string (V2). */
export interface ModelFinish {
  readonly unified: string | undefined;
  readonly raw: string | undefined;
}

export function readFinish(value: unknown): ModelFinish {
  if (typeof value === 'string') return { unified: value, raw: value };
  if (!isRecord(value)) return { unified: undefined, raw: undefined };
  return {
    unified: typeof value.unified === 'string' ? value.unified : undefined,
    raw: typeof value.raw === 'string' ? value.raw : undefined,
  };
}

/**
 * Whether a stream's finish means it was cut off: V4 says `interrupted`; a V3
 * provider closing a stream that never said why reports `other` with no raw reason.
 */
export function isCutOff(finish: ModelFinish): boolean {
  return (
    finish.unified === 'interrupted' || (finish.unified === 'other' && finish.raw === undefined)
  );
}

export function finishReasonOf(finish: ModelFinish): FinishReason {
  switch (finish.unified) {
    case 'stop':
    case 'tool-calls':
      return 'stop';
    case 'length':
      return 'length';
    case 'content-filter':
      return 'content_filter';
    case 'error':
      return 'error';
    default:
      return 'other';
  }
}

/**
 * Token usage: totals, plus cached input and reasoning tokens when the provider
 * reports a positive count (several providers fill in 0 when they know nothing).
 * Reads the nested V3/V4 shape and the flat V2 one.
 */
export function usageOf(value: unknown): Usage | undefined {
  if (!isRecord(value)) return undefined;
  const input = value.inputTokens;
  const output = value.outputTokens;
  const nested = isRecord(input) || isRecord(output);
  const inputTokens = count(isRecord(input) ? input.total : input);
  const outputTokens = count(isRecord(output) ? output.total : output);
  const cached = count(
    nested ? (isRecord(input) ? input.cacheRead : undefined) : value.cachedInputTokens,
  );
  const reasoning = count(
    nested ? (isRecord(output) ? output.reasoning : undefined) : value.reasoningTokens,
  );
  const usage: Usage = {
    ...(inputTokens === undefined ? {} : { inputTokens }),
    ...(outputTokens === undefined ? {} : { outputTokens }),
    ...(cached === undefined || cached === 0 ? {} : { cachedInputTokens: cached }),
    ...(reasoning === undefined || reasoning === 0 ? {} : { reasoningTokens: reasoning }),
  };
  return Object.keys(usage).length === 0 ? undefined : usage;
}

/** The spec's warnings: `{ type: 'unsupported', feature }` (V3, V4), `unsupported-setting` / `unsupported-tool` (V2). */
function unsupportedFeatures(warnings: unknown): string[] {
  if (!Array.isArray(warnings)) return [];
  const features: string[] = [];
  for (const warning of warnings) {
    if (!isRecord(warning)) continue;
    if (warning.type === 'unsupported' && typeof warning.feature === 'string') {
      features.push(warning.feature);
    } else if (warning.type === 'unsupported-setting' && typeof warning.setting === 'string') {
      features.push(warning.setting);
    } else if (warning.type === 'unsupported-tool') {
      features.push('tools');
    }
  }
  return features;
}

/**
 * The first unsupported feature that defeats the mode: the response format
 * for `json_schema`, the tools or the forced tool choice for `tool`. (In
 * `json_object` mode an ignored JSON format is harmless: the schema is in
 * the messages, as in `prompt` mode.)
 */
export function featureDefeatingMode(mode: OutputMode, warnings: unknown): string | undefined {
  const pattern =
    mode === 'json_schema'
      ? /response_?format|structured_?outputs?|json_?schema/i
      : mode === 'tool'
        ? /^tools?$|tool_?choice|function/i
        : undefined;
  if (pattern === undefined) return undefined;
  return unsupportedFeatures(warnings).find((feature) => pattern.test(feature));
}

/** Text of a generate result's content: the first call of the tool in `tool` mode, else the text parts. */
export function generatedText(
  content: readonly unknown[],
  mode: OutputMode,
  tool: string,
  structuredOutputText: unknown,
): string {
  if (mode === 'tool') {
    const calls = content.filter(
      (part): part is Readonly<Record<string, unknown>> =>
        isRecord(part) && part.type === 'tool-call',
    );
    const call = calls.find((part) => part.toolName === tool) ?? calls[0];
    if (call === undefined) return '';
    const input = call.input;
    if (typeof input === 'string') return input === '' ? '{}' : input;
    return input === undefined ? '{}' : JSON.stringify(input);
  }
  let text = '';
  for (const part of content) {
    if (isRecord(part) && part.type === 'text' && typeof part.text === 'string') text += part.text;
  }
  if (text === '' && typeof structuredOutputText === 'string') return structuredOutputText;
  return text;
}
