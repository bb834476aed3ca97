// The admin console at /admin in Debian's chromium against the real service (client keys required).
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startService, repoRoot } from './lib/service.mjs';
import { launchBrowser } from './lib/browser.mjs';
import { signIn, processRequest, adminApi } from './lib/admin.mjs';

// ADMIN_SCREENSHOTS=1 also writes docs/admin-dashboard.png and docs/admin-keys.png.
const screenshots = process.env.ADMIN_SCREENSHOTS === '1';

let service, browser;
before(async () => {
  service = await startService({ AUTH_MODE: 'required' });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await service?.stop();
});

async function signedInPage(viewport = { width: 1280, height: 900 }) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  await signIn(page, service.url, service.adminKey);
  assert.equal(await page.isVisible('#nav'), true, 'signed in');
  return { context, page };
}

test('a wrong key is refused with a message; the right key opens an HTTP-only SameSite=Strict session that scripts cannot see', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, service.url, 'wrong-key-wrong-key-wrong-key-wrong-key');
  assert.match(await page.textContent('#sign-in-error'), /Неверный ключ/);
  assert.equal(await page.isVisible('#nav'), false);
  assert.equal((await context.cookies()).some((c) => c.name === 'gigaoffice_admin'), false);

  await signIn(page, service.url, service.adminKey);
  assert.equal(await page.isVisible('#nav'), true);
  const cookie = (await context.cookies()).find((c) => c.name === 'gigaoffice_admin');
  assert.ok(cookie, 'session cookie set');
  assert.equal(cookie.httpOnly, true);
  assert.equal(cookie.sameSite, 'Strict');
  assert.ok(cookie.expires > Date.now() / 1000 && cookie.expires < Date.now() / 1000 + 24 * 3600, 'the session expires within a day');
  assert.equal(await page.evaluate(() => document.cookie.includes('gigaoffice_admin')), false, 'the page script cannot read the session');
  assert.equal((await page.content()).includes(service.adminKey), false, 'the admin key is not in the page');
  assert.equal(service.output().includes(service.adminKey), false, 'the admin key is not in the logs');
  await context.close();
});

test('dashboard figures equal what was submitted through the API', async () => {
  const clientKey = await service.createClientKey('dashboard-feed');
  const table = [['Товар', 'Сумма'], ['Яблоки', 120], ['Груши', 80]];
  const submitted = [];
  for (let i = 0; i < 3; i++)
    submitted.push(await processRequest(service.url, clientKey, { query_text: `Посчитай сумму ${i}`, category: 'spreadsheet-analysis', input_range: 'A1:B3', input_data: table }));
  for (let i = 0; i < 2; i++)
    submitted.push(await processRequest(service.url, clientKey, { query_text: `Найди строки с яблоками ${i}`, category: 'spreadsheet-search', input_range: 'A1:B3', input_data: table }));
  assert.ok(submitted.every((r) => r.status === 'completed'));
  const tokens = submitted.reduce((sum, r) => sum + r.tokens.total, 0);
  assert.ok(tokens > 0);
  const low = await fetch(`${service.url}/api/ai/feedback`, {
    method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${clientKey}` },
    body: JSON.stringify({ request_id: submitted[0].request_id, rating: 1, comment: 'Сумма не та' }),
  });
  assert.equal(low.status, 201);

  const { context, page } = await signedInPage();
  await page.goto(`${service.url}/admin/#dashboard`);
  await page.waitForSelector('#requests-total');
  assert.equal(await page.textContent('#requests-total'), '5');
  assert.equal(await page.textContent('#success-rate'), '100 %');
  assert.equal((await page.textContent('#tokens-total')).replace(/\s/g, ''), String(tokens));
  const categories = await page.getAttribute('canvas[aria-label^="По категориям"]', 'aria-label');
  assert.match(categories, /spreadsheet-analysis: 3/);
  assert.match(categories, /spreadsheet-search: 2/);
  assert.match(await page.getAttribute('canvas[aria-label^="Ключи с наибольшим"]', 'aria-label'), new RegExp(`dashboard-feed: ${tokens}`));
  await page.waitForFunction(() => document.querySelectorAll('canvas').length >= 5 && window.Chart && Object.keys(window.Chart.instances).length >= 5);

  // One hour: the same five requests; the period buttons reload the figures.
  await page.click('button[data-period="1h"]');
  await page.waitForFunction(() => document.querySelector('button[data-period="1h"]').getAttribute('aria-pressed') === 'true');
  assert.equal(await page.textContent('#requests-total'), '5');
  if (screenshots) await page.screenshot({ path: join(repoRoot, 'docs/admin-dashboard.png'), fullPage: true });

  // A request's story, from the search (failed first) to the detail.
  await page.goto(`${service.url}/admin/#requests`);
  await page.waitForSelector('tbody tr');
  assert.equal(await page.locator('tbody tr').count(), 5);
  await page.goto(`${service.url}/admin/#requests/${submitted[0].request_id}`);
  await page.waitForSelector('#request-story');
  assert.match(await page.textContent('#request-story'), /3 строк × 2 столбцов/);

  // Feedback: the low rating with its comment, linked to its request.
  await page.goto(`${service.url}/admin/#feedback`);
  await page.waitForSelector('#feedback-count');
  assert.equal(await page.textContent('#feedback-count'), '1');
  assert.equal(await page.getAttribute(`a[href="#requests/${submitted[0].request_id}"]`, 'href'), `#requests/${submitted[0].request_id}`);
  assert.match(await page.textContent('main'), /Сумма не та/);

  // Phone width: nothing wider than the screen.
  await page.setViewportSize({ width: 390, height: 800 });
  await page.goto(`${service.url}/admin/#dashboard`);
  await page.waitForSelector('#requests-total');
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'no horizontal scrolling at 390 px');
  await context.close();
});

test('a key created in the browser works against the API; revoking it in the browser makes the API answer 401', async () => {
  const { context, page } = await signedInPage();
  await page.goto(`${service.url}/admin/#keys`);
  await page.fill('#new-key-name', 'made-in-browser');
  await page.fill('#new-key-rpm', '30');
  await page.click('#create-key');
  await page.waitForSelector('#created-key');
  const key = (await page.textContent('#created-key')).trim();
  assert.match(key, /^gok_/);
  assert.ok(await page.isVisible('#copy-key'));

  const call = () => fetch(`${service.url}/api/prompts/categories`, { headers: { Authorization: `Bearer ${key}` } });
  assert.equal((await call()).status, 200);
  assert.equal((await fetch(`${service.url}/api/prompts/categories`)).status, 401, 'the API needs a key (AUTH_MODE=required)');

  const prefix = key.slice(0, 12);
  const row = page.locator(`tr[data-prefix="${prefix}"]`);
  // Limits: change them in the row, the API lists the new ones.
  await row.locator('input[type=number]').first().fill('45');
  await row.locator('button[data-action=save]').click();
  await page.waitForSelector('text=Лимиты сохранены');
  const listed = (await adminApi(service, 'GET', '/api/admin/keys')).body.find((k) => k.prefix === prefix);
  assert.equal(listed.requests_per_minute, 45);
  if (screenshots) await page.screenshot({ path: join(repoRoot, 'docs/admin-keys.png'), fullPage: true });

  page.once('dialog', (d) => d.accept());
  await page.locator(`tr[data-prefix="${prefix}"] button[data-action=revoke]`).click();
  await page.waitForSelector(`tr[data-prefix="${prefix}"] .badge.revoked`);
  assert.equal((await call()).status, 401);
  await context.close();
});

test('editing a prompt creates a version; rolling back restores the text', async () => {
  const { context, page } = await signedInPage();
  const name = 'spreadsheet-analysis';
  const original = (await adminApi(service, 'GET', `/api/admin/categories/${name}`)).body;
  await page.goto(`${service.url}/admin/#prompts/${name}`);
  await page.waitForSelector('#prompt-text');
  assert.equal(await page.textContent('#current-version'), String(original.version));

  const edited = `${original.system_prompt}\nПроверка консоли: отвечай кратко.`;
  await page.fill('#prompt-text', edited);
  await page.click('#save-prompt');
  await page.waitForFunction((v) => document.querySelector('#current-version')?.textContent === String(v), original.version + 1);
  const afterEdit = (await adminApi(service, 'GET', `/api/admin/categories/${name}`)).body;
  assert.equal(afterEdit.system_prompt, edited);
  assert.equal(afterEdit.version, original.version + 1);

  await page.click('#show-diff');
  assert.match(await page.textContent('.diff ins'), /Проверка консоли/);

  await page.click('#trial-run');
  await page.waitForSelector('#trial-result p:not(.muted)');
  assert.match(await page.textContent('#trial-result'), /~[\d\s ]+ токенов/);

  await page.click(`#rollback-${original.version}`);
  await page.waitForFunction((v) => document.querySelector('#current-version')?.textContent === String(v), original.version + 2);
  const afterRollback = (await adminApi(service, 'GET', `/api/admin/categories/${name}`)).body;
  assert.equal(afterRollback.system_prompt, original.system_prompt);
  assert.equal((await adminApi(service, 'GET', `/api/admin/categories/${name}/versions`)).body.length, 3);

  // The other fields of the category change without a new prompt version.
  await page.fill('#category-display-name', 'Анализ (консоль)');
  await page.click('#save-category');
  await page.waitForSelector('text=Поля категории сохранены');
  const renamed = (await adminApi(service, 'GET', `/api/admin/categories/${name}`)).body;
  assert.equal(renamed.display_name, 'Анализ (консоль)');
  assert.equal(renamed.version, original.version + 2);
  await context.close();
});

test('a change without the CSRF token is refused; sign-out ends the session', async () => {
  const { context, page } = await signedInPage();
  const without = await page.evaluate(async () => (await fetch('/api/admin/keys', {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name: 'csrf-probe' }),
  })).status);
  assert.equal(without, 403);
  const wrong = await page.evaluate(async () => (await fetch('/api/admin/keys', {
    method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': 'forged' }, body: JSON.stringify({ name: 'csrf-probe' }),
  })).status);
  assert.equal(wrong, 403);
  assert.equal((await adminApi(service, 'GET', '/api/admin/keys')).body.some((k) => k.name === 'csrf-probe'), false);
  assert.equal(await page.evaluate(async () => (await fetch('/admin/api/session', { method: 'DELETE' })).status), 403);
  assert.equal(await page.evaluate(async () => (await fetch('/api/admin/keys')).status), 200, 'reads need only the session');

  const cookie = (await context.cookies()).find((c) => c.name === 'gigaoffice_admin');
  await page.click('#sign-out');
  await page.waitForSelector('#sign-in-view:not([hidden])');
  const replay = await fetch(`${service.url}/api/admin/keys`, { headers: { Cookie: `gigaoffice_admin=${cookie.value}` } });
  assert.equal(replay.status, 401, 'a signed-out session cookie no longer works');
  await context.close();
});

test('behind a proxy on the same host: throttled per forwarded address, Secure cookie when the proxy says https', async () => {
  const signInAs = (address, key, proto = 'http') => fetch(`${service.url}/admin/api/session`, {
    method: 'POST', redirect: 'manual',
    headers: { 'Content-Type': 'application/json', 'X-Forwarded-For': `10.0.0.1, ${address}`, 'X-Forwarded-Proto': proto },
    body: JSON.stringify({ admin_key: key }),
  });
  for (let i = 0; i < 5; i++) assert.equal((await signInAs('203.0.113.7', `wrong-${i}-proxy-wrong-key-wrong-key`)).status, 401);
  assert.equal((await signInAs('203.0.113.7', service.adminKey)).status, 429);
  const other = await signInAs('203.0.113.8', service.adminKey, 'https');
  assert.equal(other.status, 200, 'another client behind the same proxy is not locked out');
  assert.match(other.headers.get('set-cookie'), /;\s*secure/i);
});

test('repeated wrong keys are throttled, even when the right key follows', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  for (let i = 0; i < 5; i++) {
    await signIn(page, service.url, `wrong-${i}-wrong-key-wrong-key-wrong-key`);
    assert.match(await page.textContent('#sign-in-error'), /Неверный ключ/);
  }
  await signIn(page, service.url, service.adminKey);
  assert.match(await page.textContent('#sign-in-error'), /Слишком много/);
  assert.equal(await page.isVisible('#nav'), false);
  await context.close();
});

