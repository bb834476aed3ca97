// The functions that run inside the editor through Asc.plugin.callCommand. The editor runs them
// from their source text: each is self-contained and sees only `Api` and `Asc.scope` (plain JSON).

/**
 * The selection: {sheet, address, values (GetValue2), and for small ranges fills ([r,g,b] or null),
 * formats (GetNumberFormat) and texts (GetText, only when a cell shows a date or time)}.
 */
export function readSelection() {
  var sheet = Api.GetActiveSheet();
  var range = Api.GetSelection();
  var address = range.GetAddress(false, false, 'xlA1', false);
  // Whole columns or rows ("A:D", "1:3"): read the used part of the sheet, not a million empty cells.
  if (!/[A-Z]\$?\d/.test(address) || !/\d$/.test(address)) {
    range = sheet.GetUsedRange();
    address = range.GetAddress(false, false, 'xlA1', false);
  }
  var values = range.GetValue2();
  if (!Array.isArray(values)) values = [[values]];
  else if (values.length && !Array.isArray(values[0])) values = [values];
  var maxFillCells = Asc.scope.maxFillCells || 0;
  var fills = null;
  var formats = null;
  var texts = null;
  var cells = values.length * (values[0] ? values[0].length : 0);
  var m = /^\$?([A-Z]+)\$?(\d+)/.exec(address.split(':')[0]);
  if (m && cells > 0 && cells <= maxFillCells) {
    var col = 0;
    for (var i = 0; i < m[1].length; i++) col = col * 26 + (m[1].charCodeAt(i) - 64);
    var row = Number(m[2]);
    fills = [];
    formats = [];
    for (var r = 0; r < values.length; r++) {
      var line = [];
      var formatLine = [];
      for (var c = 0; c < values[r].length; c++) {
        var n = col + c, letters = '';
        while (n > 0) { letters = String.fromCharCode(65 + ((n - 1) % 26)) + letters; n = Math.floor((n - 1) / 26); }
        var one = sheet.GetRange(letters + (row + r));
        formatLine.push(one.GetNumberFormat());
        var fill = one.GetFillColor();
        if (fill && typeof fill === 'object') {
          var rgb = fill.GetRGB();
          line.push([(rgb >> 16) & 255, (rgb >> 8) & 255, rgb & 255]);
        } else line.push(null);
      }
      fills.push(line);
      formats.push(formatLine);
    }
    // Dates and times: their text as shown ("07.12.2026"), since GetValue2 gives serial numbers.
    var hasDate = formats.some(function (l) { return l.some(function (f) { return /[dyh]|m{1,4}/i.test(String(f).replace(/"[^"]*"|\[[^\]]*\]/g, '')) && !/^general$/i.test(f); }); });
    if (hasDate) {
      texts = range.GetText();
      if (!Array.isArray(texts)) texts = [[texts]];
      else if (texts.length && !Array.isArray(texts[0])) texts = [texts];
    }
  }
  return { sheet: sheet.GetName(), address: address, values: values, fills: fills, formats: formats, texts: texts };
}

/** Current values of Asc.scope.target (to ask before overwriting). */
export function readTarget() {
  var values = Api.GetActiveSheet().GetRange(Asc.scope.target).GetValue2();
  if (!Array.isArray(values)) return [[values]];
  return values.length && !Array.isArray(values[0]) ? [values] : values;
}

/** Applies Asc.scope.plan (see plan.js buildWritePlan): values, number formats, widths, styles, chart. */
export function applyPlan() {
  var plan = Asc.scope.plan;
  var sheet = Api.GetActiveSheet();
  var written = { cells: 0, styles: 0, formats: 0, chart: false };
  if (plan.target && plan.values) {
    sheet.GetRange(plan.target).SetValue(plan.values.map(function (row) {
      return row.map(function (v) { return v === null || v === undefined ? '' : v; });
    }));
    written.cells = plan.values.length * plan.values[0].length;
  }
  plan.formats.forEach(function (f) { sheet.GetRange(f.range).SetNumberFormat(f.format); written.formats++; });
  plan.widths.forEach(function (w) { sheet.SetColumnWidth(w.col, w.width); });
  plan.styles.forEach(function (s) {
    var range = sheet.GetRange(s.range);
    s.ops.forEach(function (o) {
      switch (o.op) {
        case 'fill': range.SetFillColor(Api.CreateColorFromRGB(o.rgb[0], o.rgb[1], o.rgb[2])); break;
        case 'fontColor': range.SetFontColor(Api.CreateColorFromRGB(o.rgb[0], o.rgb[1], o.rgb[2])); break;
        case 'bold': range.SetBold(o.value); break;
        case 'italic': range.SetItalic(o.value); break;
        case 'fontSize': range.SetFontSize(o.value); break;
        case 'alignHorizontal': range.SetAlignHorizontal(o.value); break;
        case 'alignVertical': range.SetAlignVertical(o.value); break;
        case 'border':
          ['EdgeLeft', 'EdgeTop', 'EdgeRight', 'EdgeBottom', 'InsideVertical', 'InsideHorizontal'].forEach(function (edge) {
            range.SetBorders(edge, o.lineStyle, Api.CreateColorFromRGB(0, 0, 0));
          });
          break;
      }
    });
    written.styles++;
  });
  if (plan.chart) {
    var c = plan.chart;
    var chart = sheet.AddChart(c.ref, c.inRows, c.type, 2, c.widthEmu, c.heightEmu, c.fromCol, 0, c.fromRow, 0);
    if (chart && c.title) chart.SetTitle(c.title, 13, true);
    written.chart = Boolean(chart);
  }
  return written;
}
