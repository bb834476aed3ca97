// An in-memory spreadsheet editor for the plugin's browser tests. It implements the documented
// ONLYOFFICE Spreadsheet API subset the plugin uses (api.onlyoffice.com, spreadsheet-api), throws on
// any other member, and runs callCommand functions from their source text with only Asc.scope.
// Tests drive it through window.editor (cells, selection, charts, errors).

const params = new URLSearchParams(location.search);
const GUID = 'asc.{71C27D33-5AE5-44A7-B223-1D9DAB55A44F}';
const CHART_TYPES = new Set(['bar', 'barStacked', 'barStackedPercent', 'bar3D', 'barStacked3D', 'barStackedPercent3D',
  'barStackedPercent3DPerspective', 'horizontalBar', 'horizontalBarStacked', 'horizontalBarStackedPercent', 'horizontalBar3D',
  'horizontalBarStacked3D', 'horizontalBarStackedPercent3D', 'lineNormal', 'lineStacked', 'lineStackedPercent', 'line3D',
  'pie', 'pie3D', 'doughnut', 'scatter', 'stock', 'area', 'areaStacked', 'areaStackedPercent']);
const EDGES = new Set(['EdgeLeft', 'EdgeTop', 'EdgeRight', 'EdgeBottom', 'InsideVertical', 'InsideHorizontal', 'DiagonalDown', 'DiagonalUp']);
const LINE_STYLES = new Set(['None', 'Double', 'Hair', 'DashDotDot', 'DashDot', 'Dotted', 'Dashed', 'Thin', 'MediumDashDotDot',
  'SlantDashDot', 'MediumDashDot', 'MediumDashed', 'Medium', 'Thick']);

const letters = (n) => { let s = ''; while (n > 0) { s = String.fromCharCode(65 + ((n - 1) % 26)) + s; n = Math.floor((n - 1) / 26); } return s; };
function parse(ref) {
  const m = /^\$?([A-Z]{1,3})\$?(\d+)(?::\$?([A-Z]{1,3})\$?(\d+))?$/.exec(String(ref).toUpperCase());
  if (!m) throw new Error(`GetRange: "${ref}" is not an A1 range`);
  const col = (s) => [...s].reduce((n, ch) => n * 26 + ch.charCodeAt(0) - 64, 0);
  const c1 = col(m[1]), r1 = Number(m[2]), c2 = m[3] ? col(m[3]) : c1, r2 = m[4] ? Number(m[4]) : r1;
  return { c1: Math.min(c1, c2), r1: Math.min(r1, r2), c2: Math.max(c1, c2), r2: Math.max(r1, r2) };
}

export const sheet = { name: params.get('sheet') ?? 'Лист1', cells: new Map(), widths: new Map(), charts: [], selection: 'A1' };
const calls = [];
const errors = [];

function cell(address) {
  if (!sheet.cells.has(address)) sheet.cells.set(address, { value: '', numberFormat: 'General', fill: null, fontColor: null, bold: false,
    italic: false, fontSize: 11, alignHorizontal: 'left', alignVertical: 'bottom', borders: {} });
  return sheet.cells.get(address);
}

/** Wraps an API object: documented members work, anything else throws (the plugin must not rely on it). */
function strict(className, members) {
  return new Proxy(members, {
    get(target, prop) {
      if (typeof prop === 'symbol' || prop === 'then' || prop === 'toJSON') return undefined;
      if (!(prop in target)) throw new Error(`Undocumented API: ${className}.${String(prop)}`);
      const member = target[prop];
      if (typeof member !== 'function') return member;
      return (...args) => { calls.push(`${className}.${String(prop)}`); return member(...args); };
    },
  });
}

function color(r, g, b) {
  for (const v of [r, g, b]) if (!Number.isInteger(v) || v < 0 || v > 255) throw new Error(`CreateColorFromRGB: ${v} is not a byte`);
  const rgb = (r << 16) | (g << 8) | b;
  return strict('ApiColor', { GetClassType: () => 'color', GetRGB: () => rgb, _rgb: [r, g, b] });
}
const rgbOf = (c) => { if (!c?._rgb) throw new Error('expected an ApiColor from Api.CreateColorFromRGB'); return c._rgb; };

function range(ref) {
  const { c1, r1, c2, r2 } = parse(ref);
  const each = (fn) => { for (let r = r1; r <= r2; r++) for (let c = c1; c <= c2; c++) fn(cell(letters(c) + r), r - r1, c - c1); };
  const display = (v) => (v === '' || v == null ? '' : String(v));
  const grid = (fn) => Array.from({ length: r2 - r1 + 1 }, (_, r) => Array.from({ length: c2 - c1 + 1 }, (_, c) => fn(cell(letters(c1 + c) + (r1 + r)))));
  const single = r1 === r2 && c1 === c2;
  return strict('ApiRange', {
    GetClassType: () => 'range',
    GetAddress: (rowAbs, colAbs) => {
      const a = (c, r) => `${colAbs ? '$' : ''}${letters(c)}${rowAbs ? '$' : ''}${r}`;
      return single ? a(c1, r1) : `${a(c1, r1)}:${a(c2, r2)}`;
    },
    GetValue2: () => (single ? display(cell(letters(c1) + r1).value) : grid((x) => display(x.value))),
    SetValue: (data) => {
      if (Array.isArray(data)) {
        if (!Array.isArray(data[0])) throw new Error('SetValue: expected a 2-D array for a range');
        if (data.length !== r2 - r1 + 1 || data.some((row) => row.length !== c2 - c1 + 1)) throw new Error(`SetValue: ${data.length} rows do not fit ${ref}`);
        each((x, r, c) => { x.value = data[r][c]; });
      } else each((x) => { x.value = data; });
      return true;
    },
    GetNumberFormat: () => cell(letters(c1) + r1).numberFormat,
    // The shown text; this editor formats only what the tests need: dates as dd.mm.yyyy from serial numbers.
    GetText: () => {
      const text = (x) => (/d/i.test(x.numberFormat) && typeof x.value === 'number'
        ? new Date(Date.UTC(1899, 11, 30) + x.value * 86400000).toISOString().slice(0, 10).split('-').reverse().join('.')
        : display(x.value));
      return single ? text(cell(letters(c1) + r1)) : grid(text);
    },
    SetNumberFormat: (f) => { if (typeof f !== 'string' || !f) throw new Error('SetNumberFormat: expected a format code'); each((x) => { x.numberFormat = f; }); },
    GetFillColor: () => { const f = cell(letters(c1) + r1).fill; return f ? color(...f) : 'No Fill'; },
    SetFillColor: (c) => { const rgb = rgbOf(c); each((x) => { x.fill = rgb; }); },
    SetFontColor: (c) => { const rgb = rgbOf(c); each((x) => { x.fontColor = rgb; }); },
    SetBold: (v) => each((x) => { x.bold = Boolean(v); }),
    SetItalic: (v) => each((x) => { x.italic = Boolean(v); }),
    SetFontSize: (v) => each((x) => { x.fontSize = v; }),
    SetAlignHorizontal: (v) => {
      if (!['left', 'right', 'center', 'justify'].includes(v)) throw new Error(`SetAlignHorizontal: "${v}"`);
      each((x) => { x.alignHorizontal = v; });
    },
    SetAlignVertical: (v) => {
      if (!['center', 'bottom', 'top', 'distributed', 'justify'].includes(v)) throw new Error(`SetAlignVertical: "${v}"`);
      each((x) => { x.alignVertical = v; });
    },
    SetBorders: (edge, lineStyle, c) => {
      if (!EDGES.has(edge) || !LINE_STYLES.has(lineStyle)) throw new Error(`SetBorders: "${edge}", "${lineStyle}"`);
      rgbOf(c);
      each((x) => { x.borders[edge] = lineStyle; });
    },
  });
}

/** A selection of whole columns or rows: its address is all a plugin should read from it. */
function wholeLines(ref) {
  const refuse = (name) => () => { throw new Error(`${name} on ${ref} would read over a million cells; read GetUsedRange() instead`); };
  return strict('ApiRange', { GetClassType: () => 'range', GetAddress: () => ref, GetValue2: refuse('GetValue2'), SetValue: refuse('SetValue') });
}

const worksheet = strict('ApiWorksheet', {
  GetClassType: () => 'worksheet',
  GetName: () => sheet.name,
  GetRange: (ref) => range(ref),
  GetUsedRange: () => {
    const used = [...sheet.cells.entries()].filter(([, c]) => c.value !== '').map(([a]) => parse(a));
    if (used.length === 0) return range('A1');
    return range(`${letters(Math.min(...used.map((u) => u.c1)))}${Math.min(...used.map((u) => u.r1))}:${letters(Math.max(...used.map((u) => u.c1)))}${Math.max(...used.map((u) => u.r1))}`);
  },
  SetColumnWidth: (col, width) => { if (!Number.isInteger(col) || col < 0) throw new Error('SetColumnWidth: column index'); sheet.widths.set(col, width); },
  AddChart: (dataRange, inRows, type, styleIndex, extX, extY, fromCol, colOffset, fromRow, rowOffset) => {
    // "formed specifically and including the sheet name": 'Sheet'!$A$1:$D$3
    const m = /^'((?:[^']|'')+)'!(\$[A-Z]+\$\d+(?::\$[A-Z]+\$\d+)?)$/.exec(dataRange);
    if (!m || m[1].replace(/''/g, "'") !== sheet.name) throw new Error(`AddChart: data range "${dataRange}" must name this sheet and use absolute cells`);
    if (typeof inRows !== 'boolean') throw new Error('AddChart: bInRows must be boolean');
    if (!CHART_TYPES.has(type)) throw new Error(`AddChart: unknown chart type "${type}"`);
    if (![extX, extY, fromCol, colOffset, fromRow, rowOffset].every(Number.isFinite)) throw new Error('AddChart: sizes and position must be numbers');
    const chart = { dataRange, inRows, type, styleIndex, extX, extY, fromCol, fromRow, title: null };
    sheet.charts.push(chart);
    return strict('ApiChart', { GetClassType: () => 'chart', SetTitle: (title, size, bold) => { chart.title = title; } });
  },
});

const Api = strict('Api', {
  GetActiveSheet: () => worksheet,
  GetSelection: () => (/^\$?[A-Z]+:\$?[A-Z]+$|^\$?\d+:\$?\d+$/.test(sheet.selection) ? wholeLines(sheet.selection) : range(sheet.selection)),
  CreateColorFromRGB: color,
});

/** Runs a command as the editor does: from its source text, seeing Api and a copy of Asc.scope only. */
function runCommand(source, scopeJson) {
  const run = new Function('Api', 'Asc', `"use strict"; return (${source})();`);
  const result = run(Api, { scope: JSON.parse(scopeJson) });
  return result === undefined ? undefined : JSON.parse(JSON.stringify(result));
}

const frame = document.getElementById('plugin');
window.addEventListener('message', (event) => {
  if (event.source !== frame.contentWindow) return;
  const message = JSON.parse(event.data);
  const reply = (m) => frame.contentWindow.postMessage(JSON.stringify(m), '*');
  if (message.type === 'initialize') {
    const options = params.get('options') ? JSON.parse(params.get('options')) : undefined;
    reply({ type: 'init', info: { editorType: 'cell', guid: GUID, lang: 'ru-RU', options, theme: { type: params.get('theme') ?? 'light', name: 'theme-classic-light' }, data: '' } });
  } else if (message.type === 'command') {
    let result;
    try {
      result = runCommand(message.func, message.scope);
    } catch (error) {
      errors.push(String(error?.stack ?? error));
      console.error('callCommand failed:', error);
    }
    reply({ type: 'commandResult', id: message.id, result });
  }
});

function render() {
  const el = document.getElementById('sheet');
  const used = [...sheet.cells.entries()].filter(([, c]) => c.value !== '');
  el.textContent = `${sheet.name}: ${used.map(([a, c]) => `${a}=${c.value}`).join('  ')}`;
}

window.editor = {
  sheet,
  calls,
  errors,
  /** rows of values from the top-left cell. */
  setValues(topLeft, rows) { const { c1, r1 } = parse(topLeft); rows.forEach((row, r) => row.forEach((v, c) => { cell(letters(c1 + c) + (r1 + r)).value = v; })); render(); },
  select(ref) { sheet.selection = ref; },
  cell(address) { return JSON.parse(JSON.stringify(cell(address))); },
  values(ref) { const { c1, r1, c2, r2 } = parse(ref); return Array.from({ length: r2 - r1 + 1 }, (_, r) => Array.from({ length: c2 - c1 + 1 }, (_, c) => cell(letters(c1 + c) + (r1 + r)).value)); },
  fill(ref, rgb) { range(ref).SetFillColor(color(...rgb)); },
};
setInterval(render, 250);
frame.src = params.get('plugin') ?? 'gigaoffice/index.html';
