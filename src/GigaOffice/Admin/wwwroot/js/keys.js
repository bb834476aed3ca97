// Client keys: list, create (the key is shown once), change limits, revoke (/api/admin/keys).
import { api, get } from './api.js';
import { h, fmt, when, table, message } from './dom.js';

export async function showKeys(view) {
  const list = h('div', {});
  const created = h('div', { id: 'created-key-box', 'aria-live': 'polite' });
  const status = h('div', { 'aria-live': 'polite' });

  const form = h('form', { class: 'card', id: 'create-key-form' },
    h('h3', {}, 'Новый ключ'),
    h('div', { class: 'row' },
      h('div', {}, h('label', { for: 'new-key-name' }, 'Кому выдаётся (имя)'), h('input', { id: 'new-key-name', name: 'name', required: true, maxlength: 100 })),
      h('div', {}, h('label', { for: 'new-key-rpm' }, 'Запросов в минуту'), h('input', { id: 'new-key-rpm', type: 'number', min: 1, max: 100000, value: 60 })),
      h('div', {}, h('label', { for: 'new-key-budget' }, 'Токенов в день (0 — без ограничения)'), h('input', { id: 'new-key-budget', type: 'number', min: 0, value: 0 })),
      h('button', { id: 'create-key', type: 'submit' }, 'Создать ключ')),
    created);

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    created.replaceChildren();
    try {
      const key = await api('POST', '/api/admin/keys', {
        name: form.querySelector('#new-key-name').value,
        requests_per_minute: Number(form.querySelector('#new-key-rpm').value),
        daily_token_budget: Number(form.querySelector('#new-key-budget').value),
      });
      const copy = h('button', { type: 'button', class: 'secondary', id: 'copy-key' }, 'Копировать');
      copy.addEventListener('click', async () => {
        try { await navigator.clipboard.writeText(key.api_key); copy.textContent = 'Скопировано'; } catch { copy.textContent = 'Выделите и скопируйте вручную'; }
      });
      created.append(h('p', { class: 'ok' }, `Ключ для «${key.name}» создан. ${key.message}`),
        h('div', { class: 'secret' }, h('code', { id: 'created-key' }, key.api_key), copy));
      form.querySelector('#new-key-name').value = '';
      await renderList(list, status);
    } catch (err) {
      created.append(message(err.message));
    }
  });

  view.append(h('h2', {}, 'Ключи клиентов'), form, status, list);
  await renderList(list, status);
}

async function renderList(list, status) {
  const keys = await get('/api/admin/keys');
  const rows = keys.slice().reverse().map((k) => {
    const active = !k.revoked_at;
    const rpm = h('input', { type: 'number', min: 1, max: 100000, value: k.requests_per_minute, 'aria-label': `Запросов в минуту для ${k.name}` });
    const budget = h('input', { type: 'number', min: 0, value: k.daily_token_budget, 'aria-label': `Токенов в день для ${k.name}` });
    const save = h('button', { type: 'button', class: 'secondary', 'data-action': 'save' }, 'Сохранить');
    save.addEventListener('click', () => act(status, list, 'PATCH', k, { requests_per_minute: Number(rpm.value), daily_token_budget: Number(budget.value) }, 'Лимиты сохранены'));
    const revoke = h('button', { type: 'button', class: 'danger', 'data-action': 'revoke' }, 'Отозвать');
    revoke.addEventListener('click', () => {
      if (confirm(`Отозвать ключ «${k.name}» (${k.prefix}…)? Клиенты с этим ключом сразу получат 401.`))
        act(status, list, 'DELETE', k, undefined, 'Ключ отозван');
    });
    const budgetText = k.daily_token_budget ? `${fmt(k.tokens_used_today)} / ${fmt(k.daily_token_budget)}` : `${fmt(k.tokens_used_today)} / без ограничения`;
    return h('tr', { 'data-key-id': k.id, 'data-prefix': k.prefix },
      h('td', {}, h('code', {}, `${k.prefix}…`)),
      h('td', {}, k.name, h('div', { class: 'muted' }, `создан ${when(k.created_at)}`)),
      h('td', {}, active ? rpm : fmt(k.requests_per_minute)),
      h('td', {}, active ? budget : fmt(k.daily_token_budget)),
      h('td', { class: 'num' }, budgetText),
      h('td', {}, h('span', { class: `badge ${active ? 'active' : 'revoked'}` }, active ? 'действует' : `отозван ${when(k.revoked_at)}`)),
      h('td', {}, active ? [save, ' ', revoke] : ''));
  });
  list.replaceChildren(h('div', { class: 'card' }, keys.length
    ? table(['Префикс', 'Имя', 'Запросов/мин', 'Токенов/день', { text: 'Сегодня / бюджет', class: 'num' }, 'Состояние', ''], rows)
    : h('p', { class: 'muted' }, 'Ключей пока нет.')));
}

async function act(status, list, method, key, body, done) {
  status.replaceChildren();
  try {
    await api(method, `/api/admin/keys/${key.id}`, body);
    status.append(message(`${done}: ${key.name}.`, 'ok'));
    await renderList(list, status);
  } catch (err) {
    status.append(message(err.message));
  }
}
