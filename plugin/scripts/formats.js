// Number formats: the service writes them the Russian way ("# ##0,00", "ДД.ММ.ГГГГ"); the editor's
// SetNumberFormat takes the invariant format code ("#,##0.00", "dd.mm.yyyy"). Pure.

const DATE_PARTS = [[/ГГГГ/g, 'yyyy'], [/ГГ/g, 'yy'], [/ДД/g, 'dd'], [/ММ/g, 'mm'], [/чч/gi, 'hh'], [/мм/g, 'mm'], [/сс/g, 'ss']];

/** Converts one format code; text in quotes is kept as is. Empty or non-string -> null. */
export function editorNumberFormat(format) {
  if (typeof format !== 'string' || !format.trim()) return null;
  return format.split(/("[^"]*")/).map((part) => (part.startsWith('"') ? part : convert(part))).join('');
}

function convert(code) {
  let s = code;
  for (const [pattern, replacement] of DATE_PARTS) s = s.replace(pattern, replacement);
  // A space (or no-break space) between digit placeholders is the thousands separator.
  s = s.replace(/([#0])[\u00a0\u202f ]+(?=[#0])/g, '$1,');
  // "0,00" with no "." is the Russian decimal comma; "#,##0" (group of three) stays a separator.
  if (!s.includes('.')) s = s.replace(/([#0]),([0#]{1,2}(?![0#]))/g, '$1.$2');
  return s;
}

/** Whether a format code shows a date or time (then the cell's text, not its serial number, goes to the model). */
export function isDateFormat(format) {
  if (typeof format !== 'string' || !format || /^general$/i.test(format)) return false;
  const code = format.replace(/"[^"]*"|\\.|\[[^\]]*\]/g, '');
  return /[dyhs]|m{1,4}/i.test(code) && !/^[#0.,%\s]*$/.test(code);
}
