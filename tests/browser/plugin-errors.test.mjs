// Answers the real service cannot be made to give on demand (403, 409 on a finished request, 503 with
// Retry-After, a 500 with exception text, a request that never finishes, a progress event stream the
// service does not offer yet), from lib/stub-service.mjs; plus the cancel button. The panel must say in Russian what to do, never show raw errors.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser } from './lib/browser.mjs';
import { startStatic } from './lib/static.mjs';
import { startStub } from './lib/stub-service.mjs';
import { openPanel, SALES } from './lib/panel.mjs';

let browser, site, stub, p;

before(async () => {
  site = await startStatic();
  stub = await startStub();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await stub?.close();
  await site?.close();
});
afterEach(async () => {
  assert.deepEqual(await p.editor(() => window.editor.errors), []);
  if (stub.state.mode !== 'events' && stub.state.mode !== 'streamed')
    assert.deepEqual(await p.editor(() => window.editor.values('E1:L3').flat().filter((v) => v !== '')), [], 'nothing written');
  await p.close();
});

async function runWith(mode, options = {}) {
  stub.state.mode = mode;
  p = await openPanel(browser, `${site.origin}/editor.html`, { options: { all: { serviceUrl: stub.url, apiKey: 'gok_test', ...options } } });
  await p.editor((rows) => { window.editor.setValues('A1', rows); window.editor.select('A1:D3'); }, SALES);
  await p.run('Проанализируй', 'spreadsheet-analysis');
}

test('403: access denied names the administrator', async () => {
  await runWith('403');
  assert.equal(await p.settled(), 'error');
  assert.match(await p.text('#error'), /Доступ запрещён.*администратору/s);
});

test('503: the wait from Retry-After is shown', async () => {
  await runWith('503');
  assert.equal(await p.settled(), 'error');
  assert.match(await p.text('#error'), /временно недоступен.*Сервис перегружен.*через 7 с/s);
});

test('409: a result that is not ready', async () => {
  await runWith('409');
  assert.equal(await p.settled(), 'error');
  assert.match(await p.text('#error'), /Ответ ещё не готов: повторите через 1 с/);
});

test('500 with exception text: the text is not shown', async () => {
  await runWith('500');
  assert.equal(await p.settled(), 'error');
  const error = await p.text('#error');
  assert.match(error, /Ошибка на стороне сервиса \(код 500\)/);
  assert.doesNotMatch(error, /Exception|stack/);
});

test('timeout: a request that never finishes ends at the total timeout, polling the status meanwhile', async () => {
  stub.state.hits.length = 0;
  await runWith('never', { timeoutSeconds: 2, pollIntervalMs: 200 });
  await p.panel.locator('#status[data-state="queued"]').waitFor();
  assert.match(await p.text('#status'), /В очереди · \d+,\d с/);
  assert.equal(await p.settled(['error'], 10_000), 'error');
  assert.match(await p.text('#error'), /не ответил за 2 с/);
  assert.ok(stub.state.hits.filter((h) => h.includes('/status/')).length >= 3, 'status polled');
  assert.ok(stub.state.hits.some((h) => h.includes('/api/ai/events/')), 'events tried first');
});

test('cancel: stops waiting and writes nothing', async () => {
  await runWith('never', { pollIntervalMs: 200 });
  await p.panel.locator('#cancel').click();
  assert.equal(await p.settled(['error']), 'error');
  assert.match(await p.text('#error'), /Запрос отменён/);
  assert.equal(await p.panel.locator('#cancel').isVisible(), false);
});

test('events: when the service streams progress, the panel follows it instead of polling', async () => {
  stub.state.hits.length = 0;
  await runWith('events');
  assert.equal(await p.settled(), 'done', await p.text('#error').catch(() => ''));
  assert.deepEqual(await p.editor(() => window.editor.values('F1:G2')), [['Товар', 'Итого'], ['Товар A', '=SUM(B2:D2)']]);
  assert.equal(stub.state.hits.filter((h) => h.includes('/status/')).length, 0, 'no status polls');
  assert.ok(await p.panel.locator('#status').getAttribute('data-completed-at'));
});

test('streamed text: the panel shows the model\'s text as it is written, then the answer', async () => {
  await runWith('streamed');
  await p.panel.locator('#draft', { hasText: 'Итоги посчи' }).waitFor({ timeout: 10_000 });
  assert.equal(await p.settled(), 'done', await p.text('#error').catch(() => ''));
  assert.equal(await p.panel.locator('#draft').isVisible(), false, 'the draft gives way to the answer');
  assert.match(await p.text('#answer-text'), /Итоги посчитаны/);
});

test('the in-memory editor fails loudly: undocumented methods, plugin closures, misfit writes', async () => {
  stub.state.mode = 'ok';
  p = await openPanel(browser, `${site.origin}/editor.html`, { options: { all: { serviceUrl: stub.url, apiKey: 'gok_test' } } });
  const frame = p.page.frames().find((f) => f.url().includes('/gigaoffice/'));
  const results = await frame.evaluate(async () => {
    const call = (fn, scope) => new Promise((resolve) => { window.Asc.scope = scope; window.Asc.plugin.callCommand(fn, false, true, resolve); });
    const secret = 'plugin variable';
    return [
      await call(function () { return Api.GetActiveSheet().GetRange('A1').GetValue2() === '' ? Asc.scope.x : null; }, { x: 42 }),
      await call(function () { return Api.GetActiveSheet().GetRange('A1').SetCellValueFast('x'); }, {}),
      await call(function () { return secret; }, {}),
      await call(function () { return Api.GetActiveSheet().GetRange('A1').SetValue([[1, 2]]); }, {}),
    ];
  });
  assert.equal(results[0], 42, 'documented calls work and Asc.scope crosses over');
  assert.ok(results.slice(1).every((r) => r == null), 'failed commands return nothing');
  const errors = await p.editor(() => window.editor.errors.splice(0));
  assert.equal(errors.length, 3);
  assert.match(errors[0], /Undocumented API: ApiRange\.SetCellValueFast/);
  assert.match(errors[1], /secret is not defined/);
  assert.match(errors[2], /SetValue: 1 rows do not fit A1/);
});
