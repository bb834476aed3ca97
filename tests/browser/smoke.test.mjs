// The browser-test harness itself: Debian's chromium reaches the real service started by lib/service.mjs.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startService } from './lib/service.mjs';
import { launchBrowser } from './lib/browser.mjs';

let service, browser;
before(async () => {
  service = await startService();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await service?.stop();
});

test('chromium loads the service health report', async () => {
  const page = await browser.newPage();
  const response = await page.goto(`${service.url}/api/health`);
  assert.equal(response.status(), 200);
  const body = JSON.parse(await page.innerText('body'));
  assert.ok(body.status, 'the health report names a status');
});
