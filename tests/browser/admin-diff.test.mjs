// Pure functions of the admin console: the version diff and the sample-table parser.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diffLines, foldUnchanged, parseSampleTable } from '../../src/GigaOffice/Admin/wwwroot/js/diff.js';

test('diffLines keeps common lines and marks removed and added ones in order', () => {
  assert.deepEqual(diffLines('a\nb\nc', 'a\nx\nc\nd'), [
    { kind: 'same', text: 'a' }, { kind: 'removed', text: 'b' }, { kind: 'added', text: 'x' },
    { kind: 'same', text: 'c' }, { kind: 'added', text: 'd' },
  ]);
  assert.ok(diffLines('same\ntext', 'same\ntext').every((l) => l.kind === 'same'));
  assert.deepEqual(diffLines('', 'new'), [{ kind: 'removed', text: '' }, { kind: 'added', text: 'new' }]);
});

test('parseSampleTable splits rows by lines and cells by tabs or semicolons, reading numbers', () => {
  assert.deepEqual(parseSampleTable('Товар;Сумма\nЯблоки; 12,5\n\n'), [['Товар', 'Сумма'], ['Яблоки', 12.5]]);
  assert.deepEqual(parseSampleTable('a\tb;c\r\n1\t2'), [['a', 'b;c'], [1, 2]]);
});

test('foldUnchanged keeps two lines of context around a change and folds the rest', () => {
  const before = Array.from({ length: 20 }, (_, i) => `line ${i}`).join('\n');
  const after = before.replace('line 10', 'line ten');
  const folded = foldUnchanged(diffLines(before, after));
  assert.deepEqual(folded.map((l) => l.kind), ['skipped', 'same', 'same', 'removed', 'added', 'same', 'same', 'skipped']);
  assert.equal(folded[0].count, 8);
  assert.equal(folded.at(-1).count, 7);
  assert.deepEqual(foldUnchanged(diffLines('a\nb', 'a\nc')).map((l) => l.kind), ['same', 'removed', 'added']);
});
