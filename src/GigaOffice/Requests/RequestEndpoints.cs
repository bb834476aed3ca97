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
        var group = app.MapGroup("/api/ai").WithTags("Запросы к ИИ").RequireClientAccess().WithClientLimits();

        group.MapPost("/process", ProcessAsync).Spending()
            .WithSummary("Принять запрос на обработку")
            .WithDescription("Проверяет запрос, сохраняет его и ставит в очередь. Ответ приходит сразу с request_id; результат — через /api/ai/status и /api/ai/result.")
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        group.MapGet("/status/{request_id}", StatusAsync).Free().WithSummary("Статус обработки запроса")
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapGet("/result/{request_id}", ResultAsync).Free().WithSummary("Результат обработки запроса")
            .WithDescription("200 — запрос завершён (completed или failed с кодом ошибки); 409 — ещё в очереди или в работе; 404 — нет такого запроса.")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        return app;
    }

    internal static async Task<Results<Accepted<ProcessAccepted>, ValidationProblem, ProblemHttpResult>> ProcessAsync(
        ProcessRequest body, ProcessRequestValidator validator, RequestIntake intake, DatabaseReadiness database, HttpContext http,
        CancellationToken cancellationToken)
    {
        var errors = validator.Validate(body.QueryText, body.InputRange, body.InputData);
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "Запрос не прошёл проверку");
        if (!database.IsReady) return Problems.DatabaseUnavailable(http);
        var result = await intake.SubmitAsync(new IntakeRequest(body.QueryText!, body.InputRange, body.Category, body.InputData, null),
            http.TraceIdentifier, http.GetClient()?.Id, cancellationToken);
        if (result.CategoryError is { } categoryError)
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["category"] = [categoryError] }, title: "Запрос не прошёл проверку");
        return Accepted(result, "/api/ai");
    }

    /// <summary>202 with where to look next; shared with the structured API under its own prefix.</summary>
    internal static Accepted<ProcessAccepted> Accepted(IntakeResult result, string prefix)
    {
        var request = result.Request!;
        var statusUrl = $"{prefix}/status/{request.Id}";
        return TypedResults.Accepted(statusUrl, new ProcessAccepted(request.Id, request.Status, request.Category, request.CategoryClassified,
            "Запрос принят и поставлен в очередь.", statusUrl, $"{prefix}/result/{request.Id}") { Classification = result.Classification });
    }

    internal static async Task<Results<Ok<RequestStatusResponse>, ProblemHttpResult, ValidationProblem>> StatusAsync(
        string request_id, GigaOfficeDbContext db, HttpContext http, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(request_id, out var id)) return InvalidId();
        return await RequestLookup.StatusAsync(db, id, http, cancellationToken) is { } status ? TypedResults.Ok(status) : NotFound(id);
    }

    internal static async Task<Results<Ok<RequestResultResponse>, ProblemHttpResult, ValidationProblem>> ResultAsync(
        string request_id, GigaOfficeDbContext db, HttpContext http, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(request_id, out var id)) return InvalidId();
        var r = await RequestLookup.FindAsync(db, id, http, cancellationToken);
        if (r is null) return NotFound(id);
        if (r.Status is RequestStatus.Queued or RequestStatus.Processing) return NotReady(r, http);
        return TypedResults.Ok(RequestResultResponse.Of(r));
    }

    /// <summary>The stored request if it exists and is finished; otherwise the problem to answer (shared with the structured API).</summary>
    internal static async Task<(AiRequest? Request, IResult? Problem)> FinishedAsync(string requestId, GigaOfficeDbContext db, HttpContext http, CancellationToken ct)
    {
        if (!Guid.TryParse(requestId, out var id)) return (null, InvalidId());
        var r = await RequestLookup.FindAsync(db, id, http, ct);
        if (r is null) return (null, NotFound(id));
        if (r.Status is RequestStatus.Queued or RequestStatus.Processing) return (null, NotReady(r, http));
        return (r, null);
    }

    internal static RequestError? ErrorOf(AiRequest r) => Error(r);

    private static ProblemHttpResult NotReady(AiRequest r, HttpContext http)
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

    private static RequestError? Error(AiRequest r) => RequestError.Of(r);

    internal static ValidationProblem InvalidId() =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["request_id"] = ["Идентификатор запроса должен быть UUID."] },
            title: "Неверный идентификатор запроса");

    internal static ProblemHttpResult NotFound(Guid id) => TypedResults.Problem(new ProblemDetails
    {
        Type = "https://gigaoffice/problems/request-not-found",
        Title = "Запрос не найден",
        Status = StatusCodes.Status404NotFound,
        Detail = $"Запроса {id} нет.",
    });
}
