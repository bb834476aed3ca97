using GigaOffice.Clients;
using GigaOffice.Data;
using GigaOffice.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace GigaOffice.Feedback;

public sealed record FeedbackRequest
{
    /// <example>019a8f5e-7c1d-7b3e-9a51-2f6c0d4e8b21</example>
    public string? RequestId { get; init; }
    /// <summary>1 (бесполезно) … 5 (ровно то, что нужно).</summary>
    /// <example>4</example>
    public int? Rating { get; init; }
    /// <example>Верно, но округлите до целых</example>
    public string? Comment { get; init; }
}

public sealed record FeedbackResponse(Guid RequestId, int Rating, string? Comment, string Category, int? PromptVersion, DateTime CreatedAt);

/// <summary>Users rate answers; ratings show in /api/metrics per category and prompt version.</summary>
public static class FeedbackEndpoints
{
    public static IEndpointRouteBuilder MapFeedback(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/ai").WithTags("Запросы к ИИ").RequireClientAccess().WithClientLimits();
        group.MapPost("/feedback", SubmitAsync).Free()
            .WithSummary("Оценить ответ")
            .WithDescription("Оценка от 1 до 5 и комментарий к обработанному запросу. Повторная оценка того же запроса заменяет прежнюю.");
        return app;
    }

    internal static async Task<Results<Created<FeedbackResponse>, Ok<FeedbackResponse>, ValidationProblem, NotFound<ProblemDetails>, Conflict<ProblemDetails>, ProblemHttpResult>> SubmitAsync(
        FeedbackRequest body, GigaOfficeDbContext db, DatabaseReadiness database, TimeProvider time, HttpContext http, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (!Guid.TryParse(body.RequestId, out var id)) errors["request_id"] = ["Идентификатор запроса должен быть UUID."];
        if (body.Rating is not (>= 1 and <= 5)) errors["rating"] = ["Оценка — целое число от 1 до 5."];
        if (body.Comment is { Length: > RequestFeedback.MaxCommentLength }) errors["comment"] = [$"Комментарий не длиннее {RequestFeedback.MaxCommentLength} символов."];
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "Запрос не прошёл проверку");
        if (!database.IsReady) return Problems.DatabaseUnavailable(http);

        var request = await db.Requests.AsNoTracking().ForClient(http).Where(r => r.Id == id)
            .Select(r => new { r.Status, r.Category, r.PromptVersion }).FirstOrDefaultAsync(ct);
        if (request is null)
            return TypedResults.NotFound(new ProblemDetails { Status = 404, Title = "Запрос не найден", Detail = $"Запроса {id} нет." });
        if (request.Status is not (RequestStatus.Completed or RequestStatus.Failed))
            return TypedResults.Conflict(new ProblemDetails { Status = 409, Title = "Запрос ещё не обработан", Detail = "Оценить можно только готовый результат." });

        var comment = string.IsNullOrWhiteSpace(body.Comment) ? null : body.Comment.Trim();
        var now = time.GetUtcNow().UtcDateTime;
        var row = await db.Feedback.FirstOrDefaultAsync(f => f.RequestId == id, ct);
        var created = row is null;
        row ??= db.Feedback.Add(new RequestFeedback { RequestId = id }).Entity;
        row.Rating = body.Rating!.Value;
        row.Comment = comment;
        row.Category = request.Category;
        row.PromptVersion = request.PromptVersion;
        row.CreatedAt = now;
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException) when (created)
        {
            // Two ratings of the same request at once: the other one won the unique index; this one replaces it.
            db.ChangeTracker.Clear();
            await db.Feedback.Where(f => f.RequestId == id).ExecuteUpdateAsync(s => s
                .SetProperty(f => f.Rating, body.Rating!.Value).SetProperty(f => f.Comment, comment).SetProperty(f => f.CreatedAt, now), ct);
            created = false;
        }
        var response = new FeedbackResponse(id, body.Rating!.Value, comment, request.Category, request.PromptVersion, now);
        return created ? TypedResults.Created($"/api/ai/result/{id}", response) : TypedResults.Ok(response);
    }
}
