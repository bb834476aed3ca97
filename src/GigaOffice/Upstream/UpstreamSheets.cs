using System.Text.Json;
using GigaOffice.GigaChat;
using GigaOffice.Requests;

namespace GigaOffice.Upstream;

/// <summary>The upstream request, ready for the structured request path: the table, its styles and its column descriptions.</summary>
public sealed record MappedSheet(StructuredProcessRequest Request, List<ColumnInfo> Columns, List<FastApiError> Errors);

/// <summary>
/// Between upstream's <c>spreadsheet_data</c> and this service's structured request and answer
/// (<see cref="StructuredProcessRequest"/>, <see cref="SpreadsheetDocument"/>).
/// </summary>
public static class UpstreamSheets
{
    private static readonly string[] Weights = ["normal", "bold"];
    private static readonly string[] FontStyles = ["normal", "italic"];
    private static readonly string[] Horizontal = ["left", "center", "right"];
    private static readonly string[] Vertical = ["top", "middle", "bottom"];

    /// <summary>The checks upstream's models make (required fields, allowed words), located as FastAPI locates them.</summary>
    public static List<FastApiError> Check(SpreadsheetData data, string prefix)
    {
        var errors = new List<FastApiError>();
        var columns = data.Columns ?? [];
        for (var i = 0; i < columns.Count; i++)
            if (columns[i].Index is not { } index) errors.Add(UpstreamErrors.Missing($"{prefix}columns[{i}].index"));
            else if (index < 0) errors.Add(UpstreamErrors.Value($"{prefix}columns[{i}].index", "Column index must be non-negative"));
        var styles = data.Styles ?? [];
        for (var i = 0; i < styles.Count; i++)
        {
            var s = styles[i];
            var at = $"{prefix}styles[{i}]";
            if (string.IsNullOrWhiteSpace(s.Id)) errors.Add(UpstreamErrors.Missing($"{at}.id"));
            if (s.BackgroundColor is { } bg && !bg.StartsWith('#')) errors.Add(UpstreamErrors.Value($"{at}.background_color", "Color must start with #"));
            if (s.FontColor is { } fc && !fc.StartsWith('#')) errors.Add(UpstreamErrors.Value($"{at}.font_color", "Color must start with #"));
            if (s.FontWeight is { } w && !Weights.Contains(w)) errors.Add(UpstreamErrors.Value($"{at}.font_weight", "Font weight must be \"normal\" or \"bold\""));
            if (s.FontStyle is { } fs && !FontStyles.Contains(fs)) errors.Add(UpstreamErrors.Value($"{at}.font_style", "Font style must be \"normal\" or \"italic\""));
            if (s.HorizontalAlignment is { } h && !Horizontal.Contains(h))
                errors.Add(UpstreamErrors.Value($"{at}.horizontal_alignment", "Horizontal alignment must be \"left\", \"center\", or \"right\""));
            if (s.VerticalAlignment is { } v && !Vertical.Contains(v))
                errors.Add(UpstreamErrors.Value($"{at}.vertical_alignment", "Vertical alignment must be \"top\", \"middle\", or \"bottom\""));
            if (s.Border is { } border && border.ValueKind is not (JsonValueKind.Null or JsonValueKind.String)
                && !(border.ValueKind == JsonValueKind.Array && border.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String)))
                errors.Add(new FastApiError("string_type", UpstreamErrors.Loc("body", $"{at}.border"), "Input should be a valid string or a list of strings"));
        }
        return errors;
    }

    /// <summary>The upstream table as a structured request; a single-cell worksheet range is the table's top-left corner.</summary>
    public static MappedSheet ToStructured(SpreadsheetData data, string? queryText, string? category, string prefix = "spreadsheet_data.")
    {
        var errors = Check(data, prefix);
        var header = data.Data?.Header;
        var rows = data.Data?.Rows ?? [];
        var width = new[] { header?.Values?.Count ?? 0 }.Concat(rows.Select(r => r.Values?.Count ?? 0)).Max();
        var height = rows.Count + (header is null ? 0 : 1);
        var range = data.Worksheet?.Range;
        if (CellRange.TryParse(range, out var anchor) && anchor is { Rows: 1, Columns: 1 } && height > 0 && (height > 1 || width > 1))
            range = CellRange.At(anchor.FirstColumn, anchor.FirstRow, width, height).ToString();

        var request = new StructuredProcessRequest
        {
            QueryText = queryText,
            Category = string.IsNullOrWhiteSpace(category) ? null : category,
            Worksheet = data.Worksheet is null && range is null ? null : new WorksheetRef { Name = data.Worksheet?.Name, Range = range },
            Data = height == 0 ? null : new TableData { Header = header is null ? null : Row(header), Rows = rows.Select(Row).ToList() },
            Styles = data.Styles?.Where(s => !string.IsNullOrWhiteSpace(s.Id)).Select(ToCellStyle).ToList(),
        };
        return new MappedSheet(request, Columns(data), errors);
    }

    /// <summary>The client's column descriptions, with each column's header when the header row names it.</summary>
    public static List<ColumnInfo> Columns(SpreadsheetData data)
    {
        var names = data.Data?.Header?.Values ?? [];
        return (data.Columns ?? []).Where(c => c.Index is >= 0).Select(c => new ColumnInfo
        {
            Index = c.Index!.Value,
            Name = c.Index < names.Count && names[c.Index!.Value] is { ValueKind: JsonValueKind.String } name ? name.GetString() : null,
            Range = c.Range,
            Format = c.Format,
            Min = c.Min, Max = c.Max, Median = c.Median, Count = c.Count,
        }).ToList();
    }

    private static TableRow Row(SheetRow row) => new() { Values = row.Values ?? [], Style = row.Style };

    private static CellStyle ToCellStyle(StyleDefinition s) => new()
    {
        Id = s.Id!,
        BackgroundColor = s.BackgroundColor,
        FontColor = s.FontColor,
        FontWeight = s.FontWeight,
        FontStyle = s.FontStyle,
        FontSize = s.FontSize,
        HorizontalAlignment = s.HorizontalAlignment,
        VerticalAlignment = s.VerticalAlignment == "middle" ? "center" : s.VerticalAlignment,
        // Upstream names the edges; this service draws all edges of every cell, so any edge means a thin border.
        Border = s.Border switch
        {
            { ValueKind: JsonValueKind.String } b when b.GetString() is "none" or "" => "none",
            { ValueKind: JsonValueKind.String } => "thin",
            { ValueKind: JsonValueKind.Array } list => list.GetArrayLength() > 0 ? "thin" : "none",
            _ => null,
        },
    };

    /// <summary>The stored answer as upstream's spreadsheet structure; style ranges become style-only rows.</summary>
    public static SpreadsheetData ToUpstream(SpreadsheetAnswer answer, string? inputRange, DateTime? completedAt)
    {
        var doc = StructuredConverter.ToDocument(answer, inputRange);
        var rows = doc.Data?.Rows.Select(FromRow).ToList() ?? [];
        rows.AddRange((doc.StyleRanges ?? []).Select(s => new SheetRow { Values = null, Style = s.Style, Range = s.Range }));
        return new SpreadsheetData
        {
            Metadata = new SpreadsheetMetadata { Version = "1.0", CreatedAt = completedAt?.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture) },
            Worksheet = new WorksheetInfo { Name = doc.Worksheet?.Name ?? "Sheet1", Range = doc.Worksheet?.Range ?? "A1" },
            Data = new WorksheetData { Header = doc.Data?.Header is { } h ? FromRow(h) : null, Rows = rows },
            Columns = doc.Columns?.Select(c => new ColumnDefinition { Index = c.Index, Format = c.Format ?? "General" }).ToList() ?? [],
            Styles = doc.Styles?.Select(FromCellStyle).ToList() ?? [],
        };
    }

    private static SheetRow FromRow(TableRow row) => new() { Values = row.Values, Style = row.Style, Range = row.Range };

    private static readonly JsonElement AllEdges = JsonSerializer.SerializeToElement(new[] { "top", "right", "bottom", "left" });

    private static StyleDefinition FromCellStyle(CellStyle s) => new()
    {
        Id = s.Id,
        BackgroundColor = s.BackgroundColor,
        FontColor = s.FontColor,
        FontWeight = s.FontWeight,
        FontStyle = s.FontStyle,
        FontSize = s.FontSize,
        HorizontalAlignment = s.HorizontalAlignment is "left" or "center" or "right" ? s.HorizontalAlignment : null,
        VerticalAlignment = s.VerticalAlignment == "center" ? "middle" : s.VerticalAlignment,
        Border = s.Border is null or "none" ? null : AllEdges,
    };
}
