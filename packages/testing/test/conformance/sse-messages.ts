/** Splits an SSE body into `{ event, data }` messages (comments and blank lines skipped). */
export async function* sseMessages(body: ReadableStream<Uint8Array>) {
  const reader = body.getReader();
  // A streaming decoder keeps a UTF-8 sequence split across reads intact.
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        let event: string | undefined;
        const data: string[] = [];
        for (const line of block.split('\n')) {
          if (line.startsWith('event:')) event = line.slice(6).trim();
          else if (line.startsWith('data:'))
            data.push(line.slice(line.startsWith('data: ') ? 6 : 5));
        }
        if (data.length > 0) yield { event, data: data.join('\n') };
      }
    }
  } finally {
    // Stopping early cancels the body, which closes the connection.
    await reader.cancel().catch(() => undefined);
  }
}
