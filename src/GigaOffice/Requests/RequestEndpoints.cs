using System.Text.Json;
using GigaOffice.Clients;
using GigaOffice.Data;
using GigaOffice.GigaChat;
using GigaOffice.Prompts;
using GigaOffice.Infrastructure;
using GigaOffice.Metrics;
using GigaOffice.Queue;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace GigaOffice.Requests;

public static class RequestEndpoints
{
    public static IEndpointRouteBuilder MapRequests(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/ai").WithTags("Запросы к ИИ");

        group.MapPost("/process", ProcessAsync).WithClientLimits()
            .WithSummary("Принять запрос на обработку")
            .WithDescription("Проверяет запрос, сохраняет его и ставит в очередь. Ответ приходит сразу с request_id; результат — через /api/ai/status и /api/ai/result.");
        group.MapGet("/status/{request_id}", StatusAsync).WithSummary("Статус обработки запроса");
        group.MapGet("/result/{request_id}", ResultAsync).WithSummary("Результат обработки запроса");
        return app;
    }

    internal static async Task<Results<Accepted<ProcessAccepted>, ValidationProblem, ProblemHttpResult>> ProcessAsync(
        ProcessRequest body, ProcessRequestValidator validator, PromptCatalog prompts, KeywordClassifier classifier,
        GigaOfficeDbContext db, IRequestQueue queue, DatabaseReadiness database, TimeProvider time, GigaOfficeMetrics metrics,
        HttpContext http, CancellationToken cancellationToken)
    {
        var errors = validator.Validate(body.QueryText, body.InputRange, body.InputData);
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "Запрос не прошёл проверку");
        if (!database.IsReady) return Problems.DatabaseUnavailable();

        var snapshot = await prompts.GetAsync(cancellationToken);
        CategoryInfo category;
        var classified = false;
        if (body.Category is not null)
        {
            var found = snapshot.Resolve(body.Category);
            if (found is null || !found.IsActive)
                return TypedResults.ValidationProblem(new Dictionary<string, string[]>
                {
                    ["category"] = [$"Неизвестная категория \"{body.Category}\". Список: GET /api/prompts/categories."],
                }, title: "Запрос не прошёл проверку");
            category = found;
        }
        else
        {
            var hasData = body.InputData is { ValueKind: JsonValueKind.Array } d && d.GetArrayLength() > 0;
            var result = classifier.Classify(snapshot, body.QueryText!, body.InputRange, hasData);
            category = snapshot.Find(result.Category)!;
            classified = true;
        }

        var request = new AiRequest
        {
            Id = Guid.CreateVersion7(),
            Status = RequestStatus.Queued,
            QueryText = body.QueryText!.Trim(),
            InputRange = body.InputRange?.Trim().ToUpperInvariant(),
            Category = category.Name,
            CategoryClassified = classified,
            InputDataJson = body.InputData is { ValueKind: JsonValueKind.Array } data ? data.GetRawText() : null,
            CorrelationId = http.TraceIdentifier,
            ClientKeyId = http.GetClient()?.Id,
            CreatedAt = time.GetUtcNow().UtcDateTime,
        };
        db.Requests.Add(request);
        await db.SaveChangesAsync(cancellationToken);
        // After the commit: if this notice is lost, the recovery sweep finds the queued row.
        await queue.PublishAsync(request.Id, CancellationToken.None);
        metrics.RequestAccepted(category.Name);

        var statusUrl = $"/api/ai/status/{request.Id}";
        return TypedResults.Accepted(statusUrl, new ProcessAccepted(request.Id, request.Status, category.Name, classified,
            "Запрос принят и поставлен в очередь.", statusUrl, $"/api/ai/result/{request.Id}"));
    }

    internal static async Task<Results<Ok<RequestStatusResponse>, NotFound<ProblemDetails>, ValidationProblem>> StatusAsync(
        string request_id, GigaOfficeDbContext db, HttpContext http, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(request_id, out var id)) return InvalidId();
        var r = await db.Requests.AsNoTracking().ForClient(http).FirstOrDefaultAsync(x => x.Id == id, cancellationToken);
        if (r is null) return NotFound(id);
        return TypedResults.Ok(new RequestStatusResponse(r.Id, r.Status, r.Category, r.CreatedAt, r.StartedAt, r.CompletedAt,
            r.Attempts, Error(r), r.CorrelationId));
    }

    internal static async Task<Results<Ok<RequestResultResponse>, NotFound<ProblemDetails>, ValidationProblem, Conflict<ProblemDetails>>> ResultAsync(
        string request_id, GigaOfficeDbContext db, HttpContext http, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(request_id, out var id)) return InvalidId();
        var r = await db.Requests.AsNoTracking().ForClient(http).FirstOrDefaultAsync(x => x.Id == id, cancellationToken);
        if (r is null) return NotFound(id);
        if (r.Status is RequestStatus.Queued or RequestStatus.Processing)
        {
            http.Response.Headers.RetryAfter = "1";
            return TypedResults.Conflict(new ProblemDetails
            {
                Type = "https://gigaoffice/problems/result-not-ready",
                Title = "Результат ещё не готов",
                Status = StatusCodes.Status409Conflict,
                Detail = r.Status == RequestStatus.Queued ? "Запрос ждёт в очереди. Повторите через секунду." : "Запрос обрабатывается. Повторите через секунду.",
                Extensions = { ["request_id"] = r.Id, ["status"] = r.Status },
            });
        }
        var answer = r.ResultJson is null ? null : JsonSerializer.Deserialize<SpreadsheetAnswer>(r.ResultJson, GigaOfficeJson.Options);
        return TypedResults.Ok(new RequestResultResponse(r.Id, r.Status, r.Category, answer, Error(r),
            new TokenCounts(r.PromptTokens, r.CompletionTokens, r.TotalTokens), r.ProcessingMs, r.Model, r.PromptVersion, r.CreatedAt, r.CompletedAt));
    }

    private static RequestError? Error(AiRequest r) => r.ErrorCode is null ? null : new RequestError(r.ErrorCode, r.ErrorMessage ?? "");

    private static ValidationProblem InvalidId() =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["request_id"] = ["Идентификатор запроса должен быть UUID."] },
            title: "Неверный идентификатор запроса");

    private static NotFound<ProblemDetails> NotFound(Guid id) => TypedResults.NotFound(new ProblemDetails
    {
        Type = "https://gigaoffice/problems/request-not-found",
        Title = "Запрос не найден",
        Status = StatusCodes.Status404NotFound,
        Detail = $"Запроса {id} нет.",
    });
}
