using GigaOffice.Answers;
using System.Text.Json;
using System.Text.Json.Serialization;
using GigaOffice.GigaChat;

namespace GigaOffice.Requests;

/// <summary>Where a table lives: the sheet and its range in A1 notation.</summary>
public sealed record WorksheetRef
{
    /// <example>Лист1</example>
    public string? Name { get; init; }
    /// <example>A1:D3</example>
    public string? Range { get; init; }
}

/// <summary>One row: its cells (strings, numbers, booleans, null; formulas are strings starting with "="), its style id and its range.</summary>
public sealed record TableRow
{
    public List<JsonElement> Values { get; init; } = [];
    /// <summary>Id of a style from <c>styles</c> applied to the whole row.</summary>
    public string? Style { get; init; }
    /// <summary>The row's cells on the sheet (filled in answers; ignored in requests).</summary>
    public string? Range { get; init; }
}

public sealed record TableData
{
    public TableRow? Header { get; init; }
    public List<TableRow> Rows { get; init; } = [];
}

/// <summary>
/// A request of the structured API: the query and the selected table as header and rows, with
/// optional styles (so that formatting requests can see how the table looks now).
/// </summary>
public sealed record StructuredProcessRequest
{
    /// <example>Выдели зелёным максимальные продажи в каждом месяце</example>
    public string? QueryText { get; init; }
    /// <summary>Category name; omit it to let the service classify.</summary>
    public string? Category { get; init; }
    public WorksheetRef? Worksheet { get; init; }
    public TableData? Data { get; init; }
    public List<CellStyle>? Styles { get; init; }
    /// <summary>Styles on ranges other than whole rows, e.g. single cells.</summary>
    public List<StyleRange>? StyleRanges { get; init; }
}

/// <summary>
/// The answer as a spreadsheet document: target sheet range, header and rows with their ranges and
/// style ids, column formats, styles, a chart, and the text for the user. Assistance answers carry
/// only <see cref="Text"/>.
/// </summary>
public sealed record SpreadsheetDocument
{
    public string Text { get; init; } = "";
    public WorksheetRef? Worksheet { get; init; }
    public TableData? Data { get; init; }
    public List<ColumnFormat>? Columns { get; init; }
    public List<CellStyle>? Styles { get; init; }
    /// <summary>Styles on ranges that are not a whole row of <see cref="Data"/> (single cells, columns).</summary>
    public List<StyleRange>? StyleRanges { get; init; }
    public ChartSpec? Chart { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool DataTruncated { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<string>? Repairs { get; init; }
}

public sealed record StructuredResultResponse(
    Guid RequestId, string Status, string Category, SpreadsheetDocument? Result, RequestError? Error, TokenCounts Tokens,
    bool Cached, Guid? CachedFrom, double? ProcessingTimeMs, string? Model, int? PromptVersion, DateTime CreatedAt, DateTime? CompletedAt);

/// <summary>
/// How the input table looks beyond its values, as stored with the request: styles (shown to the
/// model when the category needs them) and, from clients of the versioned upstream API, column
/// descriptions (range, format, statistics), which are always shown: chart and histogram requests
/// send them instead of cell values.
/// </summary>
public sealed record InputStyles(List<CellStyle>? Styles, List<StyleRange>? StyleRanges)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<ColumnInfo>? Columns { get; init; }
}

/// <summary>A column of the input as a client described it: index in the range, header, cells on the sheet, number format, statistics over all its values.</summary>
public sealed record ColumnInfo
{
    public int Index { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Name { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Range { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Format { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? Min { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? Max { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? Median { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Count { get; init; }

    /// <summary>The columns stored with a request, if any.</summary>
    public static List<ColumnInfo>? From(JsonElement? inputStyles) =>
        inputStyles is { ValueKind: JsonValueKind.Object } element ? element.Deserialize<InputStyles>(GigaOfficeJson.Options)?.Columns : null;
}

/// <summary>Between the seed's plain table (array of rows + output_range) and the structured document.</summary>
public static class StructuredConverter
{
    /// <summary>The plain answer as a document: the first table row is the header, row styles become row style ids.</summary>
    public static SpreadsheetDocument ToDocument(SpreadsheetAnswer answer, string? inputRange = null)
    {
        TableData? data = null;
        var leftover = answer.StyleRanges?.ToList();
        if (answer.Table is { Count: > 0 } table && CellRange.TryParse(answer.OutputRange, out var range))
        {
            TableRow Row(int i)
            {
                var rowRange = new CellRange(range.FirstColumn, range.FirstRow + i, range.LastColumn, range.FirstRow + i).ToString();
                // A style on exactly this row (and the only one) is the row's style.
                var matches = leftover?.Where(s => s.Range == rowRange).ToList() ?? [];
                string? style = null;
                if (matches.Count == 1)
                {
                    style = matches[0].Style;
                    leftover!.Remove(matches[0]);
                }
                return new TableRow { Values = table[i], Style = style, Range = rowRange };
            }
            data = new TableData { Header = Row(0), Rows = Enumerable.Range(1, table.Count - 1).Select(Row).ToList() };
        }
        // Formatting answers style the input in place; charts point at their data.
        var worksheetRange = answer.OutputRange ?? (answer.StyleRanges is { Count: > 0 } ? inputRange : answer.Chart?.DataRange);
        return new SpreadsheetDocument
        {
            Text = answer.Text,
            Worksheet = worksheetRange is null && answer.Worksheet is null ? null : new WorksheetRef { Name = answer.Worksheet, Range = worksheetRange },
            Data = data,
            Columns = answer.Columns,
            Styles = answer.Styles,
            StyleRanges = leftover is { Count: > 0 } ? leftover : null,
            Chart = answer.Chart,
            DataTruncated = answer.DataTruncated,
            Repairs = answer.Repairs,
        };
    }

    /// <summary>
    /// The structured request as the seed's plain fields. Errors name the structured fields
    /// (data.rows[2].values[1], styles[0].background_color...).
    /// </summary>
    public static (string? InputRange, JsonElement? InputData, InputStyles? Styles, Dictionary<string, string[]> Errors) FromRequest(StructuredProcessRequest body)
    {
        var errors = new Dictionary<string, string[]>();
        var rows = new List<TableRow>();
        if (body.Data?.Header is { } header) rows.Add(header);
        rows.AddRange(body.Data?.Rows ?? []);
        var headerOffset = body.Data?.Header is null ? 0 : 1;
        string Field(int index) => index < headerOffset ? "data.header" : $"data.rows[{index - headerOffset}]";

        JsonElement? inputData = rows.Count == 0 ? null : JsonSerializer.SerializeToElement(rows.Select(r => r.Values), GigaOfficeJson.Options);
        var width = rows.Count == 0 ? 0 : rows.Max(r => r.Values.Count);

        string? inputRange = null;
        CellRange? range = null;
        if (body.Worksheet?.Range is { } text)
        {
            if (!CellRange.TryParse(text, out var parsed)) errors["worksheet.range"] = [$"Диапазон \"{text}\" не в формате A1 или A1:D10."];
            else if (rows.Count > 0 && (parsed.Rows != rows.Count || parsed.Columns != width))
                errors["worksheet.range"] = [$"Размер диапазона {parsed} ({parsed.Rows}×{parsed.Columns}) не совпадает с данными ({rows.Count}×{width})."];
            else range = parsed;
        }
        else if (rows.Count > 0 && width > 0)
        {
            range = CellRange.At(1, 1, width, rows.Count);
        }
        inputRange = range?.ToString() ?? body.Worksheet?.Range;

        var styles = body.Styles ?? [];
        var normalized = new List<CellStyle>();
        for (var i = 0; i < styles.Count; i++)
        {
            var style = styles[i];
            if (string.IsNullOrWhiteSpace(style.Id)) { errors[$"styles[{i}].id"] = ["У стиля должен быть id."]; continue; }
            if (normalized.Any(s => s.Id == style.Id)) { errors[$"styles[{i}].id"] = [$"Стиль \"{style.Id}\" объявлен дважды."]; continue; }
            string? Color(string? value, string field)
            {
                if (value is null) return null;
                var color = CellRepairs.NormalizeColor(value);
                if (color is null) errors[$"styles[{i}].{field}"] = [$"\"{value}\" — не цвет в формате #RRGGBB."];
                return color;
            }
            normalized.Add(style with
            {
                BackgroundColor = Color(style.BackgroundColor, "background_color"),
                FontColor = Color(style.FontColor, "font_color"),
                FontWeight = style.FontWeight is null ? null : CellRepairs.NormalizeFontWeight(style.FontWeight) ?? style.FontWeight,
            });
        }

        var styleRanges = new List<StyleRange>();
        for (var i = 0; i < rows.Count; i++)
        {
            if (rows[i].Style is not { } id) continue;
            if (normalized.All(s => s.Id != id)) errors[$"{Field(i)}.style"] = [$"Нет стиля \"{id}\" в styles."];
            else if (range is { } r) styleRanges.Add(new StyleRange(new CellRange(r.FirstColumn, r.FirstRow + i, r.LastColumn, r.FirstRow + i).ToString(), id));
        }
        var extra = body.StyleRanges ?? [];
        for (var i = 0; i < extra.Count; i++)
        {
            if (!CellRange.TryParse(extra[i].Range, out var sr)) errors[$"style_ranges[{i}].range"] = [$"Диапазон \"{extra[i].Range}\" не в формате A1."];
            else if (normalized.All(s => s.Id != extra[i].Style)) errors[$"style_ranges[{i}].style"] = [$"Нет стиля \"{extra[i].Style}\" в styles."];
            else styleRanges.Add(new StyleRange(sr.ToString(), extra[i].Style));
        }
        var inputStyles = normalized.Count > 0 || styleRanges.Count > 0 ? new InputStyles(normalized, styleRanges) : null;
        return (inputRange, inputData, inputStyles, errors);
    }

    /// <summary>"input_data[3][1]" → "data.rows[2].values[1]" (or data.header.values[1]), "input_range" → "worksheet.range".</summary>
    public static Dictionary<string, string[]> RenameFields(Dictionary<string, string[]> errors, bool hasHeader)
    {
        var renamed = new Dictionary<string, string[]>();
        foreach (var (field, messages) in errors)
        {
            var name = field;
            if (field == "input_range") name = "worksheet.range";
            else if (field == "input_data") name = "data";
            else if (field.StartsWith("input_data[", StringComparison.Ordinal))
            {
                var close = field.IndexOf(']');
                var index = int.Parse(field["input_data[".Length..close], System.Globalization.CultureInfo.InvariantCulture);
                var row = hasHeader && index == 0 ? "data.header" : $"data.rows[{index - (hasHeader ? 1 : 0)}]";
                var rest = field[(close + 1)..];
                name = rest.Length == 0 ? $"{row}.values" : $"{row}.values{rest}";
            }
            renamed[name] = messages;
        }
        return renamed;
    }
}
