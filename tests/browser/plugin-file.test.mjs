// Issue 34: the desktop editors run plugins from local files, so requests carry Origin: null (or file://,
// as here: chromium with file access, like the editors' embedded browser, sends "file://").
// The panel opened from file:// works against a service with CORS_ALLOW_NULL_ORIGIN=true.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { startService } from './lib/service.mjs';
import { launchBrowser } from './lib/browser.mjs';
import { copyToFolder } from './lib/static.mjs';
import { openPanel, SALES } from './lib/panel.mjs';

let service, browser, folder, key;

before(async () => {
  folder = await copyToFolder();
  service = await startService({ AUTH_MODE: 'required', CORS_ALLOW_NULL_ORIGIN: 'true' });
  key = await service.createClientKey('desktop');
  // The desktop editors' embedded browser reads the plugin's own files from disk.
  browser = await launchBrowser(['--allow-file-access-from-files']);
});
after(async () => {
  await browser?.close();
  await service?.stop();
  if (folder) rmSync(folder, { recursive: true, force: true });
});

test('from a file:// page (Origin: file://) the analysis is written into the sheet', async () => {
  const p = await openPanel(browser, pathToFileURL(join(folder, 'editor.html')).href, { options: { all: { serviceUrl: service.url, apiKey: key } } });
  try {
    assert.equal(await p.panel.locator('body').evaluate(() => location.protocol), 'file:');
    await p.editor((rows) => { window.editor.setValues('A1', rows); window.editor.select('A1:D3'); }, SALES);
    await p.run('Проанализируй продажи', 'spreadsheet-analysis');
    assert.equal(await p.settled(), 'done', await p.text('#error').catch(() => ''));
    assert.deepEqual((await p.editor(() => window.editor.values('F2:H2')))[0], ['Товар A', 330, 110]);
    assert.deepEqual(await p.editor(() => window.editor.errors), []);
  } finally {
    await p.close();
  }
});
