using GigaOffice.Clients;
using System.Text.Json;
using GigaOffice.Data;
using GigaOffice.GigaChat;
using GigaOffice.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace GigaOffice.Requests;

/// <summary>
/// The structured API (/api/v1/ai): the table goes in as header and rows with styles, the answer
/// comes back as a spreadsheet document. Requests are the same rows as the seed's API, so either
/// API can read a request made through the other.
/// </summary>
public static class StructuredEndpoints
{
    public static IEndpointRouteBuilder MapStructuredRequests(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/ai").WithTags("Запросы к ИИ (структурированный формат)").RequireClientAccess().WithClientLimits();
        group.MapPost("/process", ProcessAsync).Spending()
            .WithSummary("Принять запрос со структурированной таблицей")
            .WithDescription("Таблица передаётся как заголовок и строки (values, style) со стилями. Результат — через /api/v1/ai/result/{request_id} в виде документа: worksheet, data, columns, styles, chart.");
        group.MapGet("/status/{request_id}", RequestEndpoints.StatusAsync).Free().WithSummary("Статус обработки запроса");
        group.MapGet("/result/{request_id}", ResultAsync).Free()
            .WithSummary("Результат в структурированном формате")
            .WithDescription("Работает для запросов, принятых через любой API: простой ответ (массив строк) переводится в документ.");
        return app;
    }

    internal static async Task<Results<Accepted<ProcessAccepted>, ValidationProblem, ProblemHttpResult>> ProcessAsync(
        StructuredProcessRequest body, ProcessRequestValidator validator, RequestIntake intake, DatabaseReadiness database, HttpContext http,
        CancellationToken cancellationToken)
    {
        var (inputRange, inputData, styles, errors) = StructuredConverter.FromRequest(body);
        var hasHeader = body.Data?.Header is not null;
        foreach (var (field, messages) in StructuredConverter.RenameFields(validator.Validate(body.QueryText, inputRange, inputData), hasHeader))
            errors.TryAdd(field, messages);
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "Запрос не прошёл проверку");
        if (!database.IsReady) return Problems.DatabaseUnavailable(http);

        var result = await intake.SubmitAsync(new IntakeRequest(body.QueryText!, inputRange, body.Category, inputData, styles),
            http.TraceIdentifier, http.GetClient()?.Id, cancellationToken);
        if (result.CategoryError is { } categoryError)
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["category"] = [categoryError] }, title: "Запрос не прошёл проверку");
        return RequestEndpoints.Accepted(result, "/api/v1/ai");
    }

    internal static async Task<Results<Ok<StructuredResultResponse>, ProblemHttpResult, ValidationProblem>> ResultAsync(
        string request_id, GigaOfficeDbContext db, HttpContext http, CancellationToken cancellationToken)
    {
        var (r, problem) = await RequestEndpoints.FinishedAsync(request_id, db, http, cancellationToken);
        switch (problem)
        {
            case ProblemHttpResult notFoundOrNotReady: return notFoundOrNotReady;
            case ValidationProblem invalid: return invalid;
        }
        var answer = r!.ResultJson is null ? null : JsonSerializer.Deserialize<SpreadsheetAnswer>(r.ResultJson, GigaOfficeJson.Options);
        return TypedResults.Ok(new StructuredResultResponse(r.Id, r.Status, r.Category, answer is null ? null : StructuredConverter.ToDocument(answer, r.InputRange),
            RequestEndpoints.ErrorOf(r), new TokenCounts(r.PromptTokens, r.CompletionTokens, r.TotalTokens) { Precached = r.PrecachedPromptTokens },
            r.CachedFromId is not null, r.CachedFromId,
            r.ProcessingMs, r.Model, r.PromptVersion, r.CreatedAt, r.CompletedAt));
    }
}
