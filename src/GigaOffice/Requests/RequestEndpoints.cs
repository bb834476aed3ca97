using System.Text.Json;
using GigaOffice.Data;
using GigaOffice.GigaChat;
using GigaOffice.Prompts;
using GigaOffice.Infrastructure;
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

        group.MapPost("/process", ProcessAsync)
            .WithSummary("Принять запрос на обработку")
            .WithDescription("Проверяет запрос, сохраняет его и ставит в очередь. Ответ приходит сразу с request_id; результат — через /api/ai/status и /api/ai/result.")
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        group.MapGet("/status/{request_id}", StatusAsync).WithSummary("Статус обработки запроса")
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapGet("/result/{request_id}", ResultAsync).WithSummary("Результат обработки запроса")
            .WithDescription("200 — запрос завершён (completed или failed с кодом ошибки); 409 — ещё в очереди или в работе; 404 — нет такого запроса.")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        return app;
    }

    internal static async Task<Results<Accepted<ProcessAccepted>, ValidationProblem, ProblemHttpResult>> ProcessAsync(
        ProcessRequest body, ProcessRequestValidator validator, PromptCatalog prompts, KeywordClassifier classifier,
        GigaOfficeDbContext db, IRequestQueue queue, DatabaseReadiness database, TimeProvider time, HttpContext http,
        CancellationToken cancellationToken)
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
            CreatedAt = time.GetUtcNow().UtcDateTime,
        };
        db.Requests.Add(request);
        await db.SaveChangesAsync(cancellationToken);
        // After the commit: if this notice is lost, the recovery sweep finds the queued row.
        await queue.PublishAsync(request.Id, CancellationToken.None);

        var statusUrl = $"/api/ai/status/{request.Id}";
        return TypedResults.Accepted(statusUrl, new ProcessAccepted(request.Id, request.Status, category.Name, classified,
            "Запрос принят и поставлен в очередь.", statusUrl, $"/api/ai/result/{request.Id}"));
    }

    internal static async Task<Results<Ok<RequestStatusResponse>, ProblemHttpResult, ValidationProblem>> StatusAsync(
        string request_id, GigaOfficeDbContext db, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(request_id, out var id)) return InvalidId();
        var r = await db.Requests.AsNoTracking().FirstOrDefaultAsync(x => x.Id == id, cancellationToken);
        if (r is null) return NotFound(id);
        return TypedResults.Ok(new RequestStatusResponse(r.Id, r.Status, r.Category, r.CreatedAt, r.StartedAt, r.CompletedAt,
            r.Attempts, RequestError.Of(r), r.CorrelationId));
    }

    internal static async Task<Results<Ok<RequestResultResponse>, ProblemHttpResult, ValidationProblem>> ResultAsync(
        string request_id, GigaOfficeDbContext db, HttpContext http, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(request_id, out var id)) return InvalidId();
        var r = await db.Requests.AsNoTracking().FirstOrDefaultAsync(x => x.Id == id, cancellationToken);
        if (r is null) return NotFound(id);
        if (r.Status is RequestStatus.Queued or RequestStatus.Processing)
        {
            http.Response.Headers.RetryAfter = "1";
            return TypedResults.Problem(new ProblemDetails
            {
                Type = "https://gigaoffice/problems/result-not-ready",
                Title = "Результат ещё не готов",
                Status = StatusCodes.Status409Conflict,
                Detail = r.Status == RequestStatus.Queued ? "Запрос ждёт в очереди. Повторите через секунду." : "Запрос обрабатывается. Повторите через секунду.",
                Extensions = { ["request_id"] = r.Id, ["request_status"] = r.Status },
            });
        }
        return TypedResults.Ok(RequestResultResponse.Of(r));
    }

    private static ValidationProblem InvalidId() =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["request_id"] = ["Идентификатор запроса должен быть UUID."] },
            title: "Неверный идентификатор запроса");

    private static ProblemHttpResult NotFound(Guid id) => TypedResults.Problem(new ProblemDetails
    {
        Type = "https://gigaoffice/problems/request-not-found",
        Title = "Запрос не найден",
        Status = StatusCodes.Status404NotFound,
        Detail = $"Запроса {id} нет.",
    });
}
