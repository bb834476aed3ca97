import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hexToRgb, rgbToHex, styleOperations } from '../scripts/styles.js';
import { editorNumberFormat, isDateFormat } from '../scripts/formats.js';

test('colours: #RRGGBB, short and without #; not colours give null', () => {
  assert.deepEqual(hexToRgb('#C6EFCE'), [198, 239, 206]);
  assert.deepEqual(hexToRgb('d9d9d9'), [217, 217, 217]);
  assert.deepEqual(hexToRgb('#0f0'), [0, 255, 0]);
  assert.equal(hexToRgb('green'), null);
  assert.equal(hexToRgb(undefined), null);
  assert.equal(rgbToHex([0, 97, 0]), '#006100');
});

test('a style becomes editor operations in a fixed order, unknown values skipped', () => {
  assert.deepEqual(styleOperations({ id: 'header', background_color: '#D9D9D9', font_color: '#006100', font_weight: 'bold',
    font_style: 'italic', font_size: 12, horizontal_alignment: 'center', vertical_alignment: 'middle', border: 'thin' }), [
    { op: 'fill', rgb: [217, 217, 217] },
    { op: 'fontColor', rgb: [0, 97, 0] },
    { op: 'bold', value: true },
    { op: 'italic', value: true },
    { op: 'fontSize', value: 12 },
    { op: 'alignHorizontal', value: 'center' },
    { op: 'alignVertical', value: 'center' },
    { op: 'border', lineStyle: 'Thin' },
  ]);
  assert.deepEqual(styleOperations({ font_weight: '700', horizontal_alignment: 'sideways', border: 'zigzag' }), [{ op: 'bold', value: true }]);
  assert.deepEqual(styleOperations({ font_weight: 'normal' }), [{ op: 'bold', value: false }]);
  assert.deepEqual(styleOperations(null), []);
});

test('number formats: Russian separators and date letters become the editor format code', () => {
  assert.equal(editorNumberFormat('# ##0'), '#,##0');
  assert.equal(editorNumberFormat('# ##0.00'), '#,##0.00');
  assert.equal(editorNumberFormat('# ##0,00'), '#,##0.00');
  assert.equal(editorNumberFormat('0,0%'), '0.0%');
  assert.equal(editorNumberFormat('#,##0'), '#,##0');
  assert.equal(editorNumberFormat('ДД.ММ.ГГГГ'), 'dd.mm.yyyy');
  assert.equal(editorNumberFormat('# ##0 "₽"'), '#,##0 "₽"');
  assert.equal(editorNumberFormat('0 "шт, кг"'), '0 "шт, кг"');
  assert.equal(editorNumberFormat(''), null);
  assert.equal(editorNumberFormat(5), null);
});

test('date and time formats are told from number formats', () => {
  for (const f of ['dd.mm.yyyy', 'd/m/yy', 'hh:mm', '[$-419]d mmmm yyyy', 'mmm-yy']) assert.equal(isDateFormat(f), true, f);
  for (const f of ['General', '#,##0.00', '0%', '0.0 "дней"', '', null, '# ##0 "м"']) assert.equal(isDateFormat(f), false, String(f));
});
