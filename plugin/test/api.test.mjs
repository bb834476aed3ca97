// The service client against a scripted fetch: fallback from events to polling, Retry-After on busy
// answers, failures as {kind, ...}.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ServiceClient } from '../scripts/api.js';

/** fetch that answers from a list of [pathPrefix, () => Response] rules, recording the calls. */
function scripted(rules) {
  const calls = [];
  const fetch = async (url, init) => {
    const path = new URL(url).pathname;
    calls.push(`${init?.method ?? 'GET'} ${path} ${init?.headers?.Authorization ?? ''}`.trim());
    const rule = rules.find(([prefix]) => path.startsWith(prefix));
    if (!rule) throw new TypeError('Failed to fetch');
    return rule[1]();
  };
  return { fetch, calls };
}
const json = (status, body, headers = {}) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } });

test('without an event stream the client polls the status; a 503 with Retry-After is waited out', async () => {
  const answers = [
    () => json(200, { status: 'queued' }),
    () => json(503, { title: 'busy' }, { 'Retry-After': '0' }),
    () => json(200, { status: 'processing' }),
    () => json(200, { status: 'completed', completed_at: '2026-12-07T00:00:00Z' }),
  ];
  const { fetch, calls } = scripted([
    ['/api/ai/events/', () => json(404, { title: 'Not Found' })],
    ['/api/v1/ai/status/', () => answers.shift()()],
  ]);
  const client = new ServiceClient({ url: 'http://svc', key: 'gok_k', pollMs: 1, fetch });
  const seen = [];
  const final = await client.waitFinished('r1', { onProgress: (s) => seen.push(s.status) });
  assert.equal(final.status, 'completed');
  assert.deepEqual(seen, ['queued', 'processing', 'completed']);
  assert.equal(calls[0], 'GET /api/ai/events/r1 Bearer gok_k');
  assert.equal(calls.filter((c) => c.includes('/status/')).length, 4);

  // The service has no event stream: the next wait polls at once.
  answers.push(() => json(200, { status: 'completed' }));
  calls.length = 0;
  await client.waitFinished('r2');
  assert.deepEqual(calls, ['GET /api/v1/ai/status/r2 Bearer gok_k']);
});

test('failures: HTTP with status, Retry-After and problem; network; total timeout', async () => {
  const { fetch } = scripted([
    ['/api/v1/ai/process', () => json(429, { title: 'limit', retry_after_seconds: 12 })],
    ['/api/ai/events/', () => json(404, {})],
    ['/api/v1/ai/status/', () => json(200, { status: 'queued' })],
  ]);
  const client = new ServiceClient({ url: 'http://svc', key: '', pollMs: 5, fetch });
  await assert.rejects(client.submit({ query_text: 'q' }), (e) => {
    assert.deepEqual(e.failure, { kind: 'http', status: 429, retryAfter: 12, problem: { title: 'limit', retry_after_seconds: 12 } });
    return true;
  });
  await assert.rejects(new ServiceClient({ url: 'http://nowhere', fetch }).categories(), (e) => e.failure.kind === 'network');
  await assert.rejects(client.waitFinished('r1', { totalTimeoutMs: 50 }), (e) => e.failure.kind === 'timeout' && e.failure.seconds === 0.05);
});

test('a 401 while polling stops the wait at once', async () => {
  const { fetch } = scripted([
    ['/api/ai/events/', () => json(404, {})],
    ['/api/v1/ai/status/', () => json(401, { title: 'API-ключ отозван' })],
  ]);
  await assert.rejects(new ServiceClient({ url: 'http://svc', fetch, pollMs: 1 }).waitFinished('r1'),
    (e) => e.failure.status === 401 && e.failure.problem.title === 'API-ключ отозван');
});
