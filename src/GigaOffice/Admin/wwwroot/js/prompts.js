// Categories' system prompts: edit (each change is a version), compare versions, roll back, try on a sample table.
import { api, get } from './api.js';
import { h, fmt, when, message } from './dom.js';
import { diffLines, foldUnchanged, parseSampleTable } from './diff.js';

let chosen = null;

export async function showPrompts(view, name) {
  const categories = await get('/api/admin/categories');
  if (!categories.length) { view.append(h('h2', {}, 'Промпты'), h('p', {}, 'Категорий нет.')); return; }
  chosen = categories.find((c) => c.name === (name || chosen)) ? (name || chosen) : categories[0].name;
  const select = h('select', { id: 'category' }, categories.map((c) =>
    h('option', { value: c.name, selected: c.name === chosen }, `${c.display_name} (${c.name}), v${c.version}${c.is_active ? '' : ', отключена'}`)));
  select.addEventListener('change', () => { location.hash = `#prompts/${select.value}`; });
  const body = h('div', {});
  view.append(h('h2', {}, 'Промпты и категории'),
    h('div', { class: 'card' }, h('label', { for: 'category' }, 'Категория'), select), body);
  await render(body, chosen);
}

async function render(body, name) {
  const [category, versions] = await Promise.all([get(`/api/admin/categories/${name}`), get(`/api/admin/categories/${name}/versions`)]);
  const option = document.querySelector(`#category option[value="${CSS.escape(name)}"]`);
  if (option) option.textContent = `${category.display_name} (${category.name}), v${category.version}${category.is_active ? '' : ', отключена'}`;
  const status = h('div', { 'aria-live': 'polite' });
  const text = h('textarea', { id: 'prompt-text', 'aria-describedby': 'prompt-version' }, category.system_prompt);
  const save = h('button', { type: 'button', id: 'save-prompt' }, 'Сохранить как новую версию');
  save.addEventListener('click', async () => {
    status.replaceChildren();
    try {
      await api('PATCH', `/api/admin/categories/${name}`, { system_prompt: text.value });
      await render(body, name);
      body.querySelector('[aria-live]').append(message('Сохранено: создана новая версия.', 'ok'));
    } catch (e) { status.append(message(e.message)); }
  });

  const editor = h('div', { class: 'card' },
    h('h3', {}, category.display_name),
    h('p', { class: 'muted', id: 'prompt-version' }, `Текущая версия: `, h('strong', { id: 'current-version' }, String(category.version)),
      `, изменена ${when(category.updated_at)}, вид ответа: ${category.result_kind}, примеров: ${category.examples.length}`),
    h('label', { for: 'prompt-text' }, 'Системный промпт'), text, save, status);

  body.replaceChildren(editor, versionsCard(body, name, category, versions, status), trialCard(name, text), fieldsCard(body, name, category));
}

/** The category's other fields: they do not make a prompt version. */
function fieldsCard(body, name, category) {
  const status = h('div', { 'aria-live': 'polite' });
  const displayName = h('input', { id: 'category-display-name', value: category.display_name, maxlength: 200 });
  const description = h('input', { id: 'category-description', value: category.description });
  const keywords = h('input', { id: 'category-keywords', value: category.keywords.join(', ') });
  const active = h('input', { id: 'category-active', type: 'checkbox', checked: category.is_active });
  const save = h('button', { type: 'button', class: 'secondary', id: 'save-category' }, 'Сохранить поля категории');
  save.addEventListener('click', async () => {
    status.replaceChildren();
    try {
      await api('PATCH', `/api/admin/categories/${name}`, {
        display_name: displayName.value, description: description.value, is_active: active.checked,
        keywords: keywords.value.split(',').map((k) => k.trim()).filter(Boolean),
      });
      status.append(message('Поля категории сохранены.', 'ok'));
    } catch (e) { status.append(message(e.message)); }
  });
  return h('div', { class: 'card' }, h('h3', {}, 'Категория'),
    h('div', { class: 'row' },
      h('div', {}, h('label', { for: 'category-display-name' }, 'Название'), displayName),
      h('div', {}, h('label', { for: 'category-description' }, 'Описание'), description)),
    h('label', { for: 'category-keywords' }, 'Ключевые слова классификатора (через запятую)'), keywords,
    h('label', { for: 'category-active', class: 'check' }, active, ' категория включена'), save, status);
}

function versionsCard(body, name, category, versions, status) {
  const diffOut = h('div', { class: 'diff', 'aria-live': 'polite' });
  const from = h('select', { id: 'diff-from' }, versions.map((v, i) => h('option', { value: v.version, selected: i === Math.min(1, versions.length - 1) }, `v${v.version}`)));
  const to = h('select', { id: 'diff-to' }, versions.map((v, i) => h('option', { value: v.version, selected: i === 0 }, `v${v.version}`)));
  const compare = h('button', { type: 'button', class: 'secondary', id: 'show-diff' }, 'Сравнить');
  compare.addEventListener('click', () => {
    const a = versions.find((v) => String(v.version) === from.value);
    const b = versions.find((v) => String(v.version) === to.value);
    const lines = diffLines(a.system_prompt, b.system_prompt);
    const changed = lines.filter((l) => l.kind !== 'same').length;
    diffOut.replaceChildren(h('p', { class: 'muted' }, changed ? `Изменённых строк: ${changed} (v${a.version} → v${b.version})` : 'Тексты промптов совпадают.'),
      h('pre', {}, foldUnchanged(lines).map((l) => (l.kind === 'skipped' ? h('span', { class: 'muted' }, `  … без изменений: ${l.count} строк …`)
        : h(l.kind === 'added' ? 'ins' : l.kind === 'removed' ? 'del' : 'span', {}, `${l.kind === 'added' ? '+ ' : l.kind === 'removed' ? '− ' : '  '}${l.text}`)))));
  });

  const rows = versions.map((v) => {
    const current = v.version === category.version;
    const back = h('button', { type: 'button', class: 'secondary', id: `rollback-${v.version}` }, 'Вернуть эту версию');
    back.addEventListener('click', async () => {
      try {
        await api('POST', `/api/admin/categories/${name}/rollback`, { version: v.version });
        await render(body, name);
        body.querySelector('[aria-live]').append(message(`Возвращён текст версии ${v.version} (как новая версия).`, 'ok'));
      } catch (e) { status.append(message(e.message)); }
    });
    return h('li', {}, `v${v.version} — ${when(v.created_at)}, ${v.source === 'seed' ? 'из поставки' : 'администратор'}, ${fmt(v.system_prompt.length)} симв. `,
      current ? h('span', { class: 'badge active' }, 'текущая') : back);
  });
  return h('div', { class: 'card' }, h('h3', {}, 'Версии'), h('ul', { id: 'versions' }, rows),
    h('div', { class: 'row' }, h('div', {}, h('label', { for: 'diff-from' }, 'Было'), from), h('div', {}, h('label', { for: 'diff-to' }, 'Стало'), to), compare),
    diffOut);
}

function trialCard(name, promptText) {
  const query = h('input', { id: 'trial-query', value: 'Посчитай сумму по каждому товару' });
  const sample = h('textarea', { id: 'trial-table', rows: 6 }, 'Товар;Сумма\nЯблоки;120\nГруши;80\nЯблоки;40');
  const useModel = h('input', { id: 'trial-model', type: 'checkbox' });
  const run = h('button', { type: 'button', id: 'trial-run' }, 'Проверить');
  const out = h('div', { 'aria-live': 'polite', id: 'trial-result' });
  run.addEventListener('click', async () => {
    out.replaceChildren(h('p', { class: 'muted' }, 'Выполняется…'));
    try {
      const table = parseSampleTable(sample.value);
      const columns = Math.max(1, ...table.map((r) => r.length));
      const r = await api('POST', `/api/admin/categories/${name}/try`, {
        system_prompt: promptText.value, query_text: query.value, use_model: useModel.checked,
        input_data: table, input_range: table.length ? `A1:${String.fromCharCode(64 + Math.min(columns, 26))}${table.length}` : undefined,
      });
      const tokens = r.usage ? `Токены по ответу модели: ${fmt(r.usage.prompt_tokens)} запрос + ${fmt(r.usage.completion_tokens)} ответ = ${fmt(r.usage.total_tokens)}.` : '';
      out.replaceChildren(
        h('p', {}, `Оценка промпта: ~${fmt(r.estimated_prompt_tokens)} токенов, строк отправлено: ${r.rows_sent}${r.data_truncated ? ' (таблица урезана)' : ''}. ${tokens}`),
        r.answer !== null ? [h('h3', {}, `Ответ модели (${r.model ?? r.mode})`), h('pre', {}, r.answer)] : '',
        h('details', {}, h('summary', {}, 'Сообщения, отправляемые модели'), h('pre', {}, r.messages.map((m) => `[${m.role}]\n${m.content}`).join('\n\n'))));
    } catch (e) { out.replaceChildren(message(e.message)); }
  });
  return h('div', { class: 'card' }, h('h3', {}, 'Проверить промпт на примере таблицы'),
    h('p', { class: 'muted' }, 'Берётся текст из редактора выше, даже несохранённый. Без модели — только сборка промпта и оценка токенов; с моделью — настоящий вызов (тратит квоту GigaChat).'),
    h('label', { for: 'trial-query' }, 'Запрос пользователя'), query,
    h('label', { for: 'trial-table' }, 'Таблица: строка на строку, ячейки через ; или табуляцию'), sample,
    h('label', { for: 'trial-model', class: 'check' }, useModel, ' отправить модели (настоящий вызов)'), run, out);
}
