import type { AttemptRecord, ErrorCategory } from '@structllm/core';
import { ERROR_CATEGORIES, StructuredLLMError } from '@structllm/core';

/** The wire protocol's version (docs/protocol.md). A client refuses any other. */
export const PROTOCOL_VERSION = 1;

/** Response header carrying the protocol version. */
export const PROTOCOL_HEADER = 'x-structllm-protocol';

/** One Server-Sent Event as the protocol sends it: every event has an `id`. */
export interface WireEvent {
  readonly id: number;
  readonly type: string;
  readonly data: string;
}

/** One event read from an event stream, before the protocol interprets it. */
export interface SseEvent {
  readonly id: string | undefined;
  readonly type: string;
  readonly data: string;
}

/** The event's bytes on the wire: `id:`, `event:` and one `data:` line per line of `data`. */
export function encodeEvent(event: WireEvent): string {
  const data = event.data.includes('\n') ? event.data.replaceAll('\n', '\ndata: ') : event.data;
  return `id: ${event.id}\nevent: ${event.type}\ndata: ${data}\n\n`;
}

/** The protocol's event names. */
export const EVENT = {
  open: 'open',
  attempt: 'attempt',
  text: 'text',
  progress: 'progress',
  result: 'result',
  error: 'error',
} as const;

/** `text` events: first data line `<attempt> <percent>` (+ ` json` when the text is a JSON string). */
export function encodeText(attempt: number, percent: number, text: string): string {
  // SSE splits lines at CR as well as LF: text holding a CR travels JSON-encoded.
  if (text.includes('\r')) return `${attempt} ${percent} json\n${JSON.stringify(text)}`;
  return `${attempt} ${percent}\n${text}`;
}

export interface TextEvent {
  readonly attempt: number;
  readonly percent: number;
  readonly text: string;
}

/** Reads a `text` event's data; undefined when it is malformed. */
export function decodeText(data: string): TextEvent | undefined {
  const newline = data.indexOf('\n');
  if (newline < 0) return undefined;
  const head = data.slice(0, newline).split(' ');
  const attempt = Number(head[0]);
  const percent = Number(head[1]);
  if (!Number.isInteger(attempt) || attempt < 1 || !Number.isFinite(percent)) return undefined;
  const body = data.slice(newline + 1);
  if (head.length === 2) return { attempt, percent, text: body };
  if (head.length !== 3 || head[2] !== 'json') return undefined;
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
    code: error.code,
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
 * (heartbeats). Work is linear in the input, however it is cut.
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
  let buffer = '';
  let scanned = 0;
  let skipLf = false; // the previous piece ended with CR: a leading LF belongs to it
  let type = '';
  let data: string[] = [];
  let id: string | undefined;
  let fields = false;

  const line = (text: string): void => {
    if (text === '') {
      if (data.length > 0) {
        onEvent({ id, type: type === '' ? 'message' : type, data: data.join('\n') });
      }
      type = '';
      data = [];
      id = undefined;
      fields = false;
      return;
    }
    if (text.startsWith(':')) {
      onComment?.();
      return;
    }
    fields = true;
    const colon = text.indexOf(':');
    const name = colon < 0 ? text : text.slice(0, colon);
    let value = colon < 0 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (name === 'data') data.push(value);
    else if (name === 'event') type = value;
    else if (name === 'id' && !value.includes('\0')) id = value;
  };

  return {
    write(text) {
      if (text === '') return;
      if (skipLf && text.startsWith('\n')) text = text.slice(1);
      skipLf = false;
      buffer += text;
      let start = 0;
      for (let i = scanned; i < buffer.length; i++) {
        const c = buffer.charCodeAt(i);
        if (c !== 10 && c !== 13) continue;
        line(buffer.slice(start, i));
        if (c === 13) {
          if (i + 1 === buffer.length) skipLf = true;
          else if (buffer.charCodeAt(i + 1) === 10) i++;
        }
        start = i + 1;
      }
      buffer = start === 0 ? buffer : buffer.slice(start);
      scanned = buffer.length;
    },
    get midEvent() {
      return buffer.length > 0 || fields;
    },
  };
}
