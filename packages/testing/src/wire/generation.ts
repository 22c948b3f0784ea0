import type { OutputMode } from '@structllm/core';
import type { ParsedRequest } from './recorded-request.ts';
import type { GenerateScript, ScriptedFinish, StreamFault, WireDialect } from './types.ts';

/** A generate script resolved against the request it answers. */
export interface Generation {
  readonly mode: OutputMode;
  /** The whole output text (the refusal text when refusing). */
  readonly text: string;
  /** The output cut into deltas. */
  readonly chunks: readonly string[];
  readonly refusal: boolean;
  readonly id: string;
  readonly model: string;
  /** Unix seconds. */
  readonly created: number;
  readonly usage: { readonly inputTokens: number; readonly outputTokens: number };
  /** Whether a streamed OpenAI-style response reports usage. */
  readonly includeUsage: boolean;
  readonly finish: ScriptedFinish;
  readonly toolName: string;
  readonly toolCallId: string;
  readonly namedToolChoice: boolean;
  readonly keepAliveEvery: number;
  readonly fault: StreamFault | undefined;
}

/** Cuts text into pieces of `size` code points, so no surrogate pair is split. */
function chunkCodePoints(text: string, size: number): string[] {
  const points = Array.from(text);
  const step = Math.max(1, Math.floor(size));
  const chunks: string[] = [];
  for (let i = 0; i < points.length; i += step) chunks.push(points.slice(i, i + step).join(''));
  return chunks;
}

function outputText(script: GenerateScript): string {
  if (script.refusal !== undefined) return script.refusal;
  if (script.text !== undefined) return script.text;
  return JSON.stringify(script.json === undefined ? {} : script.json);
}

const ID_PREFIX: Record<WireDialect, string> = {
  openai: 'chatcmpl-fake-',
  openrouter: 'gen-fake-',
  anthropic: 'msg_fake_',
};

export function resolveGeneration(
  script: GenerateScript,
  request: ParsedRequest,
  dialect: WireDialect,
  sequence: number,
): Generation {
  const text = outputText(script);
  const chunks = chunkCodePoints(text, script.chunkSize ?? 8);
  const recorded = request.recorded;
  return {
    mode: script.mode ?? recorded.mode,
    text,
    chunks,
    refusal: script.refusal !== undefined,
    id: script.id ?? `${ID_PREFIX[dialect]}${sequence}`,
    model: script.model ?? recorded.model ?? 'fake-model',
    created: 1_700_000_000 + sequence,
    usage: script.usage ?? {
      inputTokens: Math.max(1, Math.ceil(recorded.rawBody.length / 4)),
      outputTokens: chunks.length,
    },
    includeUsage: dialect !== 'openai' || request.includeUsage,
    finish: script.finish ?? 'stop',
    toolName: script.toolName ?? request.toolName ?? 'json',
    toolCallId: `${dialect === 'anthropic' ? 'toolu_fake_' : 'call_fake_'}${sequence}`,
    namedToolChoice: request.namedToolChoice,
    keepAliveEvery: script.keepAliveEvery ?? 0,
    fault: script.fault,
  };
}

/** A dialect's way of writing a generated answer and its errors. */
export interface DialectWriter {
  /** Events before the first output delta (role chunk / message_start …). */
  opening(gen: Generation): Buffer[];
  /** The event carrying output delta `piece`. */
  delta(gen: Generation, piece: string): Buffer;
  keepAlive(): Buffer;
  /** An event whose JSON payload is cut short. */
  malformedEvent(): Buffer;
  /** Events after the last delta: finish, usage, terminator. */
  closing(gen: Generation): Buffer[];
  /** The mid-stream error events (the response ends after them); `fields` join the error object. */
  errorEvents(
    gen: Generation,
    status: number,
    message: string | undefined,
    fields?: Readonly<Record<string, unknown>>,
  ): Buffer[];
  /** The non-streaming JSON body. */
  body(gen: Generation): unknown;
  /** An HTTP error's JSON body; `fields` join its error object. */
  errorBody(
    status: number,
    message: string | undefined,
    type: string | undefined,
    code: string | null | undefined,
    fields?: Readonly<Record<string, unknown>>,
  ): unknown;
  /** Default status of a mid-stream error event. */
  readonly midStreamStatus: number;
  /** The response header carrying the request id. */
  readonly requestIdHeader: string;
}

/** How a streamed response ends after its events are written. */
export type StreamEnding = 'end' | 'stall' | 'reset';

/** The events of a streamed generation, with its scripted fault applied. */
export function streamEvents(
  writer: DialectWriter,
  gen: Generation,
): { readonly events: Buffer[]; readonly ending: StreamEnding } {
  const events = writer.opening(gen);
  const fault = gen.fault;
  const stopAt =
    fault === undefined || fault.type === 'stall-before-headers'
      ? gen.chunks.length
      : Math.min(Math.max(0, fault.afterChunks), gen.chunks.length);
  for (let i = 0; i < stopAt; i++) {
    events.push(writer.delta(gen, gen.chunks[i] as string));
    if (gen.keepAliveEvery > 0 && (i + 1) % gen.keepAliveEvery === 0) {
      events.push(writer.keepAlive());
    }
  }
  switch (fault?.type) {
    case 'stall':
      return { events, ending: 'stall' };
    case 'truncate':
      return { events, ending: 'end' };
    case 'reset':
      return { events, ending: 'reset' };
    case 'error-event':
      events.push(
        ...writer.errorEvents(
          gen,
          fault.status ?? writer.midStreamStatus,
          fault.message,
          fault.fields,
        ),
      );
      return { events, ending: 'end' };
    case 'malformed-event':
      events.push(writer.malformedEvent());
      return { events, ending: 'end' };
    default:
      events.push(...writer.closing(gen));
      return { events, ending: 'end' };
  }
}
