using System.Text.Json;
using System.Text.RegularExpressions;
using GigaOffice.Clients;
using GigaOffice.Data;
using GigaOffice.GigaChat;
using GigaOffice.Infrastructure;
using GigaOffice.Requests;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GigaOffice.Upstream;

public sealed record ChartStatusResponse(bool Success, string RequestId, string Status, string? ErrorMessage);

public sealed record ChartResultResponse(bool Success, string Status, string Message, ChartConfig? ChartConfig, int? TokensUsed, double? ProcessingTime);

public sealed record HistogramStatusResponse(bool Success, string RequestId, string Status, string Message, string? ErrorMessage);

public sealed record HistogramResultResponse(bool Success, string Status, string Message, HistogramConfig? HistogramConfig, int? TokensUsed, double? ProcessingTime);

/// <summary>
/// /api/v1/charts and /api/v1/histograms: clients send where the data is (ranges, formats) and, for
/// histograms, column statistics — never the values. These become the request's column
/// descriptions, which the model's prompt carries; the answer is turned into upstream's configs.
/// </summary>
public static partial class ChartEndpoints
{
    /// <summary>ONLYOFFICE chart types upstream accepts; a chart_type among them is a wish for that type.</summary>
    private static readonly HashSet<string> ChartTypes =
    [
        "bar", "barStacked", "barStackedPercent", "bar3D", "barStacked3D", "barStackedPercent3D", "barStackedPercent3DPerspective",
        "horizontalBar", "horizontalBarStacked", "horizontalBarStackedPercent", "horizontalBar3D", "horizontalBarStacked3D", "horizontalBarStackedPercent3D",
        "lineNormal", "lineStacked", "lineStackedPercent", "line3D", "pie", "pie3D", "doughnut", "scatter", "stock",
        "area", "areaStacked", "areaStackedPercent", "comboBarLine", "comboBarLineSecondary", "comboCustom",
    ];

    public static void MapUpstreamCharts(this RouteGroupBuilder v1)
    {
        var charts = v1.MapGroup("/charts");
        charts.MapPost("/process", ProcessChartAsync).Spending().WithSummary("Принять запрос на диаграмму по диапазонам (API v1)");
        charts.MapGet("/status/{request_id}", ChartStatusAsync).Free().WithSummary("Статус запроса на диаграмму (API v1)");
        charts.MapGet("/result/{request_id}", ChartResultAsync).Free().WithSummary("chart_config готовой диаграммы (API v1)");

        var histograms = v1.MapGroup("/histograms");
        histograms.MapPost("/process", ProcessHistogramAsync).Spending().WithSummary("Принять запрос на гистограмму по статистике столбцов (API v1)");
        histograms.MapGet("/status/{request_id}", HistogramStatusAsync).Free().WithSummary("Статус запроса на гистограмму (API v1)");
        histograms.MapGet("/result/{request_id}", HistogramResultAsync).Free().WithSummary("histogram_config готовой гистограммы (API v1)");
    }

    [GeneratedRegex(@"^[A-Z]+[0-9]+:[A-Z]+[0-9]+$|^[A-Z]+:[A-Z]+$|^[0-9]+:[0-9]+$|^[A-Z]+[0-9]+$")]
    private static partial Regex UpstreamRange();

    internal static async Task<Results<Ok<ProcessResponse>, JsonHttpResult<FastApiValidation>, ProblemHttpResult>> ProcessChartAsync(
        ChartRequest body, ProcessRequestValidator validator, RequestIntake intake, DatabaseReadiness database, HttpContext http, CancellationToken ct)
    {
        var errors = new List<FastApiError>();
        if (body.DataRange is null) errors.Add(UpstreamErrors.Missing("data_range"));
        if (body.ChartData is null) errors.Add(UpstreamErrors.Missing("chart_data"));
        if (body.ChartType is null) errors.Add(UpstreamErrors.Missing("chart_type"));
        if (body.QueryText is null) errors.Add(UpstreamErrors.Missing("query_text"));
        var series = body.ChartData ?? [];
        for (var i = 0; i < series.Count; i++)
        {
            if (series[i].Name is null) errors.Add(UpstreamErrors.Missing($"chart_data[{i}].name"));
            if (series[i].Range is not { } range) errors.Add(UpstreamErrors.Missing($"chart_data[{i}].range"));
            else if (!UpstreamRange().IsMatch(range.Trim().ToUpperInvariant()))
                errors.Add(UpstreamErrors.Value($"chart_data[{i}].range", $"Invalid range format: '{range}'. Range must be in Excel notation (e.g., 'A1:B10', 'A:A', '1:1', 'C5')"));
        }
        if (errors.Count > 0) return UpstreamErrors.Invalid(errors);
        var dataRange = WholeLines(body.DataRange!.Trim().ToUpperInvariant());
        foreach (var (field, messages) in validator.Validate(body.QueryText, dataRange, null))
            errors.AddRange(messages.Select(m => UpstreamErrors.Value(field == "input_range" ? "data_range" : field, m)));
        if (errors.Count > 0) return UpstreamErrors.Invalid(errors);
        if (!database.IsReady) return Problems.DatabaseUnavailable(http);

        // chart_type is upstream's category (data-chart) or a chart type the user wants, told to the model in the query.
        var wanted = ChartTypes.FirstOrDefault(t => string.Equals(t, body.ChartType!.Trim(), StringComparison.OrdinalIgnoreCase));
        var query = wanted is null ? body.QueryText! : $"{body.QueryText!.Trim()} (тип диаграммы: {wanted})";
        var columns = series.Select((s, i) => new ColumnInfo { Index = i, Name = s.Name, Range = WholeLines(s.Range!.Trim().ToUpperInvariant()), Format = s.Format }).ToList();
        var result = await intake.SubmitAsync(
            new IntakeRequest(query, dataRange, wanted is null ? body.ChartType : "data-chart", null, new InputStyles(null, null) { Columns = columns }),
            http.TraceIdentifier, http.GetClient()?.Id, ct);
        if (result.CategoryError is { } categoryError) return UpstreamErrors.Invalid(UpstreamErrors.Value("chart_type", categoryError));
        return TypedResults.Ok(new ProcessResponse(true, result.Request!.Id.ToString(), "queued", "Chart generation request queued for processing", null));
    }

    /// <summary>Whole columns ("B:B") and rows ("2:3"), which upstream accepts, as the A1 ranges they are.</summary>
    private static string WholeLines(string range)
    {
        var parts = range.Split(':');
        if (parts.Length != 2) return range;
        if (parts.All(p => p.Length > 0 && p.All(char.IsAsciiLetterUpper))) return $"{parts[0]}1:{parts[1]}{CellRange.MaxRow}";
        if (parts.All(p => p.Length > 0 && p.All(char.IsAsciiDigit))) return $"A{parts[0]}:{CellRange.ColumnName(CellRange.MaxColumn)}{parts[1]}";
        return range;
    }

    internal static async Task<Results<Ok<ChartStatusResponse>, JsonHttpResult<FastApiDetail>>> ChartStatusAsync(
        string request_id, GigaOfficeDbContext db, HttpContext http, CancellationToken ct)
    {
        var s = Guid.TryParse(request_id, out var id) ? await RequestLookup.StatusAsync(db, id, http, ct) : null;
        if (s is null) return UpstreamErrors.Detail(404, "Chart request not found");
        var status = UpstreamStatus.Of(s.Status);
        return TypedResults.Ok(new ChartStatusResponse(status is "completed" or "processing", request_id, status, status == "failed" ? s.Error?.Message : null));
    }

    internal static async Task<Results<Ok<ChartResultResponse>, JsonHttpResult<FastApiDetail>>> ChartResultAsync(
        string request_id, GigaOfficeDbContext db, HttpContext http, CancellationToken ct)
    {
        var r = Guid.TryParse(request_id, out var id) ? await RequestLookup.FindAsync(db, id, http, ct) : null;
        if (r is null) return UpstreamErrors.Detail(404, "Chart request not found");
        var status = UpstreamStatus.Of(r.Status);
        if (status != "completed")
            return TypedResults.Ok(new ChartResultResponse(false, status,
                status == "failed" ? r.ErrorMessage ?? "Chart generation failed or was cancelled" : "Chart generation is still in progress", null, null, null));
        var answer = Answer(r);
        var config = ChartConfigs.Chart(answer, Columns(r), r.InputRange, r.QueryText);
        // Upstream never calls a result without a chart successful: the model's explanation says why.
        return TypedResults.Ok(config is null
            ? new ChartResultResponse(false, "failed", string.IsNullOrWhiteSpace(answer.Text) ? "Chart generation failed" : answer.Text, null, r.TotalTokens, UpstreamStatus.Seconds(r.ProcessingMs))
            : new ChartResultResponse(true, status, "Chart generated successfully", config, r.TotalTokens, UpstreamStatus.Seconds(r.ProcessingMs)));
    }

    internal static async Task<Results<Ok<ProcessResponse>, JsonHttpResult<FastApiValidation>, JsonHttpResult<FastApiDetail>, ProblemHttpResult>> ProcessHistogramAsync(
        HistogramRequest body, ProcessRequestValidator validator, RequestIntake intake, DatabaseReadiness database, HttpContext http, CancellationToken ct)
    {
        var errors = new List<FastApiError>();
        if (body.SpreadsheetData is null) errors.Add(UpstreamErrors.Missing("spreadsheet_data"));
        if (body.QueryText is null) errors.Add(UpstreamErrors.Missing("query_text"));
        if (errors.Count > 0) return UpstreamErrors.Invalid(errors);
        var data = body.SpreadsheetData!;
        if (StatisticsProblem(data) is { } problem) return UpstreamErrors.Detail(400, problem);

        // Statistics stand for the values: a header alone would not match the range it names.
        if (data.Data is { Rows: null or { Count: 0 } }) data = data with { Data = null };
        var mapped = UpstreamSheets.ToStructured(data, body.QueryText, body.Category ?? "data-histogram");
        var submitted = await SpreadsheetEndpoints.SubmitAsync(mapped with { Columns = UpstreamSheets.Columns(body.SpreadsheetData!) }, validator, intake, database, http, ct);
        return submitted.Result switch
        {
            { } accepted => TypedResults.Ok(new ProcessResponse(true, accepted.Id.ToString(), "queued", "Histogram analysis request queued for processing", null)),
            null when submitted.Problem is { } unavailable => unavailable,
            _ => UpstreamErrors.Invalid(submitted.Errors),
        };
    }

    /// <summary>Upstream's checks of the statistics, with its messages (answered 400).</summary>
    private static string? StatisticsProblem(SpreadsheetData data)
    {
        if (data.Columns is not { Count: > 0 } columns) return "spreadsheet_data must contain at least one column definition";
        foreach (var c in columns)
        {
            var index = c.Index?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unknown";
            if (c.Range is null) return $"Column {index} must have a 'range' field";
            if (c.Min > c.Max) return $"Column {index}: min must be <= max";
            if (c.Median < c.Min) return $"Column {index}: median must be >= min";
            if (c.Median > c.Max) return $"Column {index}: median must be <= max";
            if (c.Count <= 0) return $"Column {index}: count must be > 0";
        }
        return null;
    }

    internal static async Task<Results<Ok<HistogramStatusResponse>, JsonHttpResult<FastApiDetail>>> HistogramStatusAsync(
        string request_id, GigaOfficeDbContext db, HttpContext http, CancellationToken ct)
    {
        var s = Guid.TryParse(request_id, out var id) ? await RequestLookup.StatusAsync(db, id, http, ct) : null;
        if (s is null) return UpstreamErrors.Detail(404, "Histogram request not found");
        var status = UpstreamStatus.Of(s.Status);
        var message = status switch
        {
            "pending" => "Histogram analysis request is queued",
            "processing" => "Histogram analysis in progress",
            "completed" => "Histogram analysis completed successfully",
            _ => s.Error?.Message ?? "Histogram analysis failed",
        };
        return TypedResults.Ok(new HistogramStatusResponse(status is "completed" or "processing", request_id, status, message, status == "failed" ? s.Error?.Message : null));
    }

    internal static async Task<Results<Ok<HistogramResultResponse>, JsonHttpResult<FastApiDetail>>> HistogramResultAsync(
        string request_id, GigaOfficeDbContext db, HttpContext http, CancellationToken ct)
    {
        var r = Guid.TryParse(request_id, out var id) ? await RequestLookup.FindAsync(db, id, http, ct) : null;
        if (r is null) return UpstreamErrors.Detail(404, "Histogram request not found");
        var status = UpstreamStatus.Of(r.Status);
        if (status != "completed")
            return TypedResults.Ok(new HistogramResultResponse(false, status,
                status == "failed" ? r.ErrorMessage ?? "Histogram analysis failed or was cancelled" : "Histogram analysis is still in progress", null, null, null));
        var answer = Answer(r);
        var config = ChartConfigs.Histogram(answer, Columns(r));
        return TypedResults.Ok(config is null
            ? new HistogramResultResponse(false, "failed", string.IsNullOrWhiteSpace(answer.Text) ? "Histogram analysis failed" : answer.Text, null, r.TotalTokens, UpstreamStatus.Seconds(r.ProcessingMs))
            : new HistogramResultResponse(true, status, "Histogram analysis completed successfully", config, r.TotalTokens, UpstreamStatus.Seconds(r.ProcessingMs)));
    }

    private static SpreadsheetAnswer Answer(AiRequest r) =>
        r.ResultJson is null ? new SpreadsheetAnswer() : JsonSerializer.Deserialize<SpreadsheetAnswer>(r.ResultJson, GigaOfficeJson.Options)!;

    private static List<ColumnInfo> Columns(AiRequest r) =>
        r.InputStylesJson is null ? [] : ColumnInfo.From(JsonSerializer.Deserialize<JsonElement>(r.InputStylesJson)) ?? [];
}
