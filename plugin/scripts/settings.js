// Where the service URL and key come from: the administrator's editorConfig.plugins.options
// (Asc.plugin.info.options, for this plugin's guid or for "all"), else the panel's form (localStorage). Pure.

export const STORAGE_KEY = 'gigaoffice.settings';

/** "https://ai.example.com/" -> "https://ai.example.com"; null unless http(s). */
export function normalizeServiceUrl(value) {
  if (typeof value !== 'string' || !value.trim()) return null;
  try {
    const url = new URL(value.trim());
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
    return (url.origin + url.pathname).replace(/\/+$/, '');
  } catch {
    return null;
  }
}

function fromOptions(o) {
  if (!o || typeof o !== 'object') return {};
  return {
    url: o.serviceUrl ?? o.service_url ?? o.url,
    key: o.apiKey ?? o.api_key ?? o.key ?? o.token,
  };
}

/**
 * {url, key, managed}: managed = true when the administrator set them (the form is then read-only);
 * options may be the whole info.options ({"all": {...}, "asc.{guid}": {...}}) or one object.
 */
export function resolveSettings({ options, guid, stored }) {
  const own = fromOptions(options?.[guid]);
  const all = fromOptions(options?.all);
  const flat = fromOptions(options);
  const admin = { url: own.url ?? all.url ?? flat.url, key: own.key ?? all.key ?? flat.key };
  const local = stored && typeof stored === 'object' ? stored : {};
  const url = normalizeServiceUrl(admin.url) ?? normalizeServiceUrl(local.url);
  const key = (admin.key ?? local.key ?? '').trim();
  return { url, key, managed: Boolean(normalizeServiceUrl(admin.url)) };
}

/** What the form saves; an error message in Russian when the URL is unusable. */
export function validateForm({ url, key }) {
  const normalized = normalizeServiceUrl(url);
  if (!normalized) return { error: 'Укажите адрес сервиса полностью, например https://ai.example.com' };
  return { settings: { url: normalized, key: (key ?? '').trim() } };
}
