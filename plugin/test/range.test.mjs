import { test } from 'node:test';
import assert from 'node:assert/strict';
import { columnNumber, columnLetters, parseRange, formatRange, rangeAt, columnOf, absoluteRef, rangeSize } from '../scripts/range.js';

test('column letters and numbers round-trip, past Z and ZZ', () => {
  for (const [n, s] of [[1, 'A'], [26, 'Z'], [27, 'AA'], [52, 'AZ'], [702, 'ZZ'], [703, 'AAA'], [16384, 'XFD']]) {
    assert.equal(columnLetters(n), s);
    assert.equal(columnNumber(s), n);
  }
});

test('ranges parse with $, sheet names and reversed corners', () => {
  assert.deepEqual(parseRange('$A$1:$D$10'), { sheet: null, firstCol: 1, firstRow: 1, lastCol: 4, lastRow: 10 });
  assert.deepEqual(parseRange("'Лист 1'!D3:B1"), { sheet: 'Лист 1', firstCol: 2, firstRow: 1, lastCol: 4, lastRow: 3 });
  assert.equal(formatRange(parseRange('b2')), 'B2');
  for (const bad of ['', 'A0', 'A1:B2:C3', '1A', null, 'A1-B2']) assert.equal(parseRange(bad), null, String(bad));
});

test('a range of a size at a corner, a column of it, its absolute reference', () => {
  const r = rangeAt('F1', 3, 7);
  assert.equal(formatRange(r), 'F1:L3');
  assert.deepEqual(rangeSize(r), { rows: 3, cols: 7 });
  assert.equal(formatRange(columnOf(r, 1, { skipRows: 1 })), 'G2:G3');
  assert.equal(columnOf(r, 7), null);
  assert.equal(absoluteRef("It's", parseRange('A1:D3')), "'It''s'!$A$1:$D$3");
  assert.equal(absoluteRef(null, parseRange('B2')), '$B$2');
});
