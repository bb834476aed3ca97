// Line diff of two texts (longest common subsequence): [{ kind: 'same' | 'added' | 'removed', text }].
export function diffLines(before, after) {
  const a = before.split('\n');
  const b = after.split('\n');
  // Prompts are at most 20,000 characters, so the quadratic table stays small.
  const lcs = Array.from({ length: a.length + 1 }, () => new Uint32Array(b.length + 1));
  for (let i = a.length - 1; i >= 0; i--)
    for (let j = b.length - 1; j >= 0; j--)
      lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  const out = [];
  let i = 0, j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) { out.push({ kind: 'same', text: a[i] }); i++; j++; }
    else if (lcs[i + 1][j] >= lcs[i][j + 1]) out.push({ kind: 'removed', text: a[i++] });
    else out.push({ kind: 'added', text: b[j++] });
  }
  while (i < a.length) out.push({ kind: 'removed', text: a[i++] });
  while (j < b.length) out.push({ kind: 'added', text: b[j++] });
  return out;
}

/** A sample table typed by hand: one row a line, cells split by tabs (as pasted from a sheet) or semicolons. */
export function parseSampleTable(text) {
  const lines = text.split('\n').map((l) => l.replace(/\r$/, '')).filter((l) => l.trim() !== '');
  return lines.map((l) => (l.includes('\t') ? l.split('\t') : l.split(';')).map((cell) => {
    const t = cell.trim();
    return t !== '' && !Number.isNaN(Number(t.replace(',', '.'))) ? Number(t.replace(',', '.')) : t;
  }));
}

/** Runs of unchanged lines longer than 2 * context + 1 folded to { kind: 'skipped', count }, keeping context lines around changes. */
export function foldUnchanged(lines, context = 2) {
  const out = [];
  let run = [];
  const flush = (atEnd) => {
    const keepHead = out.length ? context : 0;
    const keepTail = atEnd ? 0 : context;
    if (run.length > keepHead + keepTail + 1) {
      out.push(...run.slice(0, keepHead), { kind: 'skipped', count: run.length - keepHead - keepTail }, ...run.slice(run.length - keepTail));
    } else out.push(...run);
    run = [];
  };
  for (const line of lines) {
    if (line.kind === 'same') run.push(line);
    else { flush(false); out.push(line); }
  }
  flush(true);
  return out;
}
