import type { AttemptRecord, ErrorCategory } from '@structllm/core';
import { StructuredLLMError } from '@structllm/core';
import { ERROR_CATEGORIES } from '@structllm/core/provider';

/** The wire protocol's version (docs/protocol.md). A client refuses any other. */
export const PROTOCOL_VERSION = 2;

/** Response header carrying the protocol version. */
export const PROTOCOL_HEADER = 'x-structllm-protocol';

/** One Server-Sent Event as the protocol sends it: every event has an `id`. */
export interface WireEvent {
  readonly id: number;
  /** The event name; `message` (the most frequent, `text`) is sent with no `event:` line. */
  readonly type: string;
  readonly data: string;
}

/** One event read from an event stream, before the protocol interprets it. */
export interface SseEvent {
  readonly id: string | undefined;
  readonly type: string;
  readonly data: string;
}

/** The event's bytes on the wire: `id:`, `event:` (not for `message`) and one `data:` line per line of `data`. */
export function encodeEvent(event: WireEvent): string {
  const type = event.type === EVENT.text ? '' : `event:${event.type}\n`;
  return `id:${event.id}\n${type}data:${dataLines(event.data)}\n\n`;
}

/** `data` with `data:` before each further line; a line starting with a space keeps it (a reader drops one). */
function dataLines(data: string): string {
  const first = data.charCodeAt(0) === 32 ? ` ${data}` : data;
  if (!data.includes('\n')) return first;
  return first.replaceAll('\n ', '\n  ').replaceAll('\n', '\ndata:');
}

/** The protocol's event names: text, the most frequent, is the unnamed (`message`) event. */
export const EVENT = {
  open: 'open',
  attempt: 'attempt',
  text: 'message',
  progress: 'progress',
  element: 'element',
  result: 'result',
  error: 'error',
} as const;

/**
 * `text` events: `<attempt> <percent> <text>`, or `<attempt> <percent>j <text as a JSON string>`
 * when the text holds a carriage return (Server-Sent Events reads one as a line end).
 */
export function encodeText(attempt: number, percent: number, text: string): string {
  const head = `${attempt} ${Math.round(percent * 10) / 10}`;
  if (text.includes('\r')) return `${head}j ${JSON.stringify(text)}`;
  return `${head} ${text}`;
}

export interface TextEvent {
  readonly attempt: number;
  readonly percent: number;
  readonly text: string;
}

/** Reads a `text` event's data; undefined when it is malformed. */
export function decodeText(data: string): TextEvent | undefined {
  const first = data.indexOf(' ');
  const second = first < 0 ? -1 : data.indexOf(' ', first + 1);
  if (second < 0) return undefined;
  const attempt = Number(data.slice(0, first));
  const json = data.charCodeAt(second - 1) === 106; // 'j'
  const percent = Number(data.slice(first + 1, json ? second - 1 : second));
  if (
    !Number.isInteger(attempt) ||
    attempt < 1 ||
    second === first + 1 ||
    !Number.isFinite(percent)
  ) {
    return undefined;
  }
  const body = data.slice(second + 1);
  if (!json) return { attempt, percent, text: body };
  try {
    const text: unknown = JSON.parse(body);
    return typeof text === 'string' ? { attempt, percent, text } : undefined;
  } catch {
    return undefined;
  }
}

/** A request's error as it crosses the wire: no cause, nothing but what the user may see. */
export function errorToWire(error: StructuredLLMError): string {
  return JSON.stringify({
    category: error.category,
    code: error.code ?? null,
    message: error.message,
    retryable: error.retryable,
    status: error.status,
    retryAfterMs: error.retryAfterMs,
    attempts: error.attempts.map((a) => ({
      attempt: a.attempt,
      model: a.model,
      provider: a.provider,
      category: a.category,
      message: a.message,
      delayMs: a.delayMs,
    })),
  });
}

function isCategory(value: unknown): value is ErrorCategory {
  return typeof value === 'string' && (ERROR_CATEGORIES as readonly string[]).includes(value);
}

/** The error an `error` event carries; undefined when it is malformed. */
export function errorFromWire(data: string): StructuredLLMError | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    return undefined;
  }
  return errorFromJson(parsed);
}

/** {@link errorFromWire} for the error already parsed (inside an `element` event). */
export function errorFromJson(parsed: unknown): StructuredLLMError | undefined {
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const wire = parsed as Record<string, unknown>;
  if (typeof wire.message !== 'string') return undefined;
  const attempts: AttemptRecord[] = [];
  if (Array.isArray(wire.attempts)) {
    for (const a of wire.attempts as unknown[]) {
      if (typeof a !== 'object' || a === null) continue;
      const r = a as Record<string, unknown>;
      if (typeof r.attempt !== 'number' || typeof r.model !== 'string') continue;
      attempts.push({
        attempt: r.attempt,
        model: r.model,
        ...(typeof r.provider === 'string' ? { provider: r.provider } : {}),
        ...(isCategory(r.category) ? { category: r.category } : {}),
        ...(typeof r.message === 'string' ? { message: r.message } : {}),
        ...(typeof r.delayMs === 'number' ? { delayMs: r.delayMs } : {}),
      });
    }
  }
  return new StructuredLLMError({
    category: isCategory(wire.category) ? wire.category : 'unknown',
    message: wire.message,
    attempts,
    ...(typeof wire.retryable === 'boolean' ? { retryable: wire.retryable } : {}),
    ...(typeof wire.code === 'string' ? { code: wire.code } : {}),
    ...(typeof wire.status === 'number' ? { status: wire.status } : {}),
    ...(typeof wire.retryAfterMs === 'number' ? { retryAfterMs: wire.retryAfterMs } : {}),
  });
}

/**
 * An incremental Server-Sent Events reader: feed it text in any pieces, it
 * calls `onEvent` for each complete event and `onComment` for comments
 * (heartbeats). Line ends are found with `indexOf`, a line cut across pieces
 * is joined once: work is linear in the input, however it is cut.
 */
export interface SseReader {
  write(text: string): void;
  /** True when the input ended in the middle of an event. */
  readonly midEvent: boolean;
}

export function createSseReader(
  onEvent: (event: SseEvent) => void,
  onComment?: () => void,
): SseReader {
  let pieces: string[] = []; // the start of a line cut across writes
  let skipLf = false; // the previous piece ended with CR: a leading LF belongs to it
  let type = '';
  let data: string[] = [];
  let id: string | undefined;
  let fields = false;

  const line = (text: string): void => {
    if (text === '') {
      if (data.length > 0) {
        onEvent({
          id,
          type: type === '' ? 'message' : type,
          data: data.length === 1 ? (data[0] as string) : data.join('\n'),
        });
      }
      type = '';
      data = [];
      id = undefined;
      fields = false;
      return;
    }
    const colon = text.indexOf(':');
    if (colon === 0) {
      onComment?.();
      return;
    }
    fields = true;
    const name = colon < 0 ? text : text.slice(0, colon);
    const value =
      colon < 0 ? '' : text.slice(text.charCodeAt(colon + 1) === 32 ? colon + 2 : colon + 1);
    if (name === 'data') data.push(value);
    else if (name === 'event') type = value;
    else if (name === 'id' && !value.includes('\0')) id = value;
  };

  return {
    write(text) {
      let start = 0;
      if (skipLf) {
        skipLf = false;
        if (text.charCodeAt(0) === 10) start = 1;
      }
      let lf = text.indexOf('\n', start);
      let cr = text.indexOf('\r', start);
      while (lf !== -1 || cr !== -1) {
        const end = lf === -1 ? cr : cr === -1 ? lf : Math.min(lf, cr);
        let content = text.slice(start, end);
        if (pieces.length > 0) {
          pieces.push(content);
          content = pieces.join('');
          pieces = [];
        }
        line(content);
        start = end + 1;
        if (end === cr) {
          if (start === text.length) skipLf = true;
          else if (text.charCodeAt(start) === 10) start++;
        }
        if (lf !== -1 && lf < start) lf = text.indexOf('\n', start);
        if (cr !== -1 && cr < start) cr = text.indexOf('\r', start);
      }
      if (start < text.length) pieces.push(start === 0 ? text : text.slice(start));
    },
    get midEvent() {
      return pieces.length > 0 || fields;
    },
  };
}
