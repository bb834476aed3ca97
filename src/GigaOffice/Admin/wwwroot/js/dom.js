// Builds elements from data with textContent only: nothing from the service is parsed as HTML.

/** h('td', { class: 'num' }, 'text', child) */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function table(headers, rows) {
  return h('div', { class: 'table-wrap' }, h('table', {},
    h('thead', {}, h('tr', {}, headers.map((x) => (typeof x === 'string' ? h('th', { scope: 'col' }, x) : h('th', { scope: 'col', class: x.class }, x.text))))),
    h('tbody', {}, rows)));
}

export function figure(label, value, id) {
  return h('div', { class: 'figure' }, h('div', { class: 'value', id }, value), h('div', { class: 'label' }, label));
}

export function message(text, kind = 'error') {
  return h('p', { class: kind, role: kind === 'error' ? 'alert' : 'status' }, text);
}

const number = new Intl.NumberFormat('ru-RU');
export const fmt = (n) => (n === null || n === undefined ? '—' : number.format(n));
export const ms = (n) => (n === null || n === undefined ? '—' : `${number.format(Math.round(n))} мс`);
export const when = (iso) => (iso ? new Date(iso).toLocaleString('ru-RU') : '—');

export const statusNames = { queued: 'в очереди', processing: 'обрабатывается', completed: 'готов', failed: 'ошибка' };
export const badge = (status) => h('span', { class: `badge ${status}` }, statusNames[status] ?? status);

export const periods = [['1h', '1 ч'], ['24h', '24 ч'], ['7d', '7 дн'], ['30d', '30 дн']];

/** Period buttons; calls onChange with the chosen period. */
export function periodPicker(current, onChange) {
  const buttons = periods.map(([value, label]) => h('button', {
    type: 'button', 'data-period': value, 'aria-pressed': String(value === current),
    onclick: () => { for (const b of buttons) b.setAttribute('aria-pressed', String(b === buttons.find((x) => x.dataset.period === value))); onChange(value); },
  }, label));
  return h('div', { class: 'tabs', role: 'group', 'aria-label': 'Период' }, buttons);
}
