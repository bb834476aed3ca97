// From the selection to the request, and from the answer document to a write plan: plain JSON that
// the sheet writer applies inside callCommand. Pure.
import { parseRange, formatRange, rangeAt, rangeSize, columnOf, absoluteRef } from './range.js';
import { styleOperations, rgbToHex } from './styles.js';
import { editorNumberFormat, isDateFormat } from './formats.js';

const NUMBER = /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/** A cell as the editor returns it (GetValue2 gives text) -> string, number, boolean or null. */
export function cellValue(v) {
  if (v === '' || v == null) return null;
  if (typeof v === 'number' || typeof v === 'boolean') return v;
  const s = String(v);
  if (NUMBER.test(s.trim())) return Number(s);
  if (s === 'TRUE' || s === 'FALSE') return s === 'TRUE';
  return s;
}

const isEmpty = (v) => v === null || v === undefined || v === '';

/** The first row is a header when the table has more rows and that row holds text. */
export function hasHeader(rows) {
  return rows.length > 1 && rows[0].some((v) => typeof v === 'string' && v.trim() !== '');
}

/** Drops empty rows and columns at the end of the selection (a generous selection sends only its data). */
export function trimEmpty(rows, range) {
  let height = rows.length;
  while (height > 0 && rows[height - 1].every(isEmpty)) height--;
  let width = Math.max(0, ...rows.slice(0, height).map((r) => r.length));
  while (width > 0 && rows.slice(0, height).every((r) => isEmpty(r[width - 1]))) width--;
  const trimmed = rows.slice(0, height).map((r) => Array.from({ length: width }, (_, i) => r[i] ?? null));
  return { rows: height && width ? trimmed : [], range: range && height && width ? rangeAt(range, height, width) : range };
}

/**
 * The structured request (POST /api/v1/ai/process) from what the reader took from the sheet:
 * selection = {sheet, address, values: 2-D, fills: 2-D of [r,g,b] or null (optional)}.
 */
export function buildRequest({ query, category, selection }) {
  const body = { query_text: query };
  if (category) body.category = category;
  const selected = selection && parseRange(selection.address);
  // A date cell goes as its text: its value is a serial number that means nothing to the model.
  const shown = (selection?.values ?? []).map((row, r) => row.map((v, c) =>
    (isDateFormat(selection.formats?.[r]?.[c]) && selection.texts?.[r]?.[c] ? String(selection.texts[r][c]) : cellValue(v))));
  const { rows, range } = trimEmpty(shown, selected);
  const blank = rows.length === 0;
  if (!range || blank) {
    // Nothing selected worth sending: generation and assistance still work; the answer goes to the selected cell.
    if (selected) body.worksheet = { name: selection.sheet ?? null, range: formatRange(rangeAt(selected, 1, 1)) };
    return body;
  }
  body.worksheet = { name: selection.sheet ?? null, range: formatRange(range) };
  const header = hasHeader(rows);
  body.data = { rows: rows.slice(header ? 1 : 0).map((values) => ({ values })) };
  if (header) body.data.header = { values: rows[0] };

  // Fills present in the selection, one style per colour (formatting requests see the table as it looks).
  const styles = new Map();
  const styleRanges = [];
  (selection.fills ?? []).forEach((row, r) => row?.forEach((rgb, c) => {
    if (!rgb) return;
    const hex = rgbToHex(rgb);
    if (hex === '#FFFFFF') return;
    if (!styles.has(hex)) styles.set(hex, { id: `fill${styles.size + 1}`, background_color: hex });
    styleRanges.push({ range: formatRange(rangeAt({ firstCol: range.firstCol + c, firstRow: range.firstRow + r }, 1, 1)), style: styles.get(hex).id });
  }));
  if (styles.size > 0 && styleRanges.length <= 2000) {
    body.styles = [...styles.values()];
    body.style_ranges = styleRanges;
  }
  return body;
}

/**
 * The answer document (result of GET /api/v1/ai/result) -> what to write:
 * {target, values, formats: [{range, format}], widths: [{col, width}], styles: [{range, ops}], chart, text, repairs}.
 * target/values are null for formatting-only and text-only answers.
 */
export function buildWritePlan(doc, { sheet = null } = {}) {
  const plan = { target: null, values: null, formats: [], widths: [], styles: [], chart: null, text: doc?.text ?? '', repairs: doc?.repairs ?? [] };
  if (!doc) return plan;
  const base = parseRange(doc.worksheet?.range ?? '');
  const rows = [];
  if (doc.data?.header) rows.push(doc.data.header);
  rows.push(...(doc.data?.rows ?? []));
  let target = null;
  if (rows.length > 0 && base) {
    const width = Math.max(...rows.map((r) => r.values?.length ?? 0));
    target = rangeAt(base, rows.length, width);
    plan.target = formatRange(target);
    plan.values = rows.map((r) => Array.from({ length: width }, (_, i) => (r.values?.[i] ?? null)));
  }

  const byId = new Map((doc.styles ?? []).map((s) => [s.id, styleOperations(s)]));
  const addStyle = (range, id) => {
    const ops = byId.get(id);
    if (range && ops?.length) plan.styles.push({ range, ops });
  };
  rows.forEach((r) => r.style && addStyle(r.range, r.style));
  (doc.style_ranges ?? []).forEach((s) => parseRange(s.range) && addStyle(formatRange(parseRange(s.range)), s.style));

  // Column formats count from the answer's table, or from the selection for formatting-only answers.
  const columnsBase = target ?? base;
  if (columnsBase) {
    for (const c of doc.columns ?? []) {
      const column = columnOf(columnsBase, c.index, { skipRows: target && doc.data?.header ? 1 : 0 });
      if (!column) continue;
      const format = editorNumberFormat(c.format);
      if (format) plan.formats.push({ range: formatRange(column), format });
      if (typeof c.width === 'number' && c.width > 0) plan.widths.push({ col: column.firstCol - 1, width: c.width });
    }
  }

  const chart = doc.chart;
  const dataRange = chart && parseRange(chart.data_range ?? '');
  if (dataRange) {
    const position = parseRange(chart.position ?? '') ?? rangeAt({ firstCol: dataRange.lastCol + 2, firstRow: dataRange.firstRow }, 1, 1);
    plan.chart = {
      ref: absoluteRef(dataRange.sheet ?? sheet, dataRange),
      inRows: Boolean(chart.series_in_rows),
      type: chart.type || 'bar',
      title: chart.title ?? null,
      fromCol: position.firstCol - 1,
      fromRow: position.firstRow - 1,
      // 13 x 7.5 cm, the editor's default chart size, in EMU.
      widthEmu: 130 * 36000,
      heightEmu: 75 * 36000,
    };
  }
  return plan;
}

/** Whether the plan touches cells at all (a text-only answer writes nothing). */
export const writesSomething = (plan) => Boolean(plan.target || plan.styles.length || plan.formats.length || plan.chart);

/**
 * Cells of the target that hold data and would be replaced: {cells: [{cell, old, new}] (first `limit`), total},
 * from the target's current values (2-D, as GetValue2 returns them).
 */
export function overwrites(plan, current, limit = 20) {
  const cells = [];
  let total = 0;
  const target = parseRange(plan.target ?? '');
  if (!target || !Array.isArray(current)) return { cells, total };
  const { rows, cols } = rangeSize(target);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const old = current[r]?.[c];
      if (isEmpty(old)) continue;
      total++;
      if (cells.length >= limit) continue;
      const cell = formatRange(rangeAt({ firstCol: target.firstCol + c, firstRow: target.firstRow + r }, 1, 1));
      const value = plan.values[r][c];
      cells.push({ cell, old: String(old), new: value == null ? '' : String(value) });
    }
  }
  return { cells, total };
}
