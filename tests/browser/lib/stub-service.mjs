// A tiny stand-in for the service, only for answers the real one cannot be made to give on demand
// (403, 409 on a finished request, 503 with Retry-After, a request that never finishes, a 500).
// Everything else in the browser tests goes to the real service.
import { createServer } from 'node:http';

export async function startStub() {
  const state = { mode: 'ok', hits: [] };
  const server = createServer((req, res) => {
    const cors = {
      'Access-Control-Allow-Origin': req.headers.origin ?? '*',
      'Access-Control-Allow-Headers': 'Authorization, Content-Type, X-API-Key',
      'Access-Control-Allow-Methods': 'GET, POST',
      'Access-Control-Expose-Headers': 'Retry-After',
    };
    if (req.method === 'OPTIONS') { res.writeHead(204, cors).end(); return; }
    state.hits.push(`${req.method} ${req.url}`);
    const json = (status, body, headers = {}) => {
      res.writeHead(status, { ...cors, 'Content-Type': status >= 400 ? 'application/problem+json' : 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    const path = new URL(req.url, 'http://x').pathname;
    if (path === '/api/prompts/categories') return json(200, [{ name: 'spreadsheet-analysis', display_name: 'Проанализировать' }]);
    if (path === '/api/prompts/presets') return json(200, []);
    if (path === '/api/v1/ai/process') {
      switch (state.mode) {
        case '403': return json(403, { title: 'Forbidden', status: 403 });
        case '503': return json(503, { title: 'Сервис перегружен', status: 503 }, { 'Retry-After': '7' });
        case '500': res.writeHead(500, cors).end('System.InvalidOperationException: stack trace'); return;
        default: return json(202, { request_id: 'r1', status: 'queued', category: 'spreadsheet-analysis' });
      }
    }
    const streams = state.mode === 'events' || state.mode === 'streamed';
    if (path.startsWith('/api/ai/events/') && streams) {
      // The progress stream the service is getting (issue: GET /api/ai/events/{id}), status JSON as data.
      res.writeHead(200, { ...cors, 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store' });
      const send = (event, status, extra = {}) => res.write(`event: ${event}\ndata: ${JSON.stringify({ request_id: 'r1', status, ...extra })}\n\n`);
      res.write(': connected\n\n');
      send('queued', 'queued');
      setTimeout(() => send('processing', 'processing'), 100);
      // GIGACHAT_STREAM_PROGRESS: processing events without id carry the model's text so far.
      const texts = state.mode === 'streamed' ? ['{"text": "Итоги', '{"text": "Итоги посчи', '{"text": "Итоги посчитаны.", "table": [["Тов'] : [];
      texts.forEach((text, i) => setTimeout(() => send('processing', 'processing', { text }), 300 + 300 * i));
      setTimeout(() => { send('completed', 'completed', { completed_at: new Date().toISOString() }); res.end(); }, 300 + 300 * texts.length + 200);
      return;
    }
    if (path.startsWith('/api/v1/ai/result/') && streams) {
      return json(200, { request_id: 'r1', status: 'completed', result: {
        text: 'Итоги посчитаны.', worksheet: { name: null, range: 'F1:G2' },
        data: { header: { values: ['Товар', 'Итого'], range: 'F1:G1' }, rows: [{ values: ['Товар A', '=SUM(B2:D2)'], range: 'F2:G2' }] },
        columns: null, styles: null, style_ranges: null, chart: null } });
    }
    if (path.startsWith('/api/v1/ai/status/')) {
      return json(200, { request_id: 'r1', status: state.mode === 'never' ? 'queued' : 'completed', completed_at: new Date().toISOString() });
    }
    if (path.startsWith('/api/v1/ai/result/')) {
      return json(409, { title: 'Ещё не готов', status: 409, detail: 'Запрос обрабатывается.' }, { 'Retry-After': '1' });
    }
    json(404, { title: 'Not found', status: 404 });
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  return { url: `http://127.0.0.1:${server.address().port}`, state, close: () => { server.closeAllConnections(); return new Promise((ok) => server.close(ok)); } };
}
