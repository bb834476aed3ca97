// The service's client API: submit, follow progress (events when offered, else status polling
// honouring Retry-After), result, categories, presets, feedback. Failures become {kind, ...} objects
// that messages.js turns into Russian text.
import { parseRetryAfter } from './messages.js';
import { readEvents } from './events.js';

export class ServiceFailure extends Error {
  constructor(failure) {
    super(failure.kind + (failure.status ? ` ${failure.status}` : ''));
    this.failure = failure;
  }
}

// AbortSignal.timeout/any are missing in the older Chromium of some desktop editors: built by hand.
function timeoutSignal(ms) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), ms);
  controller.signal.clear = () => clearTimeout(timer);
  return controller.signal;
}
function anySignal(signals) {
  const controller = new AbortController();
  for (const s of signals) {
    if (s.aborted) { controller.abort(); break; }
    s.addEventListener('abort', () => controller.abort(), { once: true });
  }
  return controller.signal;
}

const sleep = (ms, signal) => new Promise((resolve, reject) => {
  if (signal?.aborted) return reject(new ServiceFailure({ kind: 'cancelled' }));
  const timer = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve(); }, ms);
  const onAbort = () => { clearTimeout(timer); reject(new ServiceFailure({ kind: 'cancelled' })); };
  signal?.addEventListener('abort', onAbort, { once: true });
});

// Services known to answer 404/405 for the event stream: poll at once next time (until the panel reloads).
const withoutEvents = new Set();

export class ServiceClient {
  /** options: pollMs (status polling interval), requestTimeoutMs (one HTTP call), fetch (for tests). */
  constructor({ url, key, pollMs = 250, requestTimeoutMs = 20_000, fetch = globalThis.fetch.bind(globalThis) }) {
    this.url = url;
    this.key = key;
    this.pollMs = pollMs;
    this.requestTimeoutMs = requestTimeoutMs;
    this.fetch = fetch;
  }

  headers(extra = {}) {
    return this.key ? { Authorization: `Bearer ${this.key}`, ...extra } : { ...extra };
  }

  /** One call: JSON back, or a ServiceFailure (http with status/Retry-After/problem, network, timeout, cancelled). */
  async call(path, { method = 'GET', body, signal } = {}) {
    const timeout = timeoutSignal(this.requestTimeoutMs);
    const combined = signal ? anySignal([signal, timeout]) : timeout;
    let response;
    try {
      response = await this.fetch(this.url + path, {
        method,
        headers: this.headers(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: combined,
        cache: 'no-store',
      });
    } catch (error) {
      timeout.clear();
      if (signal?.aborted) throw new ServiceFailure({ kind: 'cancelled' });
      if (timeout.aborted) throw new ServiceFailure({ kind: 'timeout', seconds: this.requestTimeoutMs / 1000 });
      throw new ServiceFailure({ kind: 'network', url: this.url, cause: String(error) });
    }
    timeout.clear();
    const text = await response.text().catch(() => '');
    let json = null;
    try { json = text ? JSON.parse(text) : null; } catch { /* not JSON: an nginx page, say */ }
    if (!response.ok) {
      const retryAfter = parseRetryAfter(response.headers.get('Retry-After')) ?? json?.retry_after_seconds ?? null;
      throw new ServiceFailure({ kind: 'http', status: response.status, retryAfter, problem: json });
    }
    return json;
  }

  categories() { return this.call('/api/prompts/categories'); }
  presets(category) { return this.call('/api/prompts/presets' + (category ? `?category=${encodeURIComponent(category)}` : '')); }
  submit(body, signal) { return this.call('/api/v1/ai/process', { method: 'POST', body, signal }); }
  status(id, signal) { return this.call(`/api/v1/ai/status/${encodeURIComponent(id)}`, { signal }); }
  result(id, signal) { return this.call(`/api/v1/ai/result/${encodeURIComponent(id)}`, { signal }); }
  feedback(requestId, rating, comment) {
    return this.call('/api/ai/feedback', { method: 'POST', body: { request_id: requestId, rating, comment: comment || undefined } });
  }

  /** "Проверить подключение": the service answers and accepts the key. */
  async check() {
    const health = await this.call('/api/health').catch((e) => {
      // 503 from health is still a reachable service: report it as such.
      if (e.failure?.kind === 'http' && e.failure.status === 503) return { status: 'unhealthy' };
      throw e;
    });
    const categories = await this.categories();
    return { health: health?.status ?? 'unknown', categories: categories.length };
  }

  /**
   * Waits until the request is completed or failed; onProgress(status JSON) on each change.
   * Follows GET /api/ai/events/{id} when the service offers it, else polls the status.
   * totalTimeoutMs bounds the whole wait.
   */
  async waitFinished(id, { signal, onProgress = () => {}, totalTimeoutMs = 180_000, useEvents = true } = {}) {
    const total = timeoutSignal(totalTimeoutMs);
    const combined = signal ? anySignal([signal, total]) : total;
    const fail = (e) => {
      if (signal?.aborted) throw new ServiceFailure({ kind: 'cancelled' });
      if (total.aborted) throw new ServiceFailure({ kind: 'timeout', seconds: totalTimeoutMs / 1000 });
      throw e;
    };
    try {
      if (useEvents) {
        const final = await this.followEvents(id, combined, onProgress);
        if (final) return final;
      }
      return await this.poll(id, combined, onProgress);
    } catch (e) {
      return fail(e);
    } finally {
      total.clear();
    }
  }

  /** The final status from the event stream, or null when the service has no events (then poll). */
  async followEvents(id, signal, onProgress) {
    if (withoutEvents.has(this.url)) return null;
    let response;
    try {
      response = await this.fetch(`${this.url}/api/ai/events/${encodeURIComponent(id)}`, {
        headers: this.headers({ Accept: 'text/event-stream' }), signal, cache: 'no-store',
      });
    } catch {
      if (signal.aborted) throw new ServiceFailure({ kind: 'cancelled' });
      return null;
    }
    if (response.status === 404 || response.status === 405) withoutEvents.add(this.url);
    if (!response.ok || !(response.headers.get('Content-Type') ?? '').includes('text/event-stream')) {
      response.body?.cancel().catch(() => {});
      return null;
    }
    let final = null;
    await readEvents(response, ({ event, data }) => {
      let status;
      try { status = JSON.parse(data); } catch { return true; }
      onProgress({ ...status, status: status.status ?? event });
      if (event === 'completed' || event === 'failed') { final = { ...status, status: status.status ?? event }; return false; }
      return true;
    }).catch(() => {});
    return final;
  }

  async poll(id, signal, onProgress) {
    for (;;) {
      let wait = this.pollMs;
      try {
        const status = await this.status(id, signal);
        onProgress(status);
        if (status.status === 'completed' || status.status === 'failed') return status;
      } catch (e) {
        const f = e.failure;
        // Busy or limited: wait as long as the service asks, then ask again.
        if (f?.kind === 'http' && (f.status === 429 || f.status === 503) && f.retryAfter != null) wait = f.retryAfter * 1000;
        else throw e;
      }
      await sleep(wait, signal);
    }
  }
}
