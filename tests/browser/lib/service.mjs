// Starts the real service (the Release build of src/GigaOffice) as a child process for a browser test:
// SQLite in a temporary folder, the in-process queue, the dry-run model, on a free loopback port.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createServer } from 'node:net';
import { randomBytes } from 'node:crypto';

export const repoRoot = resolve(import.meta.dirname, '..', '..', '..');
const serviceDll = join(repoRoot, 'src/GigaOffice/bin/Release/net10.0/GigaOffice.dll');

export function freePort() {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.unref();
    server.on('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => ok(port));
    });
  });
}

/** A strong admin key for the child service (tests only). */
export function newAdminKey() {
  return 'adm_' + randomBytes(32).toString('base64url');
}

/**
 * Starts the service and waits until /health/ready answers 200.
 * env: extra environment variables (the seed's names work, e.g. AUTH_MODE, CORS_ALLOWED_ORIGINS).
 * Returns { url, adminKey, createClientKey(name, limits), stop(), output() }.
 */
export async function startService(env = {}) {
  if (!existsSync(serviceDll))
    throw new Error(`${serviceDll} is missing: build first (dotnet build -c Release src/GigaOffice)`);
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'gigaoffice-browser-'));
  const adminKey = env.GIGAOFFICE_ADMIN_KEY ?? newAdminKey();
  const child = spawn('dotnet', [serviceDll], {
    cwd: dataDir,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      DB_SQLITE_PATH: join(dataDir, 'gigaoffice.db'),
      LOG_DIR: join(dataDir, 'logs'),
      GIGAOFFICE_ADMIN_KEY: adminKey,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout.on('data', (d) => { log += d; });
  child.stderr.on('data', (d) => { log += d; });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`service exited with ${child.exitCode}:\n${log}`);
    try {
      const r = await fetch(`${url}/health/ready`);
      if (r.ok) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) { child.kill('SIGKILL'); throw new Error(`service not ready in 60 s:\n${log}`); }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    adminKey,
    output: () => log,
    async createClientKey(name = 'browser-test', limits = {}) {
      const r = await fetch(`${url}/api/admin/keys`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Admin-Key': adminKey, Authorization: `Bearer ${adminKey}` },
        body: JSON.stringify({ name, ...limits }),
      });
      if (r.status !== 201) throw new Error(`key not created: ${r.status} ${await r.text()}`);
      return (await r.json()).api_key;
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
