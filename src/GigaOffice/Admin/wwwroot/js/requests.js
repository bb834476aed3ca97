// Request search (failed first) and one request's full story (/api/admin/requests).
import { get, query } from './api.js';
import { h, fmt, ms, when, table, badge, message, periods } from './dom.js';

let last = { period: '24h' };

export async function showRequests(view, id) {
  const results = h('div', { 'aria-live': 'polite' });
  const field = (name, label, attrs = {}) => h('div', {}, h('label', { for: `search-${name}` }, label), h('input', { id: `search-${name}`, name, value: last[name] ?? '', ...attrs }));
  const select = (name, label, options) => h('div', {}, h('label', { for: `search-${name}` }, label),
    h('select', { id: `search-${name}`, name }, options.map(([v, t]) => h('option', { value: v, selected: (last[name] ?? '') === v }, t))));
  const form = h('form', { class: 'card', role: 'search' },
    h('div', { class: 'row' },
      field('id', 'Id запроса'), field('correlation_id', 'Correlation id'), field('key', 'Ключ (имя, префикс или id)'),
      select('status', 'Статус', [['', 'любой'], ['failed', 'ошибка'], ['completed', 'готов'], ['processing', 'обрабатывается'], ['queued', 'в очереди']]),
      field('category', 'Категория'),
      select('period', 'Период', [...periods, ['all', 'всё время']]),
      h('button', { type: 'submit', id: 'search' }, 'Найти')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    last = Object.fromEntries(new FormData(form));
    await search(results);
  });
  view.append(h('h2', {}, 'Запросы'), form, results);
  if (id) await story(results, id);
  else await search(results);
}

async function search(results) {
  try {
    const rows = await get(`/api/admin/requests${query(last)}`);
    results.replaceChildren(h('div', { class: 'card' }, rows.length ? table(
      ['Когда', 'Статус', 'Категория', 'Запрос', 'Ключ', { text: 'Токены', class: 'num' }, { text: 'Время', class: 'num' }],
      rows.map((r) => h('tr', { class: r.status },
        h('td', {}, h('a', { href: `#requests/${r.request_id}` }, when(r.created_at))),
        h('td', {}, badge(r.status), r.error_code ? h('div', { class: 'muted' }, r.error_code) : '', r.cached ? h('div', { class: 'muted' }, 'из кэша') : ''),
        h('td', {}, r.category), h('td', {}, r.query_text), h('td', {}, r.key_name ?? '—'),
        h('td', { class: 'num' }, fmt(r.total_tokens)), h('td', { class: 'num' }, ms(r.processing_ms)))))
      : h('p', { class: 'muted' }, 'Ничего не найдено.')));
  } catch (e) { results.replaceChildren(message(e.message)); }
}

async function story(results, id) {
  const r = await get(`/api/admin/requests/${encodeURIComponent(id)}`);
  let repairs = [];
  let parsed = null;
  try { parsed = r.result_json ? JSON.parse(r.result_json) : null; repairs = parsed?.repairs ?? []; } catch { /* shown raw below */ }
  const item = (term, value) => [h('dt', {}, term), h('dd', {}, value ?? '—')];
  results.replaceChildren(h('div', { class: 'card', id: 'request-story' },
    h('h3', {}, `Запрос ${r.request_id}`),
    h('dl', { class: 'story' },
      item('Статус', badge(r.status)), item('Категория', `${r.category}${r.category_classified ? ` (определена: ${r.classified_by ?? 'автоматически'}${r.classification_confidence != null ? `, уверенность ${Math.round(r.classification_confidence * 100)} %` : ''})` : ''}`),
      item('Запрос пользователя', r.query_text), item('Диапазон', r.input_range),
      item('Таблица', `${fmt(r.table_rows)} строк × ${fmt(r.table_columns)} столбцов, ${fmt(r.input_bytes)} байт`),
      item('Версия промпта', r.prompt_version), item('Модель', r.model),
      item('Токены', `${fmt(r.prompt_tokens)} + ${fmt(r.completion_tokens)} = ${fmt(r.total_tokens)}; классификация ${fmt(r.classification_tokens)}`),
      item('Принят', when(r.created_at)), item('Начат', when(r.started_at)), item('Завершён', when(r.completed_at)),
      item('Время', `обработка ${ms(r.processing_ms)}, GigaChat ${ms(r.giga_chat_ms)}; попыток ${r.attempts}`),
      item('Из кэша', r.cached_from ? h('a', { href: `#requests/${r.cached_from}` }, r.cached_from) : 'нет'),
      item('Correlation id', r.correlation_id), item('Ключ', r.client_key_id),
      item('Ошибка', r.error_code ? `${r.error_code}: ${r.error_message ?? ''}` : 'нет'),
      item('Исправления ответа', repairs.length ? h('ul', {}, repairs.map((x) => h('li', {}, x))) : 'нет')),
    h('h3', {}, 'Ответ модели, как получен'),
    r.raw_answer !== null ? h('pre', { id: 'raw-answer' }, r.raw_answer)
      : h('p', { class: 'muted', id: 'raw-answer' }, r.status === 'completed' ? 'Текст модели хранится только у неудачных запросов; ниже — ответ после разбора и исправлений.' : 'Модель не ответила.'),
    h('h3', {}, 'Результат для плагина'), h('pre', {}, parsed ? JSON.stringify(parsed, null, 2) : (r.result_json ?? '—')),
    h('p', {}, h('a', { href: '#requests' }, '← к поиску'))));
}
