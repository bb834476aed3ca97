// The plugin's manifest, page and archive as the editors read them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

const root = join(import.meta.dirname, '..');
const config = JSON.parse(readFileSync(join(root, 'config.json'), 'utf8'));

test('config.json: a stable guid, Russian name, a right panel for the cell editor, icons that exist', () => {
  assert.match(config.guid, /^asc\.\{[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}\}$/);
  assert.ok(config.nameLocale.ru);
  const [v] = config.variations;
  assert.deepEqual(v.EditorsSupport, ['cell']);
  assert.equal(v.type, 'panelRight');
  assert.deepEqual([v.isVisual, v.isModal, v.isInsideMode, v.initDataType], [true, false, true, 'none']);
  assert.ok(existsSync(join(root, v.url)));
  const icons = [...v.icons, ...v.icons2.flatMap((i) => [i['100%'].normal, i['200%'].normal])];
  assert.deepEqual(new Set(v.icons2.map((i) => i.style)), new Set(['light', 'dark']));
  for (const icon of icons) assert.ok(existsSync(join(root, icon)), icon);
  assert.ok(JSON.parse(readFileSync(join(root, 'translations/ru-RU.json'), 'utf8')).Run);
});

test('index.html: the SDK from ../v1, the stable element ids administrators automate against', () => {
  const html = readFileSync(join(root, 'index.html'), 'utf8');
  assert.match(html, /<script src="\.\.\/v1\/plugins\.js"><\/script>\s*<script src="\.\.\/v1\/plugins-ui\.js"><\/script>/);
  for (const id of ['query', 'category', 'run', 'status', 'answer', 'error', 'confirm-insert', 'service-url', 'api-key', 'save-settings'])
    assert.match(html, new RegExp(`id="${id}"`), id);
  assert.match(html, /<select id="category"><option value="">/);
  // .js, not .mjs: web servers without an .mjs MIME type would break module loading.
  assert.match(html, /<script type="module" src="scripts\/main\.js"><\/script>/);
});

test('scripts/package-plugin.sh builds a .plugin zip with config.json at its root and no tests', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gigaoffice-package-'));
  try {
    const out = join(dir, 'gigaoffice.plugin');
    execFileSync('bash', [join(root, '..', 'scripts/package-plugin.sh'), out]);
    const listing = execFileSync('python3', ['-c', 'import sys, zipfile; print("\\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))', out], { encoding: 'utf8' }).split('\n');
    for (const f of ['config.json', 'index.html', 'scripts/main.js', 'translations/ru-RU.json', 'resources/light/icon.png']) assert.ok(listing.includes(f), f);
    assert.equal(listing.filter((f) => f.startsWith('test/') || f === 'package.json').length, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
