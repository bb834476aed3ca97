// Service styles (#RRGGBB colours, font_weight, alignment, border) -> plain operations that the
// sheet writer applies inside callCommand. Pure: the operations are JSON and cross over in Asc.scope.

/** "#C6EFCE" / "c6efce" / "#abc" -> [198, 239, 206]; null when it is not a colour. */
export function hexToRgb(value) {
  if (typeof value !== 'string') return null;
  let hex = value.trim().replace(/^#/, '');
  if (/^[0-9a-f]{3}$/i.test(hex)) hex = [...hex].map((c) => c + c).join('');
  if (!/^[0-9a-f]{6}$/i.test(hex)) return null;
  return [0, 2, 4].map((i) => parseInt(hex.slice(i, i + 2), 16));
}

/** [198, 239, 206] -> "#C6EFCE". */
export function rgbToHex([r, g, b]) {
  return '#' + [r, g, b].map((v) => Math.max(0, Math.min(255, Math.round(v))).toString(16).padStart(2, '0')).join('').toUpperCase();
}

const HORIZONTAL = { left: 'left', center: 'center', centre: 'center', right: 'right', justify: 'justify' };
const VERTICAL = { top: 'top', center: 'center', middle: 'center', bottom: 'bottom' };
// The editor's SetBorders line styles.
const BORDER = { thin: 'Thin', medium: 'Medium', thick: 'Thick', none: 'None', dashed: 'Dashed', dotted: 'Dotted', double: 'Double' };

/**
 * One style of the answer -> operations in a fixed order:
 * {op: 'fill'|'fontColor', rgb}, {op: 'bold'|'italic', value}, {op: 'fontSize', value},
 * {op: 'alignHorizontal'|'alignVertical', value}, {op: 'border', lineStyle}.
 * Unknown values are skipped (the service already repairs what it can).
 */
export function styleOperations(style) {
  const ops = [];
  if (!style || typeof style !== 'object') return ops;
  const fill = hexToRgb(style.background_color);
  if (fill) ops.push({ op: 'fill', rgb: fill });
  const font = hexToRgb(style.font_color);
  if (font) ops.push({ op: 'fontColor', rgb: font });
  const weight = String(style.font_weight ?? '').toLowerCase();
  if (weight === 'bold' || Number(weight) >= 600) ops.push({ op: 'bold', value: true });
  else if (weight === 'normal' || (weight && Number(weight) < 600)) ops.push({ op: 'bold', value: false });
  const fontStyle = String(style.font_style ?? '').toLowerCase();
  if (fontStyle === 'italic') ops.push({ op: 'italic', value: true });
  else if (fontStyle === 'normal') ops.push({ op: 'italic', value: false });
  if (typeof style.font_size === 'number' && style.font_size >= 1 && style.font_size <= 409) ops.push({ op: 'fontSize', value: style.font_size });
  const h = HORIZONTAL[String(style.horizontal_alignment ?? '').toLowerCase()];
  if (h) ops.push({ op: 'alignHorizontal', value: h });
  const v = VERTICAL[String(style.vertical_alignment ?? '').toLowerCase()];
  if (v) ops.push({ op: 'alignVertical', value: v });
  const border = BORDER[String(style.border ?? '').toLowerCase()];
  if (border) ops.push({ op: 'border', lineStyle: border });
  return ops;
}
