// Serves the plugin inside the in-memory editor the way a Document Server lays them out:
// /editor.html (the fake editor), /v1/plugins.js (the SDK stand-in), /gigaoffice/ (plugin/ of this repo).
import { createServer } from 'node:http';
import { readFile, mkdtemp, cp } from 'node:fs/promises';
import { join, extname, normalize } from 'node:path';
import { tmpdir } from 'node:os';
import { repoRoot } from './service.mjs';

const fakeEditor = join(repoRoot, 'tests/browser/fake-editor');
const pluginDir = join(repoRoot, 'plugin');
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css',
  '.json': 'application/json', '.png': 'image/png' };

function resolvePath(url) {
  const path = normalize(decodeURIComponent(new URL(url, 'http://x').pathname));
  if (path.includes('..')) return null;
  if (path.startsWith('/gigaoffice/')) return join(pluginDir, path.slice('/gigaoffice/'.length));
  return join(fakeEditor, path === '/' ? 'editor.html' : path);
}

/** Starts the static server on a free loopback port: { origin, close() }. */
export async function startStatic() {
  const server = createServer(async (req, res) => {
    const file = resolvePath(req.url);
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream', 'Cache-Control': 'no-store' });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  return { origin: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((ok) => server.close(ok)) };
}

/** The same layout copied into a temporary folder, for pages opened from file:// (desktop editors). */
export async function copyToFolder() {
  const dir = await mkdtemp(join(tmpdir(), 'gigaoffice-plugin-file-'));
  await cp(fakeEditor, dir, { recursive: true });
  await cp(pluginDir, join(dir, 'gigaoffice'), { recursive: true, filter: (src) => !src.startsWith(join(pluginDir, 'test')) });
  return dir;
}
