// The R7-Office / ONLYOFFICE plugin in Debian's chromium, inside the in-memory editor, against the real
// service (dry-run model) with client keys required and CORS limited to the page's origin.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { startService, freePort } from './lib/service.mjs';
import { launchBrowser } from './lib/browser.mjs';
import { startStatic } from './lib/static.mjs';
import { openPanel, PLUGIN_GUID, SALES } from './lib/panel.mjs';

let service, browser, site, key;
const panels = [];
const timings = [];

before(async () => {
  site = await startStatic();
  service = await startService({
    AUTH_MODE: 'required',
    CORS_ALLOWED_ORIGINS: site.origin,
    // Small enough that a big selection gets the service's own 413.
    Limits__MaxBodyBytes: String(256 * 1024),
  });
  key = await service.createClientKey('plugin-browser-test');
  browser = await launchBrowser();
});
after(async () => {
  await Promise.all(panels.map((p) => p.close()));
  await browser?.close();
  await service?.stop();
  await site?.close();
  if (timings.length) console.log(`# completed_at -> cells written (polling, ms): ${timings.join(', ')}`);
});

async function open(options = { [PLUGIN_GUID]: { serviceUrl: service.url, apiKey: key } }) {
  const panel = await openPanel(browser, `${site.origin}/editor.html`, { options });
  panels.push(panel);
  return panel;
}

/** Every test ends with no undocumented API call and no page error. */
afterEach(async () => {
  for (const p of panels.splice(0)) {
    const errors = await p.editor(() => window.editor.errors);
    assert.deepEqual(errors, [], 'editor API errors');
    assert.deepEqual(p.problems, [], 'page errors');
    await p.close();
  }
});

async function recordTiming(p) {
  const status = p.panel.locator('#status');
  const completed = Number(await status.getAttribute('data-completed-at'));
  const written = Number(await status.getAttribute('data-written-at'));
  assert.ok(completed > 0 && written >= completed, 'the status carries completed_at and the write time');
  timings.push(written - completed);
}

test('analysis: the table answer is written right of the selection (settings from info.options)', async () => {
  const p = await open();
  await p.editor((rows) => { window.editor.setValues('A1', rows); window.editor.select('A1:D3'); }, SALES);
  assert.equal(await p.panel.locator('#service-url').inputValue(), service.url);
  assert.equal(await p.panel.locator('#settings').getAttribute('open'), null, 'the settings section starts closed when the URL is set');
  assert.equal(await p.panel.locator('#service-url').isEditable(), false, 'the administrator set the URL');
  // Categories come from the service: machine names as values, "" = automatic.
  await p.panel.locator('#category option[value="spreadsheet-analysis"]').waitFor({ state: 'attached' });
  const values = await p.panel.locator('#category option').evaluateAll((o) => o.map((x) => x.value));
  assert.equal(values[0], '');
  assert.ok(values.includes('spreadsheet-analysis') && values.includes('data-chart'), values.join());

  await p.run('Проанализируй продажи по товарам', 'spreadsheet-analysis');
  assert.equal(await p.settled(), 'done', await p.text('#error').catch(() => ''));
  const written = await p.editor(() => window.editor.values('F1:L3'));
  assert.deepEqual(written[0], ['Товар', 'Сумма', 'Среднее', 'Минимум', 'Максимум', 'Тренд', 'Изменение, %']);
  assert.deepEqual(written[1].slice(0, 3), ['Товар A', 330, 110]);
  assert.deepEqual(await p.editor(() => window.editor.values('A1:D3')), SALES, 'the input is untouched');
  assert.match(await p.text('#answer'), /Товар A/);
  assert.match(await p.text('#status'), /Готово: 21 ячейка в F1:L3/);
  await recordTiming(p);

  // Feedback on that answer.
  await p.panel.locator('#stars button[data-rating="4"]').click();
  await p.panel.locator('#feedback-comment').fill('Верно');
  await p.panel.locator('#feedback-send').click();
  await p.panel.locator('#feedback-status', { hasText: 'Спасибо' }).waitFor();
});

test('dates go to the service as shown, not as serial numbers', async () => {
  const p = await open();
  await p.editor(() => {
    window.editor.setValues('A1', [['Дата', 'Сумма'], [46363, 100], [46364, 120]]);
    window.editor.sheet.cells.get('A2').numberFormat = 'dd.mm.yyyy';
    window.editor.sheet.cells.get('A3').numberFormat = 'dd.mm.yyyy';
    window.editor.select('A1:B3');
  });
  await p.run('Отсортируй по сумме по убыванию', 'spreadsheet-transformation');
  assert.equal(await p.settled(), 'done', await p.text('#error').catch(() => ''));
  const written = (await p.editor(() => window.editor.values('D1:E3'))).flat();
  assert.ok(written.includes('08.12.2026') && written.includes('07.12.2026'), JSON.stringify(written));
});

test('a whole-column selection sends the used cells only', async () => {
  const p = await open();
  await p.editor((rows) => { window.editor.setValues('A1', rows); window.editor.select('A:D'); }, SALES);
  await p.run('Проанализируй продажи по товарам', 'spreadsheet-analysis');
  assert.equal(await p.settled(), 'done', await p.text('#error').catch(() => ''));
  assert.deepEqual((await p.editor(() => window.editor.values('F2:H2')))[0], ['Товар A', 330, 110]);
});

test('formatting: styles and number formats only, the values stay', async () => {
  const p = await open();
  await p.editor((rows) => { window.editor.setValues('A1', rows); window.editor.select('A1:D3'); }, SALES);
  await p.run('Оформи таблицу', 'spreadsheet-formatting');
  assert.equal(await p.settled(), 'done', await p.text('#error').catch(() => ''));
  const header = await p.editor(() => window.editor.cell('B1'));
  assert.deepEqual(header.fill, [217, 217, 217]);
  assert.equal(header.bold, true);
  assert.equal(header.alignHorizontal, 'center');
  assert.equal(header.borders.EdgeTop, 'Thin');
  const body = await p.editor(() => window.editor.cell('C3'));
  assert.equal(body.numberFormat, '#,##0');
  assert.equal(body.bold, false);
  assert.equal(body.borders.InsideHorizontal, 'Thin');
  assert.equal((await p.editor(() => window.editor.cell('A2'))).numberFormat, 'General', 'the text column keeps its format');
  assert.deepEqual(await p.editor(() => window.editor.values('A1:D3')), SALES);
  assert.deepEqual(await p.editor(() => window.editor.values('E1:F1')), [['', '']], 'nothing written beside');
  await recordTiming(p);
});

test('chart: AddChart with the type, the data on this sheet and the position', async () => {
  const p = await open();
  await p.editor((rows) => { window.editor.setValues('A1', rows); window.editor.select('A1:D3'); }, SALES);
  await p.run('Построй диаграмму продаж по месяцам', 'data-chart');
  assert.equal(await p.settled(), 'done', await p.text('#error').catch(() => ''));
  const charts = await p.editor(() => window.editor.sheet.charts);
  assert.equal(charts.length, 1);
  assert.equal(charts[0].dataRange, "'Лист1'!$A$1:$D$3");
  assert.ok(charts[0].type.length > 0 && charts[0].title, JSON.stringify(charts[0]));
  assert.equal(charts[0].fromCol, 5, 'placed at F');
  assert.equal(charts[0].fromRow, 0);
  assert.match(await p.text('#status'), /диаграмма/);
});

test('assistance: the answer is text only and the sheet does not change', async () => {
  const p = await open();
  await p.editor(() => window.editor.select('A1'));
  await p.run('Как посчитать сумму с условием?', 'spreadsheet-assistance');
  assert.equal(await p.settled(), 'done');
  assert.match(await p.text('#answer-text'), /SUMIF|СУММЕСЛИ/);
  assert.match(await p.text('#status'), /таблица не менялась/);
  assert.equal(await p.editor(() => [...window.editor.sheet.cells.values()].filter((c) => c.value !== '').length), 0);
});

test('overwrite: occupied target cells are shown and written only after confirmation', async () => {
  const p = await open();
  await p.editor((rows) => { window.editor.setValues('A1', rows); window.editor.setValues('G2', [['занято']]); window.editor.select('A1:D3'); }, SALES);
  await p.run('Проанализируй продажи', 'spreadsheet-analysis');
  assert.equal(await p.settled(), 'confirm');
  assert.equal(await p.panel.locator('#confirm-insert').isVisible(), true);
  assert.match(await p.text('#confirm-insert'), /F1:L3.*1 ячейка/s);
  assert.match(await p.text('#confirm-cells'), /G2\s+занято\s+330/);
  await p.panel.locator('#confirm-no').click();
  assert.equal(await p.settled(['done']), 'done');
  assert.match(await p.text('#status'), /Вставка отменена/);
  assert.equal(await p.panel.locator('#confirm-insert').isVisible(), false);
  assert.deepEqual(await p.editor(() => window.editor.values('F1:H2')), [['', '', ''], ['', 'занято', '']], 'nothing written');

  await p.run('Проанализируй продажи', 'spreadsheet-analysis');
  assert.equal(await p.settled(), 'confirm');
  await p.panel.locator('#confirm-yes').click();
  await p.panel.locator('#status[data-state="done"]', { hasText: 'ячейка' }).waitFor();
  assert.equal(await p.editor(() => window.editor.cell('G2').value), 330);
});

test('settings from the form: saved in localStorage, connection check, a preset runs', async () => {
  const p = await open(null);
  assert.equal(await p.panel.locator('#settings').getAttribute('open'), '', 'no URL yet: the form is open');
  await p.panel.locator('#run').click();
  assert.match(await p.text('#error'), /Напишите/);
  await p.panel.locator('#query').fill('Посчитай итоги');
  await p.panel.locator('#run').click();
  assert.match(await p.text('#error'), /адрес сервиса/);

  await p.panel.locator('#service-url').fill(service.url + '/');
  await p.panel.locator('#api-key').fill(key);
  await p.panel.locator('#check-connection').click();
  await p.panel.locator('#settings-status', { hasText: 'Подключение работает' }).waitFor();
  await p.panel.locator('#save-settings').click();
  await p.panel.locator('#settings-status', { hasText: 'Сохранено' }).waitFor();
  const stored = await p.panel.locator('body').evaluate(() => localStorage.getItem('gigaoffice.settings'));
  assert.deepEqual(JSON.parse(stored), { url: service.url, key });

  // After a reload the panel starts from what was saved, and presets are one-click queries.
  await p.page.reload();
  await p.panel.locator('body[data-ready="true"]').waitFor();
  assert.equal(await p.panel.locator('#api-key').inputValue(), key);
  await p.editor((rows) => { window.editor.setValues('A1', rows); window.editor.select('A1:D3'); }, SALES);
  const preset = p.panel.locator('#presets button').first();
  await preset.waitFor();
  await preset.click();
  assert.notEqual(await p.panel.locator('#query').inputValue(), '');
  // Whatever the preset's category, the request went through: done, or asking before it overwrites.
  assert.ok(['done', 'confirm'].includes(await p.settled()), await p.text('#error').catch(() => ''));
  assert.ok(await p.panel.locator('#status').getAttribute('data-request-id'));
});

test('401: a wrong key, from the service itself', async () => {
  const p = await open({ all: { serviceUrl: service.url, apiKey: 'gok_wrong_key_000000000000' } });
  await p.run('Проанализируй');
  assert.equal(await p.settled(), 'error');
  assert.match(await p.text('#error'), /не принял API-ключ.*Введите действующий ключ/s);
});

test('404: a wrong service address', async () => {
  const p = await open({ all: { serviceUrl: service.url + '/nothing-here', apiKey: key } });
  await p.editor((rows) => { window.editor.setValues('A1', rows); window.editor.select('A1:D3'); }, SALES);
  await p.run('Проанализируй');
  assert.equal(await p.settled(), 'error');
  assert.match(await p.text('#error'), /Проверьте адрес сервиса/);
});

test('413: a selection larger than the service accepts', async () => {
  const p = await open();
  await p.editor(() => {
    const row = Array.from({ length: 20 }, (_, i) => `текст ячейки номер ${i} `.repeat(8));
    window.editor.setValues('A1', Array.from({ length: 120 }, () => row));
    window.editor.select('A1:T120');
  });
  await p.run('Проанализируй');
  assert.equal(await p.settled(), 'error');
  assert.match(await p.text('#error'), /слишком много данных.*меньший диапазон/s);
});

test('429: the per-key limit, with the wait the service names', async () => {
  const limited = await service.createClientKey('one-per-minute', { requests_per_minute: 1 });
  const p = await open({ all: { serviceUrl: service.url, apiKey: limited } });
  await p.editor(() => window.editor.select('A1'));
  await p.run('Как посчитать среднее?', 'spreadsheet-assistance');
  assert.equal(await p.settled(), 'done');
  await p.run('Как посчитать медиану?', 'spreadsheet-assistance');
  assert.equal(await p.settled(['error']), 'error');
  assert.match(await p.text('#error'), /Превышен лимит запросов.*Повторите через \d+ с/s);
});

test('network failure: nothing listens at the address', async () => {
  const closedUrl = `http://127.0.0.1:${await freePort()}`;
  const p = await open({ all: { serviceUrl: closedUrl, apiKey: key } });
  await p.run('Проанализируй');
  assert.equal(await p.settled(), 'error');
  assert.match(await p.text('#error'), /Нет связи с сервисом http:\/\/127\.0\.0\.1:\d+.*CORS_ALLOWED_ORIGINS/s);
});
