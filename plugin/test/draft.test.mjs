import { test } from 'node:test';
import assert from 'node:assert/strict';
import { draftText } from '../scripts/draft.js';

test('the text field of a JSON answer, even half written', () => {
  assert.equal(draftText('{"text": "Продажи растут'), 'Продажи растут');
  assert.equal(draftText('{"text": "Итог: \\"A\\" впереди\\nB', ), 'Итог: "A" впереди\nB');
  assert.equal(draftText('{"text": "Готово", "table": [["A", 1]]}'), 'Готово');
  assert.equal(draftText('```json\n{"output_range": "F1", "text": "Сумма \\u0410'), 'Сумма А');
});

test('an escape still being written is left out, not shown broken', () => {
  assert.equal(draftText('{"text": "Рост \\'), 'Рост ');
  assert.equal(draftText('{"text": "Рост \\u04'), 'Рост ');
});

test('JSON without a text field yet shows nothing; plain text is shown as it is', () => {
  assert.equal(draftText('{"table": [["Товар", "Сумма"], ["A"'), '');
  assert.equal(draftText('{"tex'), '');
  assert.equal(draftText('Продажи товара A растут'), 'Продажи товара A растут');
  assert.equal(draftText(''), '');
  assert.equal(draftText(undefined), '');
});
