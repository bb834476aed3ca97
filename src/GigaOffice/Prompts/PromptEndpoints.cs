using System.Text.Json;
using GigaOffice.Clients;
using GigaOffice.Requests;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GigaOffice.Prompts;

public sealed record CategoryResponse(int Id, string Name, string DisplayName, string Description, bool IsActive, int SortOrder, string ResultKind, int Version);

public sealed record PresetResponse(int Id, string Name, string Category, string Title, string PromptText, int SortOrder);

public sealed record ClassifyRequest
{
    /// <example>Построй диаграмму продаж по месяцам</example>
    public string? QueryText { get; init; }
    public string? InputRange { get; init; }
    public JsonElement? InputData { get; init; }
}

public static class PromptEndpoints
{
    public static IEndpointRouteBuilder MapPrompts(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/prompts").WithTags("Промпты").RequireClientAccess().WithClientLimits();
        group.MapGet("/categories", CategoriesAsync).Free().WithSummary("Категории запросов");
        group.MapGet("/presets", PresetsAsync).Free().WithSummary("Предустановленные промпты, с фильтром по категории");
        // Classifying may ask GigaChat (cloud/mtls mode), so it counts like a request.
        group.MapPost("/classify", ClassifyAsync).Spending().WithSummary("Определить категорию запроса");
        return app;
    }

    internal static async Task<Ok<List<CategoryResponse>>> CategoriesAsync(PromptCatalog prompts, bool? include_inactive, CancellationToken ct)
    {
        var snapshot = await prompts.GetAsync(ct);
        return TypedResults.Ok(snapshot.Categories.Where(c => c.IsActive || include_inactive == true)
            .Select(c => new CategoryResponse(c.Id, c.Name, c.DisplayName, c.Description, c.IsActive, c.SortOrder, c.ResultKind, c.Version))
            .ToList());
    }

    internal static async Task<Results<Ok<List<PresetResponse>>, ValidationProblem>> PresetsAsync(PromptCatalog prompts, string? category, CancellationToken ct)
    {
        var snapshot = await prompts.GetAsync(ct);
        string? name = null;
        if (!string.IsNullOrWhiteSpace(category))
        {
            name = snapshot.Resolve(category)?.Name;
            if (name is null)
                return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["category"] = [$"Неизвестная категория \"{category}\"."] });
        }
        return TypedResults.Ok(snapshot.Presets.Where(p => name is null || p.Category == name)
            .Select(p => new PresetResponse(p.Id, p.Name, p.Category, p.Title, p.PromptText, p.SortOrder)).ToList());
    }

    internal static async Task<Results<Ok<Classification>, ValidationProblem, ProblemHttpResult>> ClassifyAsync(
        ClassifyRequest body, ProcessRequestValidator validator, PromptCatalog prompts, RequestClassifier classifier, HttpContext http, CancellationToken ct)
    {
        var errors = validator.Validate(body.QueryText, body.InputRange, body.InputData);
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "Запрос не прошёл проверку");
        BudgetHold.LetGo(http); // a model call of up to CLASSIFIER_TIMEOUT_SECONDS must not hold the key's other requests
        var snapshot = await prompts.GetAsync(ct);
        // The caller waits for this answer, so a spent quota is reported rather than silently downgraded.
        var outcome = await classifier.ClassifyAsync(snapshot, body.QueryText!, body.InputRange, body.InputData, fallBackWhenBusy: false, ct);
        if (outcome.RetryAfter is { } wait)
        {
            var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
            http.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return TypedResults.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Превышен лимит запросов к GigaChat",
                detail: $"Повторите через {seconds} с.", extensions: new Dictionary<string, object?> { ["retry_after_seconds"] = seconds });
        }
        return TypedResults.Ok(outcome.Classification!);
    }
}
