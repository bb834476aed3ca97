using System.Text.Json;
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
        var group = app.MapGroup("/api/prompts").WithTags("Промпты");
        group.MapGet("/categories", CategoriesAsync).WithSummary("Категории запросов");
        group.MapGet("/presets", PresetsAsync).WithSummary("Предустановленные промпты, с фильтром по категории");
        group.MapPost("/classify", ClassifyAsync).WithSummary("Определить категорию запроса");
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

    internal static async Task<Results<Ok<Classification>, ValidationProblem>> ClassifyAsync(
        ClassifyRequest body, ProcessRequestValidator validator, PromptCatalog prompts, KeywordClassifier classifier, CancellationToken ct)
    {
        var errors = validator.Validate(body.QueryText, body.InputRange, body.InputData);
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "Запрос не прошёл проверку");
        var snapshot = await prompts.GetAsync(ct);
        var hasData = body.InputData is { ValueKind: JsonValueKind.Array } d && d.GetArrayLength() > 0;
        return TypedResults.Ok(classifier.Classify(snapshot, body.QueryText!, body.InputRange, hasData));
    }
}
