using System.Text.Json;
using GigaOffice.GigaChat;
using GigaOffice.Requests;
using static GigaOffice.Answers.AnswerReading;

namespace GigaOffice.Answers;

/// <summary>
/// Reads the chart part of an answer: the type (ONLYOFFICE names, synonyms mapped), the data range
/// (inside the request's data or the answer's table), the series it holds and where it goes.
/// </summary>
internal sealed class ChartReader(AnswerReading reading)
{
    /// <summary>The chart type names ONLYOFFICE's ApiWorksheet.AddChart accepts.</summary>
    public static readonly string[] ChartTypes =
    [
        "bar", "barStacked", "barStackedPercent", "bar3D", "barStacked3D", "barStackedPercent3D", "barStackedPercent3DPerspective",
        "horizontalBar", "horizontalBarStacked", "horizontalBarStackedPercent", "horizontalBar3D", "horizontalBarStacked3D", "horizontalBarStackedPercent3D",
        "lineNormal", "lineStacked", "lineStackedPercent", "line3D", "pie", "pie3D", "doughnut", "scatter", "stock",
        "area", "areaStacked", "areaStackedPercent",
    ];

    private static readonly Dictionary<string, string> ChartSynonyms = new(StringComparer.OrdinalIgnoreCase)
    {
        ["line"] = "lineNormal", ["linechart"] = "lineNormal", ["линейная"] = "lineNormal", ["график"] = "lineNormal",
        ["column"] = "bar", ["columns"] = "bar", ["barchart"] = "bar", ["histogram"] = "bar", ["столбчатая"] = "bar", ["гистограмма"] = "bar",
        ["hbar"] = "horizontalBar", ["barh"] = "horizontalBar", ["horizontal"] = "horizontalBar", ["линейчатая"] = "horizontalBar",
        ["stackedbar"] = "barStacked", ["stackedcolumn"] = "barStacked", ["donut"] = "doughnut", ["ring"] = "doughnut",
        ["кольцевая"] = "doughnut", ["piechart"] = "pie", ["круговая"] = "pie", ["точечная"] = "scatter", ["xy"] = "scatter",
        ["stackedarea"] = "areaStacked", ["собластями"] = "area", ["stackedline"] = "lineStacked",
    };

    private static string? ChartType(string raw)
    {
        var key = raw.Replace("_", "").Replace("-", "").Replace(" ", "");
        var exact = ChartTypes.FirstOrDefault(t => string.Equals(t, key, StringComparison.OrdinalIgnoreCase));
        return exact ?? (ChartSynonyms.TryGetValue(key, out var synonym) ? synonym : null);
    }

    public Read<ChartSpec?> Chart(JsonElement? element, CellRange? output, List<List<JsonElement>>? table)
    {
        JsonElement? typeElement, chart = null;
        switch (element)
        {
            case null or { ValueKind: JsonValueKind.Null }:
                return (ChartSpec?)null;
            case { ValueKind: JsonValueKind.String }:
                typeElement = element;
                break;
            case { ValueKind: JsonValueKind.Object } obj:
                chart = obj;
                typeElement = Get(obj, "type") ?? Get(obj, "chart_type");
                break;
            default:
                return Fail(ParseFailure.WrongType, "поле chart должно быть объектом");
        }
        if (Scalar(typeElement) is not { } rawType) return Fail(ParseFailure.InvalidChart, "у диаграммы не указан тип");
        if (ChartType(rawType) is not { } type) return Fail(ParseFailure.InvalidChart, $"неизвестный тип диаграммы «{Shorten(rawType)}»");
        if (type != rawType) reading.Repaired($"тип диаграммы «{rawType}» заменён на «{type}»");

        string? ignoredSheet = null;
        var dataText = chart is { } c1 ? String(Get(c1, "data_range") ?? Get(c1, "range"), "chart.data_range") : default;
        if (dataText.Error is { } textError) return textError;
        var dataRead = reading.Range(dataText.Value, "chart.data_range", ref ignoredSheet);
        if (dataRead.Error is { } rangeError) return rangeError;
        var dataRange = dataRead.Value;
        if (reading.Context.Category == "data-histogram" && output is { } frequencies && dataRange != frequencies)
        {
            if (dataRange is not null) reading.Repaired($"диапазон данных гистограммы заменён на таблицу частот {frequencies}");
            dataRange = frequencies;
        }
        dataRange ??= reading.Input;
        if (dataRange is not { } data) return Fail(ParseFailure.InvalidChart, "у диаграммы не указан диапазон данных");
        if (data.Columns == 1 && data.Rows == 1) return Fail(ParseFailure.InvalidChart, "диапазон данных диаграммы — одна ячейка");
        var inside = (reading.Input is { } input && Contains(input, data)) || (output is { } outRange && Contains(outRange, data));
        if (!inside && (reading.Input is not null || output is not null))
            return Fail(ParseFailure.InvalidChart, $"диапазон данных диаграммы {data} выходит за пределы данных запроса");

        var seriesInRows = chart is { } c2 && Get(c2, "series_in_rows") switch
        {
            { ValueKind: JsonValueKind.True } => true,
            { ValueKind: JsonValueKind.String } s => s.GetString()?.Trim().ToLowerInvariant() is "true" or "rows" or "да",
            _ => false,
        };
        var series = Series(chart, data, ref seriesInRows, table, output);
        if (series.Error is { } seriesError) return seriesError;

        var position = chart is { } c3 ? Scalar(Get(c3, "position")) : null;
        CellRange? at = null;
        if (position is not null)
        {
            var read = reading.Range(position, "chart.position", ref ignoredSheet);
            if (read.Failed) reading.Repaired($"неверная позиция диаграммы «{Shorten(position)}» заменена");
            else at = read.Value;
        }
        if (at is null)
        {
            var right = Math.Max(data.LastColumn, output?.LastColumn ?? 0);
            at = CellRange.At(Math.Min(CellRange.MaxColumn, right + 2), data.FirstRow, 1, 1);
            if (position is null) reading.Repaired($"позиция диаграммы не указана: {at}");
        }
        return new ChartSpec
        {
            Type = type,
            Title = chart is { } c4 ? Scalar(Get(c4, "title")) : null,
            DataRange = data.ToString(),
            SeriesInRows = seriesInRows,
            Position = CellRange.At(at.Value.FirstColumn, at.Value.FirstRow, 1, 1).ToString(),
            Series = series.Value,
        };
    }

    /// <summary>
    /// The series a data range holds: by convention its first row holds the category labels and
    /// its first column the series names (or the other way round when series are in columns).
    /// A series list from the model must agree with that count; when it agrees only with the
    /// other orientation, series_in_rows was wrong and is flipped.
    /// </summary>
    private Read<List<ChartSeries>> Series(JsonElement? chart, CellRange data, ref bool seriesInRows, List<List<JsonElement>>? table, CellRange? output)
    {
        static int Implied(CellRange d, bool inRows) => Math.Max(1, (inRows ? d.Rows : d.Columns) - 1);
        var given = chart is { } c && Get(c, "series") is { ValueKind: JsonValueKind.Array } array ? array.EnumerateArray().ToList() : null;
        var names = new List<string?>();
        if (given is { Count: > 0 })
        {
            if (given.Count != Implied(data, seriesInRows))
            {
                if (given.Count != Implied(data, !seriesInRows))
                    return Fail(ParseFailure.InvalidChart,
                        $"число рядов диаграммы ({given.Count}) не соответствует диапазону данных {data} ({Implied(data, seriesInRows)})");
                seriesInRows = !seriesInRows;
                reading.Repaired("ориентация рядов диаграммы (series_in_rows) исправлена по числу рядов");
            }
            names = given.Select(s => s.ValueKind == JsonValueKind.Object ? Scalar(Get(s, "name")) : Scalar(s)).ToList();
        }

        var count = Implied(data, seriesInRows);
        var list = new List<ChartSeries>(count);
        for (var i = 0; i < count; i++)
        {
            var hasLabels = (seriesInRows ? data.Columns : data.Rows) > 1;
            CellRange values, nameCell;
            if (seriesInRows)
            {
                var row = data.Rows > 1 ? data.FirstRow + 1 + i : data.FirstRow;
                nameCell = new CellRange(data.FirstColumn, row, data.FirstColumn, row);
                values = new CellRange(hasLabels ? data.FirstColumn + 1 : data.FirstColumn, row, data.LastColumn, row);
            }
            else
            {
                var column = data.Columns > 1 ? data.FirstColumn + 1 + i : data.FirstColumn;
                nameCell = new CellRange(column, data.FirstRow, column, data.FirstRow);
                values = new CellRange(column, hasLabels ? data.FirstRow + 1 : data.FirstRow, column, data.LastRow);
            }
            var name = CellText(nameCell, table, output) ?? (i < names.Count ? names[i] : null);
            list.Add(new ChartSeries(name, values.ToString(), nameCell.ToString()));
        }
        return list;
    }

    /// <summary>The text of a sheet cell when the request's table or the answer's table holds it.</summary>
    private string? CellText(CellRange cell, List<List<JsonElement>>? table, CellRange? output)
    {
        JsonElement? value = null;
        if (output is { } o && table is not null && Contains(o, cell))
            value = table[cell.FirstRow - o.FirstRow][cell.FirstColumn - o.FirstColumn];
        else if (reading.Input is { } input && Contains(input, cell) && reading.Context.InputData is { ValueKind: JsonValueKind.Array } rows
                 && cell.FirstRow - input.FirstRow < rows.GetArrayLength())
        {
            var row = rows[cell.FirstRow - input.FirstRow];
            if (row.ValueKind == JsonValueKind.Array && cell.FirstColumn - input.FirstColumn < row.GetArrayLength())
                value = row[cell.FirstColumn - input.FirstColumn];
        }
        return value switch
        {
            { ValueKind: JsonValueKind.String } s => s.GetString(),
            { ValueKind: JsonValueKind.Number } n => n.GetRawText(),
            _ => null,
        };
    }
}
