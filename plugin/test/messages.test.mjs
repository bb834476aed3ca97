import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errorMessage, formatWait, parseRetryAfter } from '../scripts/messages.js';

test('waits read as Russian durations; Retry-After as seconds or a date', () => {
  assert.equal(formatWait(45), '45 с');
  assert.equal(formatWait(0.2), '1 с');
  assert.equal(formatWait(180), '3 мин');
  assert.equal(formatWait(3700), '1 ч 2 мин');
  assert.equal(parseRetryAfter('30'), 30);
  assert.equal(parseRetryAfter(new Date(Date.UTC(2026, 0, 1, 0, 1)).toUTCString(), Date.UTC(2026, 0, 1)), 60);
  assert.equal(parseRetryAfter('soon'), null);
  assert.equal(parseRetryAfter(null), null);
});

test('every HTTP status the panel can meet has a message saying what to do', () => {
  const m = (status, extra = {}) => errorMessage({ kind: 'http', status, ...extra });
  assert.match(m(401, { problem: { detail: 'API-ключ отозван' } }), /API-ключ.*отозван.*настройках/);
  assert.match(m(403), /администратору/);
  assert.match(m(404), /адрес сервиса/);
  assert.match(m(409, { retryAfter: 1 }), /через 1 с/);
  assert.match(m(413), /меньший диапазон/);
  assert.match(m(429, { retryAfter: 42 }), /Повторите через 42 с/);
  assert.match(m(503, { retryAfter: 5 }), /временно недоступен.*через 5 с/);
  assert.match(m(500), /сообщите администратору/);
  assert.match(m(400, { problem: { errors: { query_text: ['Пустой запрос.'] } } }), /query_text: Пустой запрос/);
  for (const status of [401, 403, 404, 409, 413, 429, 500, 503]) assert.doesNotMatch(m(status), /undefined|null|Error/);
});

test('network failures, timeouts, cancels and failed requests', () => {
  assert.match(errorMessage({ kind: 'network', url: 'https://ai.example.com' }), /https:\/\/ai\.example\.com.*CORS_ALLOWED_ORIGINS/s);
  assert.match(errorMessage({ kind: 'timeout', seconds: 180 }), /3 мин/);
  assert.match(errorMessage({ kind: 'cancelled' }), /отменён/);
  assert.match(errorMessage({ kind: 'failed', code: 'upstream_unavailable', message: 'GigaChat не ответил.' }), /^GigaChat не ответил\. .*через минуту/);
  assert.match(errorMessage({ kind: 'failed', code: 'something_new', message: '' }), /Запрос не выполнен/);
  assert.match(errorMessage(undefined), /Повторите/);
});
