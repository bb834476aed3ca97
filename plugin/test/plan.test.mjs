import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildRequest, buildWritePlan, overwrites, writesSomething, cellValue, trimEmpty } from '../scripts/plan.js';

test('the selection becomes the structured request: header, typed rows, fills as styles', () => {
  const body = buildRequest({
    query: 'Посчитай сумму', category: '',
    selection: { sheet: 'Лист1', address: '$B$2:$C$4', values: [['Товар', 'Сумма'], ['A', '100'], ['B', 80.5]],
      fills: [[[217, 217, 217], [217, 217, 217]], [null, [255, 255, 255]], [null, [198, 239, 206]]] },
  });
  assert.deepEqual(body, {
    query_text: 'Посчитай сумму',
    worksheet: { name: 'Лист1', range: 'B2:C4' },
    data: { header: { values: ['Товар', 'Сумма'] }, rows: [{ values: ['A', 100] }, { values: ['B', 80.5] }] },
    styles: [{ id: 'fill1', background_color: '#D9D9D9' }, { id: 'fill2', background_color: '#C6EFCE' }],
    style_ranges: [{ range: 'B2', style: 'fill1' }, { range: 'C2', style: 'fill1' }, { range: 'C4', style: 'fill2' }],
  });
  assert.deepEqual([cellValue(''), cellValue('1e3'), cellValue('TRUE'), cellValue('12 шт')], [null, 1000, true, '12 шт']);
});

test('an empty selection sends only the query and the cell where the answer goes', () => {
  assert.deepEqual(buildRequest({ query: 'Создай таблицу', category: 'spreadsheet-generation', selection: { sheet: 'S', address: 'C5:D6', values: [['', ''], ['', '']] } }),
    { query_text: 'Создай таблицу', category: 'spreadsheet-generation', worksheet: { name: 'S', range: 'C5' } });
});

const analysis = {
  text: 'Средние', worksheet: { range: 'E1:F3' },
  data: { header: { values: ['Среднее', 'Изменение, %'], style: 'h', range: 'E1:F1' },
    rows: [{ values: [110, 10], range: 'E2:F2' }, { values: [88.33, null], range: 'E3:F3' }] },
  columns: [{ index: 0, format: '# ##0.00', width: 14 }], styles: [{ id: 'h', font_weight: 'bold' }, { id: 'm', background_color: '#C6EFCE' }],
  style_ranges: [{ range: 'E3', style: 'm' }, { range: 'nonsense', style: 'm' }, { range: 'F2', style: 'missing' }],
  repairs: ['x'],
};

test('a table answer: values, row and cell styles, column formats below the header', () => {
  const plan = buildWritePlan(analysis, { sheet: 'Лист1' });
  assert.equal(plan.target, 'E1:F3');
  assert.deepEqual(plan.values, [['Среднее', 'Изменение, %'], [110, 10], [88.33, null]]);
  assert.deepEqual(plan.styles, [{ range: 'E1:F1', ops: [{ op: 'bold', value: true }] }, { range: 'E3', ops: [{ op: 'fill', rgb: [198, 239, 206] }] }]);
  assert.deepEqual(plan.formats, [{ range: 'E2:E3', format: '#,##0.00' }]);
  assert.deepEqual(plan.widths, [{ col: 4, width: 14 }]);
  assert.equal(plan.chart, null);
  assert.deepEqual(plan.repairs, ['x']);
});

test('formatting-only answers touch styles only; formats count from the selection', () => {
  const plan = buildWritePlan({ text: 't', worksheet: { range: 'A1:D4' }, data: null, styles: [{ id: 'c', border: 'thin' }],
    style_ranges: [{ range: 'A1:D4', style: 'c' }], columns: [{ index: 1, format: '# ##0' }] });
  assert.equal(plan.target, null);
  assert.equal(plan.values, null);
  assert.deepEqual(plan.formats, [{ range: 'B1:B4', format: '#,##0' }]);
  assert.ok(writesSomething(plan));
  assert.equal(writesSomething(buildWritePlan({ text: 'Используйте SUMIF' })), false);
});

test('a chart answer: absolute reference on the sheet, position as 0-based column and row', () => {
  const plan = buildWritePlan({ text: '', worksheet: { range: 'A1:D3' }, chart: { type: 'lineNormal', title: 'Продажи', data_range: 'A1:D3', series_in_rows: true, position: 'F2' } }, { sheet: 'Лист 1' });
  assert.deepEqual(plan.chart, { ref: "'Лист 1'!$A$1:$D$3", inRows: true, type: 'lineNormal', title: 'Продажи', fromCol: 5, fromRow: 1, widthEmu: 4680000, heightEmu: 2700000 });
});

test('overwrites lists non-empty target cells with old and new values', () => {
  const plan = buildWritePlan(analysis);
  const { cells, total } = overwrites(plan, [['', 'было'], ['', ''], [0, '']]);
  assert.equal(total, 2);
  assert.deepEqual(cells, [{ cell: 'F1', old: 'было', new: 'Изменение, %' }, { cell: 'E3', old: '0', new: '88.33' }]);
  assert.equal(overwrites(plan, [['', ''], ['', ''], ['', '']]).total, 0);
  assert.equal(overwrites(plan, [['a', 'b'], ['c', 'd'], ['e', 'f']], 3).cells.length, 3);
});

test('empty rows and columns at the end of the selection are not sent', () => {
  const body = buildRequest({ query: 'q', selection: { sheet: 'S', address: 'B2:E5', values: [['Товар', 'Сумма', '', ''], ['A', 1, '', ''], ['', '', '', ''], ['', '', '', '']] } });
  assert.equal(body.worksheet.range, 'B2:C3');
  assert.deepEqual(body.data, { header: { values: ['Товар', 'Сумма'] }, rows: [{ values: ['A', 1] }] });
  assert.deepEqual(trimEmpty([['', 'x'], ['', '']], null).rows, [['', 'x']]);
  assert.deepEqual(trimEmpty([[null]], null), { rows: [], range: null });
});

test('cells shown as dates go as their text, other formatted numbers as numbers', () => {
  const body = buildRequest({ query: 'q', selection: { sheet: 'S', address: 'A1:C2',
    values: [['Дата', 'Доля', 'Сумма'], ['46363', '0.25', '1500']],
    formats: [['General', 'General', 'General'], ['dd.mm.yyyy', '0%', '#,##0']],
    texts: [['Дата', 'Доля', 'Сумма'], ['07.12.2026', '25%', '1,500']] } });
  assert.deepEqual(body.data.rows, [{ values: ['07.12.2026', 0.25, 1500] }]);
});
