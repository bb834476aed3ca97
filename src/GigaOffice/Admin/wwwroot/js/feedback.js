// Feedback: ratings over time and low-rated answers with comments, linked to their requests (/api/admin/feedback).
import { get } from './api.js';
import { h, fmt, when, table, periodPicker } from './dom.js';
import { chartCard, bar, line, resetCharts, colors } from './charts.js';

let period = '30d';

export async function showFeedback(view) {
  resetCharts();
  const body = h('div', {});
  view.append(h('h2', {}, 'Отзывы'), periodPicker(period, (p) => { period = p; render(body); }), body);
  await render(body);
}

async function render(body) {
  const f = await get(`/api/admin/feedback?period=${period}&max_rating=2`);
  resetCharts();
  const days = f.days.map((d) => new Date(`${d.day}T00:00:00Z`).toLocaleDateString('ru-RU', { day: '2-digit', month: '2-digit' }));
  const average = chartCard('Средняя оценка по дням', line(days, [{ label: 'средняя оценка', data: f.days.map((d) => d.average_rating), color: colors.accent }]),
    f.days.map((d) => `${d.day}: ${d.average_rating}`).join(', ') || 'оценок нет');
  const counts = chartCard('Оценки по дням', bar(days, [1, 2, 3, 4, 5].map((r) => ({
    label: `${r}★`, data: f.days.map((d) => d.ratings[String(r)] ?? 0), color: ['#c62828', '#ef6c00', '#f9a825', '#7cb342', '#2e7d32'][r - 1],
  })), { stacked: true }), `всего ${f.count}`);
  const low = h('div', { class: 'card wide' }, h('h3', {}, 'Низкие оценки (1–2) с комментариями'), f.low_rated.length ? table(
    ['Когда', 'Оценка', 'Категория / версия', 'Запрос', 'Комментарий'],
    f.low_rated.map((x) => h('tr', {},
      h('td', {}, h('a', { href: `#requests/${x.request_id}` }, when(x.created_at))),
      h('td', { class: 'num' }, `${x.rating}★`), h('td', {}, `${x.category} v${x.prompt_version ?? '—'}`),
      h('td', {}, x.query_text ?? '—'), h('td', {}, x.comment ?? '—'))))
    : h('p', { class: 'muted' }, 'Низких оценок нет.'));
  body.replaceChildren(
    h('div', { class: 'figures' },
      h('div', { class: 'figure' }, h('div', { class: 'value', id: 'feedback-count' }, fmt(f.count)), h('div', { class: 'label' }, 'Оценок за период')),
      h('div', { class: 'figure' }, h('div', { class: 'value' }, f.average_rating === null ? '—' : String(f.average_rating).replace('.', ',')), h('div', { class: 'label' }, 'Средняя оценка'))),
    h('div', { class: 'grid' }, average, counts, low));
}
