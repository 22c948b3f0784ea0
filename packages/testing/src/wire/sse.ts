/** Server-Sent-Events framing, exactly as the provider APIs write it (LF, one blank line after each event). */

/** `data: <json>\n\n` — OpenAI and OpenRouter chunks. */
export function dataEvent(payload: unknown): Buffer {
  return Buffer.from(`data: ${JSON.stringify(payload)}\n\n`, 'utf8');
}

/** `event: <name>\ndata: <json>\n\n` — Anthropic events and named error events. */
export function namedEvent(name: string, payload: unknown): Buffer {
  return Buffer.from(`event: ${name}\ndata: ${JSON.stringify(payload)}\n\n`, 'utf8');
}

/** `data: <text>\n\n` with the text as is (`[DONE]`, or a deliberately broken payload). */
export function rawDataEvent(text: string): Buffer {
  return Buffer.from(`data: ${text}\n\n`, 'utf8');
}

/** `: <text>\n\n` — an SSE comment, which clients ignore (OpenRouter's keep-alive). */
export function commentEvent(text: string): Buffer {
  return Buffer.from(`: ${text}\n\n`, 'utf8');
}

/** Splits an SSE body after each blank line, keeping every byte. */
export function splitEvents(body: Buffer): Buffer[] {
  const events: Buffer[] = [];
  let start = 0;
  for (let i = 0; i + 1 < body.length; i++) {
    if (body[i] === 0x0a && body[i + 1] === 0x0a) {
      events.push(body.subarray(start, i + 2));
      start = i + 2;
      i++;
    }
  }
  if (start < body.length) events.push(body.subarray(start));
  return events;
}
