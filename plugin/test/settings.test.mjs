import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveSettings, normalizeServiceUrl, validateForm } from '../scripts/settings.js';
import { createSseParser } from '../scripts/events.js';

const guid = 'asc.{71C27D33-5AE5-44A7-B223-1D9DAB55A44F}';

test('the administrator\'s options win over the form; this plugin\'s guid over "all"', () => {
  const options = { all: { serviceUrl: 'https://all.example.com/', apiKey: 'gok_all' }, [guid]: { serviceUrl: 'https://own.example.com' } };
  assert.deepEqual(resolveSettings({ options, guid, stored: { url: 'http://local:1', key: 'gok_form' } }),
    { url: 'https://own.example.com', key: 'gok_all', managed: true });
  assert.deepEqual(resolveSettings({ options: null, guid, stored: { url: 'http://127.0.0.1:8000/', key: ' gok_form ' } }),
    { url: 'http://127.0.0.1:8000', key: 'gok_form', managed: false });
  assert.deepEqual(resolveSettings({ options: { url: 'javascript:alert(1)' }, guid, stored: null }), { url: null, key: '', managed: false });
});

test('the form accepts http(s) URLs only', () => {
  assert.equal(normalizeServiceUrl('https://ai.example.com/gigaoffice/'), 'https://ai.example.com/gigaoffice');
  assert.equal(normalizeServiceUrl('ftp://x'), null);
  assert.match(validateForm({ url: 'ai.example.com', key: '' }).error, /адрес сервиса/);
  assert.deepEqual(validateForm({ url: 'http://127.0.0.1:8000', key: ' k ' }).settings, { url: 'http://127.0.0.1:8000', key: 'k' });
});

test('server-sent events split across chunks, with comments and CRLF', () => {
  const push = createSseParser();
  assert.deepEqual(push(': keep-alive\n\nevent: queued\ndata: {"status":"qu'), []);
  assert.deepEqual(push('eued"}\r\n\r\nevent: completed\ndata: {"a":1}\ndata: {"b":2}\n\n'), [
    { event: 'queued', data: '{"status":"queued"}' },
    { event: 'completed', data: '{"a":1}\n{"b":2}' },
  ]);
});
