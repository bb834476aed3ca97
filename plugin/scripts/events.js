// Server-sent events (text/event-stream) parsed from a byte stream: the progress events of
// GET /api/ai/events/{id}. fetch is used instead of EventSource because EventSource cannot send
// the Authorization header. Pure parser + a reader.

/** Feeds text chunks, returns complete events {event, data} (data lines joined by "\n"). */
export function createSseParser() {
  let buffer = '';
  return function push(chunk) {
    buffer += chunk.replace(/\r\n?/g, '\n');
    const events = [];
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = 'message';
      const data = [];
      for (const line of block.split('\n')) {
        if (!line || line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') event = value;
        else if (field === 'data') data.push(value);
      }
      if (data.length > 0 || event !== 'message') events.push({ event, data: data.join('\n') });
    }
    return events;
  };
}

/** Reads a fetch Response body as SSE, calling onEvent for each; resolves when the stream ends. */
export async function readEvents(response, onEvent) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  const push = createSseParser();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    for (const e of push(decoder.decode(value, { stream: true }))) {
      if (onEvent(e) === false) { reader.cancel().catch(() => {}); return; }
    }
  }
}
