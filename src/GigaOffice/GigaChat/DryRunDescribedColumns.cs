using System.Globalization;
using System.Text.Json;
using GigaOffice.Requests;

namespace GigaOffice.GigaChat;

/// <summary>
/// The dry-run model's answers when a client describes its columns (ranges, formats, statistics)
/// instead of sending cell values, as chart and histogram clients of the upstream API do. The
/// answers are real: the chart points at the described cells, and the histogram's counts are
/// COUNTIFS formulas over the column, so the spreadsheet computes them from the actual values.
/// </summary>
internal static class DescribedColumns
{
    public static SpreadsheetAnswer Chart(List<ColumnInfo> columns, string? inputRange, string type, string title)
    {
        var ranges = columns.Select(c => CellRange.TryParse(c.Range, out var r) ? r : (CellRange?)null).ToList();
        CellRange data;
        if (CellRange.TryParse(inputRange, out var input)) data = input;
        else if (ranges.All(r => r is not null)) data = Bounds(ranges.Select(r => r!.Value));
        else return new SpreadsheetAnswer { Text = "Не указан диапазон данных диаграммы: передайте data_range или диапазоны рядов в нотации A1." };
        if (data.Columns == 1 && data.Rows == 1)
            return new SpreadsheetAnswer { Text = $"Диапазон {data} — одна ячейка: для диаграммы нужен диапазон с данными." };

        var names = columns.Select(c => c.Name).Where(n => !string.IsNullOrWhiteSpace(n)).ToList();
        var typeName = type switch { "pie" => "круговая", "lineNormal" => "линейная", "scatter" => "точечная", _ => "столбчатая" };
        return new SpreadsheetAnswer
        {
            Text = $"Построена {typeName} диаграмма по диапазону {data}" + (names.Count > 0 ? $": ряды «{string.Join("», «", names)}»." : "."),
            Chart = new ChartSpec
            {
                Type = type, Title = title, DataRange = data.ToString(), SeriesInRows = false,
                Position = CellRange.At(Math.Min(CellRange.MaxColumn, data.LastColumn + 2), data.FirstRow, 1, 1).ToString(),
            },
        };
    }

    public static SpreadsheetAnswer Histogram(List<ColumnInfo> columns, string? inputRange)
    {
        var numeric = columns.Where(c => c is { Min: not null, Max: not null } && CellRange.TryParse(c.Range, out _)).ToList();
        if (numeric.Count == 0)
            return new SpreadsheetAnswer { Text = "Для гистограммы нужен числовой столбец с диапазоном ячеек и статистикой (min, max, count)." };
        var column = numeric.FirstOrDefault(c => c.Count > 1) ?? numeric[0];
        double min = column.Min!.Value, max = column.Max!.Value;
        var count = column.Count ?? 0;
        // Sturges' rule, kept within the 5–20 bins a reader can compare.
        var bins = max > min ? Math.Clamp((int)Math.Ceiling(Math.Log2(Math.Max(count, 2)) + 1), 5, 20) : 1;
        var width = max > min ? (max - min) / bins : 1;
        var cells = column.Range!.ToUpperInvariant();

        var output = new List<List<JsonElement>> { new() { Cell("Интервал"), Cell("Количество") } };
        for (var i = 0; i < bins; i++)
        {
            var last = i == bins - 1;
            var low = Round(min + i * width);
            var high = last ? max : Round(min + (i + 1) * width);
            output.Add(
            [
                Cell($"[{Show(low)}; {Show(high)}{(last ? "]" : ")")}"),
                Cell($"=COUNTIFS({cells},\">={Formula(low)}\",{cells},\"{(last ? "<=" : "<")}{Formula(high)}\")"),
            ]);
        }

        var right = columns.Select(c => CellRange.TryParse(c.Range, out var r) ? r.LastColumn : 0)
            .Append(CellRange.TryParse(inputRange, out var input) ? input.LastColumn : 0).Max();
        var top = CellRange.TryParse(inputRange, out var ir) ? ir.FirstRow : 1;
        var placed = CellRange.At(Math.Min(CellRange.MaxColumn - 1, right + 2), top, 2, output.Count);
        var name = string.IsNullOrWhiteSpace(column.Name) ? $"столбца {cells}" : $"«{column.Name}»";
        return new SpreadsheetAnswer
        {
            Text = $"Значения {name}: {(count > 0 ? $"{count} шт., " : "")}от {Show(min)} до {Show(max)}"
                   + (column.Median is { } median ? $", медиана {Show(median)}" : "")
                   + $"; интервалов: {bins} (правило Стёрджеса). Количество в каждом интервале считает формула COUNTIFS по ячейкам {cells}.",
            Table = output,
            OutputRange = placed.ToString(),
            Chart = new ChartSpec
            {
                Type = "bar", Title = $"Распределение значений {name}", DataRange = placed.ToString(),
                Position = CellRange.At(Math.Min(CellRange.MaxColumn, placed.LastColumn + 2), placed.FirstRow, 1, 1).ToString(),
            },
        };
    }

    private static CellRange Bounds(IEnumerable<CellRange> ranges)
    {
        var all = ranges.ToList();
        return new CellRange(all.Min(r => r.FirstColumn), all.Min(r => r.FirstRow), all.Max(r => r.LastColumn), all.Max(r => r.LastRow));
    }

    private static double Round(double value) => Math.Round(value, 4, MidpointRounding.AwayFromZero);
    private static string Show(double value) => Round(value).ToString("0.####", CultureInfo.GetCultureInfo("ru-RU"));
    private static string Formula(double value) => Round(value).ToString("0.####", CultureInfo.InvariantCulture);
    private static JsonElement Cell(string value) => JsonSerializer.SerializeToElement(value, GigaOfficeJson.Options);
}
