// Dashboard: what the service did in a period, as figures and charts (GET /api/admin/dashboard).
import { get } from './api.js';
import { h, figure, fmt, ms, table, periodPicker, statusNames } from './dom.js';
import { chartCard, bar, doughnut, resetCharts, colors } from './charts.js';

let period = '24h';

export async function showDashboard(view) {
  resetCharts();
  const body = h('div', {});
  view.append(h('h2', {}, 'Обзор'), periodPicker(period, (p) => { period = p; render(body); }), body);
  await render(body);
}

function bucketLabel(iso, minutes) {
  const d = new Date(iso);
  return minutes >= 1440 ? d.toLocaleDateString('ru-RU', { day: '2-digit', month: '2-digit' })
    : minutes >= 360 ? d.toLocaleString('ru-RU', { day: '2-digit', month: '2-digit', hour: '2-digit', minute: '2-digit' })
      : d.toLocaleTimeString('ru-RU', { hour: '2-digit', minute: '2-digit' });
}

async function render(body) {
  const d = await get(`/api/admin/dashboard?period=${period}`);
  resetCharts();
  const s = d.summary;
  const cacheShare = s.total_requests ? Math.round((100 * s.cache_hits) / s.total_requests) : 0;
  const figures = h('div', { class: 'figures' },
    figure('Запросов за период', fmt(s.total_requests), 'requests-total'),
    figure('Успешных', d.success_rate === null ? '—' : `${String(d.success_rate).replace('.', ',')} %`, 'success-rate'),
    figure('Ошибок', fmt(s.by_status.failed), 'requests-failed'),
    figure('Обработка p50 / p95', `${ms(s.processing_time_ms.p50)} / ${ms(s.processing_time_ms.p95)}`, 'processing-time'),
    figure('GigaChat p50 / p95', `${ms(s.giga_chat_time_ms.p50)} / ${ms(s.giga_chat_time_ms.p95)}`, 'gigachat-time'),
    figure('Токенов (оплачено)', fmt(s.tokens.total), 'tokens-total'),
    figure('Из них предрасчёт (кэш промпта)', fmt(s.tokens.precached ?? 0), 'tokens-precached'),
    figure('Из кэша', `${fmt(s.cache_hits)} (${cacheShare} %)`, 'cache-hits'),
    figure('Квота GigaChat, запросов/мин', `${fmt(d.quota.granted_last_minute)} из ${fmt(d.quota.limit_per_minute)}`, 'quota-now'),
    figure('В очереди сейчас', fmt(s.queue_depth), 'queue-depth'));

  const labels = d.timeline.map((b) => bucketLabel(b.start, d.bucket_minutes));
  const timeline = chartCard('Запросы по времени', bar(labels, [
    { label: 'готовы', data: d.timeline.map((b) => b.completed), color: colors.ok },
    { label: 'ошибки', data: d.timeline.map((b) => b.failed), color: colors.bad },
    { label: 'в работе', data: d.timeline.map((b) => b.pending), color: colors.wait },
  ], { stacked: true }), `всего ${s.total_requests}`, 'wide');

  const statuses = Object.keys(s.by_status);
  const byStatus = chartCard('По статусам', doughnut(statuses.map((x) => statusNames[x] ?? x), statuses.map((x) => s.by_status[x]),
    [colors.wait, colors.accent, colors.ok, colors.bad]), statuses.map((x) => `${statusNames[x]}: ${s.by_status[x]}`).join(', '));

  const categories = Object.keys(s.by_category);
  const byCategory = chartCard('По категориям', bar(categories, [
    { label: 'готовы', data: categories.map((c) => s.by_category[c].completed), color: colors.ok },
    { label: 'ошибки', data: categories.map((c) => s.by_category[c].failed), color: colors.bad },
    { label: 'в работе', data: categories.map((c) => s.by_category[c].in_progress), color: colors.wait },
  ], { stacked: true, horizontal: true }), categories.map((c) => `${c}: ${s.by_category[c].total}`).join(', ') || 'нет запросов');

  const days = d.tokens_per_day.map((t) => new Date(`${t.day}T00:00:00Z`).toLocaleDateString('ru-RU', { day: '2-digit', month: '2-digit' }));
  const tokens = chartCard('Токены по дням', bar(days, [
    { label: 'оплачено (ответы)', data: d.tokens_per_day.map((t) => t.billed), color: colors.accent },
    { label: 'предрасчёт (кэш)', data: d.tokens_per_day.map((t) => t.precached), color: colors.extra },
    { label: 'классификация', data: d.tokens_per_day.map((t) => t.classification), color: colors.grey },
  ], { stacked: true }), d.tokens_per_day.map((t) => `${t.day}: ${t.billed}`).join(', '));

  const quota = chartCard('Квота GigaChat (запросов в минуту)', bar(['за последнюю минуту', 'пик за период', 'лимит'], [
    { label: 'запросов в минуту', data: [d.quota.granted_last_minute, d.quota.peak_per_minute, d.quota.limit_per_minute],
      backgroundColor: [colors.accent, d.quota.peak_per_minute >= d.quota.limit_per_minute ? colors.bad : colors.wait, colors.grey] },
  ]), `пик ${d.quota.peak_per_minute} при лимите ${d.quota.limit_per_minute}`);

  const keys = chartCard('Ключи с наибольшим расходом токенов', bar(d.top_keys.map((k) => k.name), [
    { label: 'токены', data: d.top_keys.map((k) => k.tokens) },
  ], { horizontal: true }), d.top_keys.map((k) => `${k.name}: ${k.tokens}`).join(', ') || 'нет данных');

  const keyTable = h('div', { class: 'card wide' }, h('h3', {}, 'Расход по ключам'), table(
    ['Ключ', 'Префикс', { text: 'Запросов', class: 'num' }, { text: 'Токенов', class: 'num' }],
    d.top_keys.map((k) => h('tr', {}, h('td', {}, k.name), h('td', {}, k.prefix ?? '—'), h('td', { class: 'num' }, fmt(k.requests)), h('td', { class: 'num' }, fmt(k.tokens))))));

  const errors = Object.entries(s.errors);
  const errorTable = h('div', { class: 'card' }, h('h3', {}, 'Ошибки по кодам'), errors.length
    ? table(['Код', { text: 'Запросов', class: 'num' }], errors.map(([code, n]) => h('tr', {}, h('td', {}, code), h('td', { class: 'num' }, fmt(n)))))
    : h('p', { class: 'muted' }, 'Ошибок нет.'));

  body.replaceChildren(figures, h('div', { class: 'grid' }, timeline, byStatus, byCategory, tokens, quota, keys, errorTable, keyTable));
}
