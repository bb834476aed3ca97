// The answer's text while the model still writes it (processing events with `text`, when the
// service runs with GIGACHAT_STREAM_PROGRESS). Models answer in JSON; what a reader wants to see is
// the "text" field, even half written. Pure function.

const ESCAPES = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

/** Readable text of a partial answer: its "text" field when it is JSON, the text itself otherwise. */
export function draftText(raw) {
  const text = String(raw ?? '').trimStart().replace(/^```[a-z]*\s*/i, '');
  if (!text.startsWith('{') && !text.startsWith('[')) return text.trim();
  const field = /"text"\s*:\s*"/.exec(text);
  return field ? readJsonString(text, field.index + field[0].length) : '';
}

/** The JSON string starting at `from` (after its opening quote), up to its end or the end of the text. */
function readJsonString(text, from) {
  let out = '';
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (c === '"') break;
    if (c !== '\\') { out += c; continue; }
    const next = text[i + 1];
    if (next === undefined) break; // the escape is still being written
    if (next === 'u') {
      const hex = text.slice(i + 2, i + 6);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) break;
      out += String.fromCharCode(parseInt(hex, 16));
      i += 5;
    } else {
      out += ESCAPES[next] ?? next;
      i += 1;
    }
  }
  return out;
}
