// Calls the service with the console's session cookie; changes carry the session's CSRF token.
let csrf = null;
let onSignedOut = () => {};

export function setCsrfToken(token) { csrf = token; }
export function whenSignedOut(handler) { onSignedOut = handler; }

export class ApiError extends Error {
  constructor(status, problem) {
    super(problemText(status, problem));
    this.status = status;
    this.problem = problem;
  }
}

/** A problem+json answer as one readable Russian sentence or a few. */
export function problemText(status, problem) {
  if (!problem) return `Ошибка ${status}`;
  const parts = [problem.title, problem.detail].filter(Boolean);
  for (const messages of Object.values(problem.errors ?? {})) parts.push(...messages);
  return parts.join(' ') || `Ошибка ${status}`;
}

export async function api(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && csrf) headers['X-CSRF-Token'] = csrf;
  const response = await fetch(path, {
    method, headers, credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const type = response.headers.get('content-type') ?? '';
  const data = response.status === 204 ? null : type.includes('json') ? await response.json() : null;
  if (response.status === 401 && !path.startsWith('/admin/api/session')) onSignedOut();
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

export const get = (path) => api('GET', path);

/** A query string from the non-empty fields of an object. */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}
