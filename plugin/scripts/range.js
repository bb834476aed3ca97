// A1 range math: parse, format, size, offsets. Pure; used by the panel and by tests.

/** "A" -> 1, "AA" -> 27. */
export function columnNumber(letters) {
  let n = 0;
  for (const ch of letters.toUpperCase()) n = n * 26 + (ch.charCodeAt(0) - 64);
  return n;
}

/** 1 -> "A", 27 -> "AA". */
export function columnLetters(n) {
  let s = '';
  while (n > 0) {
    const r = (n - 1) % 26;
    s = String.fromCharCode(65 + r) + s;
    n = Math.floor((n - 1) / 26);
  }
  return s;
}

const CELL = /^\$?([A-Za-z]{1,3})\$?(\d{1,7})$/;

/**
 * Parses "B2", "$A$1:$D$10" or "'Лист 1'!A1:B2" into {sheet, firstCol, firstRow, lastCol, lastRow};
 * null when it is not a cell range.
 */
export function parseRange(text) {
  if (typeof text !== 'string') return null;
  let sheet = null;
  let ref = text.trim();
  const bang = ref.lastIndexOf('!');
  if (bang >= 0) {
    sheet = ref.slice(0, bang).replace(/^'(.*)'$/, '$1').replace(/''/g, "'");
    ref = ref.slice(bang + 1);
  }
  const [a, b = a, extra] = ref.split(':');
  if (extra !== undefined) return null;
  const m1 = CELL.exec(a), m2 = CELL.exec(b);
  if (!m1 || !m2) return null;
  const c1 = columnNumber(m1[1]), r1 = Number(m1[2]), c2 = columnNumber(m2[1]), r2 = Number(m2[2]);
  if (r1 < 1 || r2 < 1) return null;
  return { sheet, firstCol: Math.min(c1, c2), firstRow: Math.min(r1, r2), lastCol: Math.max(c1, c2), lastRow: Math.max(r1, r2) };
}

/** {firstCol, firstRow, lastCol, lastRow} -> "A1:D3" ("A1" for one cell). */
export function formatRange(r) {
  const a = columnLetters(r.firstCol) + r.firstRow;
  const b = columnLetters(r.lastCol) + r.lastRow;
  return a === b ? a : `${a}:${b}`;
}

export const rangeSize = (r) => ({ rows: r.lastRow - r.firstRow + 1, cols: r.lastCol - r.firstCol + 1 });

/** The range of rows x cols cells whose top-left cell is `topLeft` (text or parsed). */
export function rangeAt(topLeft, rows, cols) {
  const r = typeof topLeft === 'string' ? parseRange(topLeft) : topLeft;
  if (!r || rows < 1 || cols < 1) return null;
  return { sheet: r.sheet ?? null, firstCol: r.firstCol, firstRow: r.firstRow, lastCol: r.firstCol + cols - 1, lastRow: r.firstRow + rows - 1 };
}

/** Column `index` (0-based) of a range, as a range of its cells; rows optional to skip a header. */
export function columnOf(r, index, { skipRows = 0 } = {}) {
  const col = r.firstCol + index;
  if (col > r.lastCol || r.firstRow + skipRows > r.lastRow) return null;
  return { sheet: r.sheet ?? null, firstCol: col, firstRow: r.firstRow + skipRows, lastCol: col, lastRow: r.lastRow };
}

/** Quoted sheet reference for AddChart: 'Лист 1'!$A$1:$D$3. */
export function absoluteRef(sheet, r) {
  const a = `$${columnLetters(r.firstCol)}$${r.firstRow}`;
  const b = `$${columnLetters(r.lastCol)}$${r.lastRow}`;
  const ref = a === b ? a : `${a}:${b}`;
  return sheet ? `'${sheet.replace(/'/g, "''")}'!${ref}` : ref;
}
