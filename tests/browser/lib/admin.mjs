// Helpers of the admin-console browser tests: signing in through the page and feeding the service requests.

/** Signs in through the console's form and waits for the navigation (or the error message). */
export async function signIn(page, url, key) {
  await page.goto(`${url}/admin/`);
  await page.waitForSelector('#admin-key');
  await page.fill('#admin-key', key);
  // The form posts to the server, which answers with a redirect back to the console.
  await Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/admin/api/session') && r.request().method() === 'POST'),
    page.click('#sign-in'),
  ]);
  await page.waitForLoadState('load');
  await page.waitForSelector('#nav:not([hidden]), #sign-in-error:not([hidden])');
}

/** Submits a request with a client key and waits until it is processed; returns its result. */
export async function processRequest(url, clientKey, body) {
  const headers = { 'Content-Type': 'application/json', Authorization: `Bearer ${clientKey}` };
  const accepted = await fetch(`${url}/api/ai/process`, { method: 'POST', headers, body: JSON.stringify(body) });
  if (accepted.status !== 202 && accepted.status !== 200) throw new Error(`not accepted: ${accepted.status} ${await accepted.text()}`);
  const { request_id: id } = await accepted.json();
  const deadline = Date.now() + 30_000;
  for (;;) {
    const r = await fetch(`${url}/api/ai/result/${id}`, { headers });
    const result = await r.json();
    if (result.status === 'completed' || result.status === 'failed') return result;
    if (Date.now() > deadline) throw new Error(`request ${id} not processed in 30 s`);
    await new Promise((ok) => setTimeout(ok, 100));
  }
}

export async function adminApi(service, method, path, body) {
  const r = await fetch(`${service.url}${path}`, {
    method,
    headers: { 'X-Admin-Key': service.adminKey, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: r.status, body: r.headers.get('content-type')?.includes('json') ? await r.json() : null };
}
