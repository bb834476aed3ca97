using System.Text.Json;
using GigaOffice.Prompts;

namespace GigaOffice.Upstream;

// The shapes of the upstream server's versioned API (nicksedov/gigaoffice-server, app/models/api),
// field for field, so that its clients work unchanged. Unknown fields are refused (see ServiceSetup).

public sealed record SpreadsheetMetadata
{
    public string? Version { get; init; } = "1.0";
    /// <summary>ISO 8601 time the client made the data; not interpreted.</summary>
    public string? CreatedAt { get; init; }
    /// <summary>"enhanced-spreadsheet-data" in upstream's README example; not interpreted.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? Format { get; init; }
}

public sealed record WorksheetInfo
{
    /// <example>Лист1</example>
    public string? Name { get; init; }
    /// <example>A1:C4</example>
    public string? Range { get; init; }
}

/// <summary>A header or data row: values (strings, numbers, booleans; none for a style-only row), a style id, the row's cells.</summary>
public sealed record SheetRow
{
    public List<JsonElement>? Values { get; init; }
    public string? Style { get; init; }
    public string? Range { get; init; }
}

public sealed record WorksheetData
{
    public SheetRow? Header { get; init; }
    public List<SheetRow>? Rows { get; init; }
}

/// <summary>A column: zero-based index, number format, cells, and for numbers statistics over all values.</summary>
public sealed record ColumnDefinition
{
    public int? Index { get; init; }
    public string? Format { get; init; } = "General";
    public string? Range { get; init; }
    public double? Min { get; init; }
    public double? Max { get; init; }
    public double? Median { get; init; }
    public int? Count { get; init; }
}

public sealed record StyleDefinition
{
    public string? Id { get; init; }
    public string? BackgroundColor { get; init; }
    public string? FontColor { get; init; }
    /// <summary>normal or bold.</summary>
    public string? FontWeight { get; init; }
    public double? FontSize { get; init; }
    /// <summary>normal or italic.</summary>
    public string? FontStyle { get; init; }
    /// <summary>left, center or right.</summary>
    public string? HorizontalAlignment { get; init; }
    /// <summary>top, middle or bottom.</summary>
    public string? VerticalAlignment { get; init; }
    /// <summary>A string or a list of strings.</summary>
    public JsonElement? Border { get; init; }
}

public sealed record SpreadsheetData
{
    public SpreadsheetMetadata? Metadata { get; init; }
    public WorksheetInfo? Worksheet { get; init; }
    public WorksheetData? Data { get; init; }
    public List<ColumnDefinition>? Columns { get; init; }
    public List<StyleDefinition>? Styles { get; init; }
}

public sealed record SpreadsheetRequest
{
    public SpreadsheetData? SpreadsheetData { get; init; }
    /// <example>Выдели жирным строку с максимальной суммой</example>
    public string? QueryText { get; init; }
    public string? Category { get; init; }
    public RequiredTableInfo? RequiredTableInfo { get; init; }
}

public sealed record ProcessResponse(bool Success, string RequestId, string Status, string Message, string? ErrorMessage);

public sealed record SpreadsheetResultResponse(
    bool Success, string Status, string Message, SpreadsheetData? Result, int? TokensUsed, double? ProcessingTime, string? ErrorMessage);

public sealed record SpreadsheetValidation(
    bool Success, bool IsValid, bool IsConsistent, List<string> ValidationErrors, List<string> ConsistencyWarnings, int StyleCount, string Message);

public sealed record SearchRequest
{
    /// <summary>A string or a list of strings.</summary>
    public JsonElement? Data { get; init; }
}

public sealed record SearchResultItem(string Text, double Score);

public sealed record SearchResult(string SearchText, List<SearchResultItem> SearchResults);

/// <summary>A chart series as a range reference: no values travel.</summary>
public sealed record ChartSeriesRef
{
    /// <example>Цена открытия</example>
    public string? Name { get; init; }
    /// <example>B2:B18</example>
    public string? Range { get; init; }
    public string? Format { get; init; } = "General";
}

public sealed record ChartRequest
{
    /// <example>A1:C18</example>
    public string? DataRange { get; init; }
    public List<ChartSeriesRef>? ChartData { get; init; }
    /// <summary>The category (data-chart) or a chart type (lineNormal, bar, pie...).</summary>
    /// <example>data-chart</example>
    public string? ChartType { get; init; }
    /// <example>Построй график изменения величины во времени.</example>
    public string? QueryText { get; init; }
}

public sealed record HistogramRequest
{
    public SpreadsheetData? SpreadsheetData { get; init; }
    /// <example>Построй гистограмму распределения цен</example>
    public string? QueryText { get; init; }
    public string? Category { get; init; } = "data-histogram";
}

public sealed record ClassifyRequest
{
    /// <example>Построй диаграмму продаж по месяцам</example>
    public string? PromptText { get; init; }
    public bool IncludeDescriptions { get; init; }
}

public sealed record ClassifyResponse(bool Success, string QueryText, string Category, double Confidence, string TextContent, RequiredTableInfo RequiredTableInfo);

public sealed record FeedbackRequest
{
    public string? AiRequestId { get; init; }
    public string? TextResponse { get; init; }
    /// <summary>true — хороший ответ, false — плохой, null — без оценки.</summary>
    public bool? Rating { get; init; }
    public string? Comment { get; init; }
}

public sealed record FeedbackResponse(int Id, Guid AiRequestId, string TextResponse, bool? Rating, string? Comment);
