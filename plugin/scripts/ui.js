// Small DOM helpers of the panel: show/hide, status with elapsed time, the answer, the confirmation.
export const $ = (id) => document.getElementById(id);

export function show(id, visible = true) { $(id).hidden = !visible; }

export function setError(text) {
  $('error').textContent = text ?? '';
  show('error', Boolean(text));
}

const STATE_TEXT = { submitting: 'Отправка запроса', queued: 'В очереди', processing: 'Обрабатывается', reading: 'Чтение выделения', writing: 'Запись в таблицу' };

/** Status line: "В очереди · 1,2 с"; state and timings also go to data-* for automated checks. */
export function setStatus(state, { startedAt, text } = {}) {
  const el = $('status');
  el.dataset.state = state;
  const seconds = startedAt ? ((Date.now() - startedAt) / 1000).toLocaleString('ru-RU', { minimumFractionDigits: 1, maximumFractionDigits: 1 }) : null;
  el.textContent = text ?? `${STATE_TEXT[state] ?? state}${seconds ? ` · ${seconds} с` : ''}…`;
  el.hidden = false;
}

/** The model's text while it writes it; empty hides the line. */
export function showDraft(text) {
  $('draft').textContent = text ?? '';
  show('draft', Boolean(text));
}

export function showAnswer(text, repairs) {
  $('answer-text').textContent = text || 'Готово.';
  const list = $('answer-repairs');
  list.replaceChildren(...(repairs ?? []).map((r) => Object.assign(document.createElement('li'), { textContent: `Исправлено: ${r}` })));
  $('feedback-status').textContent = '';
  $('feedback-comment').value = '';
  document.querySelectorAll('#stars button').forEach((b) => b.classList.remove('on'));
  show('answer');
}

/** Shows what would be replaced; resolves true on "Заменить", false on "Не вставлять". */
export function askOverwrite(target, cells, total) {
  $('confirm-text').textContent = `В диапазоне ${target} уже есть данные (${total} ${plural(total, 'ячейка', 'ячейки', 'ячеек')}). Заменить их ответом?`;
  const rows = cells.map((c) => {
    const tr = document.createElement('tr');
    for (const v of [c.cell, c.old, c.new]) tr.append(Object.assign(document.createElement('td'), { textContent: v }));
    return tr;
  });
  $('confirm-cells').tBodies[0].replaceChildren(...rows);
  show('confirm-insert');
  return new Promise((resolve) => {
    const done = (answer) => { show('confirm-insert', false); $('confirm-yes').onclick = $('confirm-no').onclick = null; resolve(answer); };
    $('confirm-yes').onclick = () => done(true);
    $('confirm-no').onclick = () => done(false);
  });
}

export function plural(n, one, few, many) {
  const d = n % 10, h = n % 100;
  if (d === 1 && h !== 11) return one;
  if (d >= 2 && d <= 4 && (h < 12 || h > 14)) return few;
  return many;
}

export function applyTheme(theme) {
  const dark = /dark/i.test(theme?.type ?? theme?.name ?? '');
  document.body.classList.toggle('theme-dark', dark);
  document.body.classList.toggle('theme-light', !dark);
}
