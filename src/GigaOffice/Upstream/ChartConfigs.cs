using System.Text.Json;
using GigaOffice.GigaChat;
using GigaOffice.Requests;

namespace GigaOffice.Upstream;

public sealed record SeriesConfig(int XAxisColumn, List<int> YAxisColumns, List<string>? SeriesNames, bool ShowDataLabels, bool SmoothLines);

public sealed record ChartPosition(int X, int Y, int Width, int Height, string? AnchorCell);

public sealed record ChartStyling(string ColorScheme, string FontFamily, int FontSize, string? BackgroundColor, string BorderStyle, string LegendPosition);

public sealed record ChartConfig(string ChartType, string Title, string? Subtitle, SeriesConfig SeriesConfig, ChartPosition Position, ChartStyling Styling);

public sealed record HistogramConfig(List<int> SourceColumns, int RecommendedBins, string RangeColumnName, string CountColumnName);

/// <summary>
/// Upstream's chart_config and histogram_config, derived from the model's answer (a chart over a
/// range, a frequency table) and the columns the client described.
/// </summary>
public static class ChartConfigs
{
    // Default cell size of the editor, to turn the anchor cell into the pixel position upstream reports.
    private const int CellWidth = 64, CellHeight = 20;

    /// <summary>
    /// The chart as upstream describes it. Series are the client's chart_data entries inside the
    /// chart's data range, indexed by column within data_range (by order when ranges do not say);
    /// the first of several is the X axis — the labels or times the others are plotted against.
    /// </summary>
    public static ChartConfig? Chart(SpreadsheetAnswer answer, List<ColumnInfo> columns, string? dataRange, string query)
    {
        if (answer.Chart is not { } chart) return null;
        var data = CellRange.TryParse(chart.DataRange, out var d) ? d : (CellRange?)null;
        var inside = columns.Where(c => data is null || !CellRange.TryParse(c.Range, out var r) || Overlaps(r, data.Value)).ToList();
        if (inside.Count == 0) inside = columns;
        var firstColumn = CellRange.TryParse(dataRange, out var dr) ? dr.FirstColumn : (int?)null;
        int IndexOf(ColumnInfo c) => firstColumn is { } fc && CellRange.TryParse(c.Range, out var r) && r.FirstColumn >= fc ? r.FirstColumn - fc : c.Index;

        int x;
        List<ColumnInfo> ys;
        if (inside.Count >= 2) { x = IndexOf(inside[0]); ys = inside.Skip(1).ToList(); }
        else if (inside.Count == 1) { x = IndexOf(inside[0]); ys = inside; }
        else { x = 0; ys = []; }

        var anchor = CellRange.TryParse(chart.Position, out var at) ? at : (CellRange?)null;
        var round = chart.Type is "pie" or "pie3D" or "doughnut";
        return new ChartConfig(
            chart.Type,
            string.IsNullOrWhiteSpace(chart.Title) ? query.Trim() : chart.Title!,
            null,
            new SeriesConfig(x, ys.Select(IndexOf).ToList(), ys.Select(c => c.Name).OfType<string>().ToList() is { Count: > 0 } names ? names : null,
                ShowDataLabels: round, SmoothLines: false),
            new ChartPosition(anchor is { } a ? (a.FirstColumn - 1) * CellWidth : 0, anchor is { } b ? (b.FirstRow - 1) * CellHeight : 0, 480, 288, anchor?.ToString()),
            new ChartStyling("office", "Arial", 12, null, "none", round ? "right" : "bottom"));
    }

    /// <summary>
    /// The histogram as upstream describes it: the bins are the frequency table's rows, its header names
    /// the range and count columns, and the source columns are those whose cells the counts refer to
    /// (else those with statistics).
    /// </summary>
    public static HistogramConfig? Histogram(SpreadsheetAnswer answer, List<ColumnInfo> columns)
    {
        if (answer.Table is not { Count: >= 2 } table || table[0].Count < 2) return null;
        var formulas = string.Join(' ', table.Skip(1).SelectMany(r => r).Where(c => c.ValueKind == JsonValueKind.String).Select(c => c.GetString()));
        var sources = columns.Where(c => c.Range is { Length: > 0 } range && formulas.Contains(range, StringComparison.OrdinalIgnoreCase)).Select(c => c.Index).ToList();
        if (sources.Count == 0) sources = columns.Where(c => c.Min is not null || c.Count is not null).Select(c => c.Index).ToList();
        if (sources.Count == 0) sources = [0];
        return new HistogramConfig(sources, Math.Clamp(table.Count - 1, 1, 100), Text(table[0][0], "Интервал"), Text(table[0][1], "Количество"));
    }

    private static string Text(JsonElement cell, string fallback) => cell.ValueKind == JsonValueKind.String && cell.GetString() is { Length: > 0 } s ? s : fallback;

    private static bool Overlaps(CellRange a, CellRange b) =>
        a.FirstColumn <= b.LastColumn && b.FirstColumn <= a.LastColumn && a.FirstRow <= b.LastRow && b.FirstRow <= a.LastRow;
}
