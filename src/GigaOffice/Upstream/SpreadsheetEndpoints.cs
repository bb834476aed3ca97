using System.Text.Json;
using GigaOffice.Clients;
using GigaOffice.Data;
using GigaOffice.GigaChat;
using GigaOffice.Infrastructure;
using GigaOffice.Requests;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GigaOffice.Upstream;

/// <summary>
/// /api/v1/spreadsheets: upstream's spreadsheet processing. The table goes the structured request
/// path (<see cref="StructuredConverter"/>, <see cref="RequestIntake"/>), so it reaches the model's
/// prompt with its styles and column descriptions; the answer comes back as upstream's structure.
/// </summary>
public static class SpreadsheetEndpoints
{
    public static void MapUpstreamSpreadsheets(this RouteGroupBuilder v1)
    {
        var group = v1.MapGroup("/spreadsheets");
        group.MapPost("/process", ProcessAsync).Spending().WithSummary("Принять таблицу с запросом (API v1 исходного сервера)");
        group.MapGet("/status/{request_id}", StatusAsync).Free().WithSummary("Статус запроса (API v1)");
        group.MapGet("/result/{request_id}", ResultAsync).Free().WithSummary("Результат в виде spreadsheet_data (API v1)");
        group.MapPost("/validate", Validate).Free().WithSummary("Проверить spreadsheet_data: ссылки на стили, форматы (API v1)");
        group.MapPost("/data/search", HeaderSearch.SearchAsync).Free().WithSummary("Поиск известных заголовков столбцов (API v1)");
    }

    internal static async Task<Results<Ok<ProcessResponse>, JsonHttpResult<FastApiValidation>, ProblemHttpResult>> ProcessAsync(
        SpreadsheetRequest body, ProcessRequestValidator validator, RequestIntake intake, DatabaseReadiness database, HttpContext http, CancellationToken ct)
    {
        var errors = new List<FastApiError>();
        if (body.SpreadsheetData is null) errors.Add(UpstreamErrors.Missing("spreadsheet_data"));
        if (body.QueryText is null) errors.Add(UpstreamErrors.Missing("query_text"));
        if (errors.Count > 0) return UpstreamErrors.Invalid(errors);

        var mapped = UpstreamSheets.ToStructured(body.SpreadsheetData!, body.QueryText, body.Category);
        var submitted = await SubmitAsync(mapped, validator, intake, database, http, ct, body.RequiredTableInfo);
        return submitted.Result switch
        {
            { } accepted => TypedResults.Ok(new ProcessResponse(true, accepted.Id.ToString(), "queued", "Spreadsheet processing request added to queue", null)),
            null when submitted.Problem is { } problem => problem,
            _ => UpstreamErrors.Invalid(submitted.Errors),
        };
    }

    internal sealed record Submitted(AiRequest? Result, List<FastApiError> Errors, ProblemHttpResult? Problem);

    /// <summary>Validates the mapped table as the structured API does and queues it; shared with histograms.</summary>
    internal static async Task<Submitted> SubmitAsync(MappedSheet mapped, ProcessRequestValidator validator, RequestIntake intake,
        DatabaseReadiness database, HttpContext http, CancellationToken ct, Prompts.RequiredTableInfo? tableInfo = null, string prefix = "spreadsheet_data")
    {
        var request = mapped.Request;
        var errors = mapped.Errors;
        var (inputRange, inputData, styles, fieldErrors) = StructuredConverter.FromRequest(request);
        foreach (var (field, messages) in StructuredConverter.RenameFields(validator.Validate(request.QueryText, inputRange, inputData), request.Data?.Header is not null))
            fieldErrors.TryAdd(field, messages);
        foreach (var (field, messages) in fieldErrors)
            errors.AddRange(messages.Select(m => UpstreamErrors.Value(field is "query_text" or "category" ? field : $"{prefix}.{Upstream(field)}", m)));
        if (errors.Count > 0) return new Submitted(null, errors, null);
        if (!database.IsReady) return new Submitted(null, errors, Problems.DatabaseUnavailable(http));

        var layout = mapped.Columns.Count == 0 ? styles : (styles ?? new InputStyles(null, null)) with { Columns = mapped.Columns };
        var result = await intake.SubmitAsync(new IntakeRequest(request.QueryText!, inputRange, request.Category, inputData, layout) { TableInfo = tableInfo },
            http.TraceIdentifier, http.GetClient()?.Id, ct);
        if (result.CategoryError is { } categoryError) return new Submitted(null, [UpstreamErrors.Value("category", categoryError)], null);
        return new Submitted(result.Request, errors, null);
    }

    /// <summary>The structured API's field names in upstream's body: its worksheet and data live under spreadsheet_data.</summary>
    private static string Upstream(string field) => field.StartsWith("style_ranges", StringComparison.Ordinal) ? "styles" : field;

    internal static async Task<Results<Ok<ProcessResponse>, JsonHttpResult<FastApiDetail>>> StatusAsync(
        string request_id, GigaOfficeDbContext db, HttpContext http, CancellationToken ct)
    {
        var status = Guid.TryParse(request_id, out var id) ? await RequestLookup.StatusAsync(db, id, http, ct) : null;
        if (status is null) return UpstreamErrors.Detail(404, "Request not found");
        var value = UpstreamStatus.Of(status.Status);
        var message = value switch
        {
            "failed" => status.Error?.Message ?? "Request failed",
            "completed" => "Request completed successfully",
            _ => "Request is being processed",
        };
        return TypedResults.Ok(new ProcessResponse(value == "completed", request_id, value, message, value == "failed" ? status.Error?.Message : null));
    }

    internal static async Task<Results<Ok<SpreadsheetResultResponse>, JsonHttpResult<FastApiDetail>>> ResultAsync(
        string request_id, GigaOfficeDbContext db, HttpContext http, CancellationToken ct)
    {
        var r = Guid.TryParse(request_id, out var id) ? await RequestLookup.FindAsync(db, id, http, ct) : null;
        if (r is null) return UpstreamErrors.Detail(404, "Request not found");
        var status = UpstreamStatus.Of(r.Status);
        if (status != "completed")
            return TypedResults.Ok(new SpreadsheetResultResponse(false, status,
                status == "failed" ? "Request failed or was cancelled" : "Request is still being processed", null, null, null,
                status == "failed" ? r.ErrorMessage ?? r.ErrorCode : null));
        var answer = r.ResultJson is null ? new SpreadsheetAnswer() : JsonSerializer.Deserialize<SpreadsheetAnswer>(r.ResultJson, GigaOfficeJson.Options)!;
        var message = string.IsNullOrWhiteSpace(answer.Text) ? "Request completed successfully" : answer.Text;
        return TypedResults.Ok(new SpreadsheetResultResponse(true, status, message, UpstreamSheets.ToUpstream(answer, r.InputRange, r.CompletedAt),
            r.TotalTokens, UpstreamStatus.Seconds(r.ProcessingMs), null));
    }

    /// <summary>Shape errors (a bad colour, an unknown alignment) are 422 as upstream's model answers them; reference errors are listed.</summary>
    internal static Results<Ok<SpreadsheetValidation>, JsonHttpResult<FastApiValidation>> Validate(SpreadsheetData body)
    {
        var mapped = UpstreamSheets.ToStructured(body, "validate", null, prefix: "");
        if (mapped.Errors.Count > 0) return UpstreamErrors.Invalid(mapped.Errors);
        var (_, _, _, fieldErrors) = StructuredConverter.FromRequest(mapped.Request);
        var errors = fieldErrors.SelectMany(e => e.Value.Select(m => $"{Upstream(e.Key)}: {m}")).ToList();

        var styles = body.Styles ?? [];
        var rows = (body.Data?.Rows ?? []).Prepend(body.Data?.Header).OfType<SheetRow>().ToList();
        var used = rows.Select(r => r.Style).OfType<string>().ToHashSet();
        var warnings = styles.Where(s => s.Id is not null && !used.Contains(s.Id)).Select(s => $"Стиль «{s.Id}» объявлен, но не используется.").ToList();
        var headerWidth = body.Data?.Header?.Values?.Count;
        warnings.AddRange((body.Data?.Rows ?? []).Select((r, i) => (r, i))
            .Where(x => headerWidth is > 0 && x.r.Values is { } v && v.Count != headerWidth)
            .Select(x => $"В строке data.rows[{x.i}] {x.r.Values!.Count} значений, в заголовке — {headerWidth}."));
        return TypedResults.Ok(new SpreadsheetValidation(true, errors.Count == 0, warnings.Count == 0, errors, warnings, styles.Count, "Validation completed"));
    }
}

/// <summary>This service's request statuses in upstream's words, and its times in upstream's unit.</summary>
public static class UpstreamStatus
{
    /// <summary>Upstream calls a request waiting in the queue "pending".</summary>
    public static string Of(string status) => status == RequestStatus.Queued ? "pending" : status;

    public static double? Seconds(double? milliseconds) => milliseconds is { } ms ? Math.Round(ms / 1000, 3) : null;
}
