using System.Text.Json;
using System.Text.RegularExpressions;
using GigaOffice.Configuration;
using GigaOffice.Data;
using GigaOffice.GigaChat;
using GigaOffice.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace GigaOffice.Prompts;

public sealed record AdminCategoryResponse(
    int Id, string Name, string DisplayName, string Description, bool IsActive, int SortOrder, string ResultKind,
    string SystemPrompt, List<PromptExample> Examples, List<string> Keywords, int Version, bool IsCustomized, DateTime UpdatedAt);

public sealed record CategoryVersionResponse(int Version, string SystemPrompt, List<PromptExample> Examples, string Source, DateTime CreatedAt);

public sealed record AdminPresetResponse(int Id, string Name, string Category, string Title, string PromptText, int SortOrder, bool IsActive, bool IsCustomized, DateTime UpdatedAt);

/// <summary>The editable fields of a category.</summary>
public record CategoryFields
{
    /// <example>Очистить данные</example>
    public string? DisplayName { get; init; }
    public string? Description { get; init; }
    /// <summary>table, text or chart.</summary>
    /// <example>table</example>
    public string? ResultKind { get; init; }
    public string? SystemPrompt { get; init; }
    public List<PromptExample>? Examples { get; init; }
    /// <summary>Lower-case word stems (substrings) that pull requests to the category in the offline classifier.</summary>
    public List<string>? Keywords { get; init; }
    public int? SortOrder { get; init; }
    public bool? IsActive { get; init; }
}

/// <summary>A new category: name, display_name and system_prompt are required; result_kind defaults to text.</summary>
public sealed record CategoryCreate : CategoryFields
{
    /// <example>spreadsheet-cleanup</example>
    public string? Name { get; init; }
}

/// <summary>Changes to a category: fields left out stay as they are. is_customized=false hands the row back to seeding at start.</summary>
public sealed record CategoryPatch : CategoryFields
{
    public bool? IsCustomized { get; init; }
}

/// <summary>The editable fields of a preset prompt.</summary>
public record PresetFields
{
    /// <example>spreadsheet-analysis</example>
    public string? Category { get; init; }
    public string? Title { get; init; }
    public string? PromptText { get; init; }
    public int? SortOrder { get; init; }
}

public sealed record PresetCreate : PresetFields
{
    /// <example>analysis-top-three</example>
    public string? Name { get; init; }
}

public sealed record PresetPatch : PresetFields
{
    public bool? IsActive { get; init; }
    public bool? IsCustomized { get; init; }
}

public sealed record AdminRequestResponse(
    Guid RequestId, string Status, string Category, bool CategoryClassified, string? ClassifiedBy, string QueryText, string? InputRange,
    string? ErrorCode, string? ErrorMessage, string? RawAnswer, string? ResultJson, int? PromptVersion, string? Model,
    int TotalTokens, int ClassificationTokens, Guid? CachedFrom, int Attempts, DateTime CreatedAt, DateTime? CompletedAt)
{
    /// <summary>How sure the classifier that chose the category was; null when the client named it.</summary>
    public double? ClassificationConfidence { get; init; }
}

/// <summary>
/// Prompt management for admins (/api/admin, key from GIGAOFFICE_ADMIN_KEY). Every change marks the
/// row customised, so seeding at start leaves it alone; a change of the system prompt or examples
/// raises the category's version (kept in the history) and requests record the version they used.
/// Other instances see changes within seconds (the catalog re-checks a stamp); this one at once.
/// </summary>
public static partial class PromptAdminEndpoints
{
    public const int MaxPromptLength = 20_000;

    public static IEndpointRouteBuilder MapPromptAdmin(this IEndpointRouteBuilder app)
    {
        var admin = app.ServiceProvider.GetRequiredService<IOptions<AdminOptions>>().Value;
        var log = app.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger("GigaOffice.Admin");
        if (admin.Enabled) log.LogInformation("Admin API is enabled at /api/admin (key from GIGAOFFICE_ADMIN_KEY)");
        else log.LogInformation("Admin API is disabled: set GIGAOFFICE_ADMIN_KEY to enable prompt management at /api/admin");

        var group = app.MapGroup("/api/admin").WithTags("Администрирование").RequireAdminKey()
            .WithDescription("Нужен ключ администратора (GIGAOFFICE_ADMIN_KEY) в заголовке X-Admin-Key или Authorization: Bearer. Без ключа — 401; если ключ не настроен — 403.");
        group.MapGet("/categories", ListCategoriesAsync).WithSummary("Категории со всеми полями, включая неактивные");
        group.MapGet("/categories/{name}", GetCategoryAsync).WithSummary("Категория");
        group.MapGet("/categories/{name}/versions", VersionsAsync).WithSummary("История версий системного промпта категории");
        group.MapPost("/categories", CreateCategoryAsync).WithSummary("Создать категорию");
        group.MapPatch("/categories/{name}", UpdateCategoryAsync).WithSummary("Изменить категорию (переданные поля)");
        group.MapDelete("/categories/{name}", DeactivateCategoryAsync).WithSummary("Отключить категорию (строка остаётся, её можно включить снова)");
        group.MapGet("/presets", ListPresetsAsync).WithSummary("Предустановленные промпты, включая неактивные");
        group.MapPost("/presets", CreatePresetAsync).WithSummary("Создать предустановленный промпт");
        group.MapPatch("/presets/{name}", UpdatePresetAsync).WithSummary("Изменить предустановленный промпт");
        group.MapDelete("/presets/{name}", DeactivatePresetAsync).WithSummary("Отключить предустановленный промпт");
        group.MapGet("/requests/{request_id}", RequestAsync).WithSummary("Запрос целиком, с сырым ответом модели");
        return app;
    }

    // ---- categories --------------------------------------------------------------------

    internal static async Task<Ok<List<AdminCategoryResponse>>> ListCategoriesAsync(GigaOfficeDbContext db, CancellationToken ct) =>
        TypedResults.Ok((await db.Categories.AsNoTracking().OrderBy(c => c.SortOrder).ThenBy(c => c.Id).ToListAsync(ct)).Select(ToResponse).ToList());

    internal static async Task<Results<Ok<AdminCategoryResponse>, NotFound<ProblemDetails>>> GetCategoryAsync(string name, GigaOfficeDbContext db, CancellationToken ct) =>
        await db.Categories.AsNoTracking().FirstOrDefaultAsync(c => c.Name == name, ct) is { } row
            ? TypedResults.Ok(ToResponse(row)) : CategoryNotFound(name);

    internal static async Task<Results<Ok<List<CategoryVersionResponse>>, NotFound<ProblemDetails>>> VersionsAsync(string name, GigaOfficeDbContext db, CancellationToken ct)
    {
        var row = await db.Categories.AsNoTracking().FirstOrDefaultAsync(c => c.Name == name, ct);
        if (row is null) return CategoryNotFound(name);
        var versions = await db.CategoryVersions.AsNoTracking().Where(v => v.CategoryId == row.Id).OrderByDescending(v => v.Version).ToListAsync(ct);
        return TypedResults.Ok(versions.Select(v => new CategoryVersionResponse(v.Version, v.SystemPrompt, Examples(v.ExamplesJson), v.Source, v.CreatedAt)).ToList());
    }

    internal static async Task<Results<Created<AdminCategoryResponse>, ValidationProblem, Conflict<ProblemDetails>>> CreateCategoryAsync(
        CategoryCreate body, GigaOfficeDbContext db, PromptCatalog catalog, TimeProvider time, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (body.Name is null || !NamePattern().IsMatch(body.Name)) errors["name"] = ["Имя: 2–64 символа, строчные латинские буквы, цифры и дефис, например spreadsheet-cleanup."];
        if (string.IsNullOrWhiteSpace(body.DisplayName)) errors["display_name"] = ["Название обязательно."];
        if (string.IsNullOrWhiteSpace(body.SystemPrompt)) errors["system_prompt"] = ["Системный промпт обязателен."];
        ValidateCategoryFields(errors, body.ResultKind ?? "text", body.SystemPrompt, body.Examples, body.Keywords, body.DisplayName);
        if (errors.Count > 0) return Invalid(errors);
        if (await db.Categories.AnyAsync(c => c.Name == body.Name, ct)) return Conflict($"Категория {body.Name} уже есть.");

        var now = time.GetUtcNow().UtcDateTime;
        var row = new PromptCategory
        {
            Name = body.Name!, DisplayName = body.DisplayName!.Trim(), Description = body.Description?.Trim() ?? "",
            ResultKind = body.ResultKind ?? "text", SystemPrompt = body.SystemPrompt!, ExamplesJson = ExamplesJson(body.Examples ?? []),
            KeywordsJson = KeywordsJson(body.Keywords ?? []), SortOrder = body.SortOrder ?? 100, IsActive = body.IsActive ?? true,
            Version = 1, IsCustomized = true, UpdatedAt = now,
        };
        db.Categories.Add(row);
        await db.SaveChangesAsync(ct);
        db.CategoryVersions.Add(new PromptCategoryVersion { CategoryId = row.Id, Version = 1, SystemPrompt = row.SystemPrompt, ExamplesJson = row.ExamplesJson, Source = "admin", CreatedAt = now });
        await db.SaveChangesAsync(ct);
        catalog.Invalidate();
        return TypedResults.Created($"/api/admin/categories/{row.Name}", ToResponse(row));
    }

    internal static async Task<Results<Ok<AdminCategoryResponse>, NotFound<ProblemDetails>, ValidationProblem, Conflict<ProblemDetails>>> UpdateCategoryAsync(
        string name, CategoryPatch body, GigaOfficeDbContext db, PromptCatalog catalog, TimeProvider time, CancellationToken ct)
    {
        var row = await db.Categories.FirstOrDefaultAsync(c => c.Name == name, ct);
        if (row is null) return CategoryNotFound(name);
        var errors = new Dictionary<string, string[]>();
        if (body.DisplayName is not null && string.IsNullOrWhiteSpace(body.DisplayName)) errors["display_name"] = ["Название не может быть пустым."];
        if (body.SystemPrompt is not null && string.IsNullOrWhiteSpace(body.SystemPrompt)) errors["system_prompt"] = ["Системный промпт не может быть пустым."];
        ValidateCategoryFields(errors, body.ResultKind, body.SystemPrompt, body.Examples, body.Keywords, body.DisplayName);
        if (errors.Count > 0) return Invalid(errors);
        if (body.IsActive == false && row.IsActive && !await db.Categories.AnyAsync(c => c.IsActive && c.Id != row.Id, ct))
            return Conflict("Нельзя отключить последнюю активную категорию.");

        var now = time.GetUtcNow().UtcDateTime;
        var examplesJson = body.Examples is null ? row.ExamplesJson : ExamplesJson(body.Examples);
        var promptChanged = (body.SystemPrompt is not null && body.SystemPrompt != row.SystemPrompt) || examplesJson != row.ExamplesJson;
        if (body.DisplayName is not null) row.DisplayName = body.DisplayName.Trim();
        if (body.Description is not null) row.Description = body.Description.Trim();
        if (body.ResultKind is not null) row.ResultKind = body.ResultKind;
        if (body.SystemPrompt is not null) row.SystemPrompt = body.SystemPrompt;
        row.ExamplesJson = examplesJson;
        if (body.Keywords is not null) row.KeywordsJson = KeywordsJson(body.Keywords);
        if (body.SortOrder is { } sort) row.SortOrder = sort;
        if (body.IsActive is { } active) row.IsActive = active;
        row.IsCustomized = body.IsCustomized ?? true;
        row.UpdatedAt = now;
        if (promptChanged)
        {
            row.Version++;
            db.CategoryVersions.Add(new PromptCategoryVersion { CategoryId = row.Id, Version = row.Version, SystemPrompt = row.SystemPrompt, ExamplesJson = row.ExamplesJson, Source = "admin", CreatedAt = now });
        }
        await db.SaveChangesAsync(ct);
        catalog.Invalidate();
        return TypedResults.Ok(ToResponse(row));
    }

    internal static Task<Results<Ok<AdminCategoryResponse>, NotFound<ProblemDetails>, ValidationProblem, Conflict<ProblemDetails>>> DeactivateCategoryAsync(
        string name, GigaOfficeDbContext db, PromptCatalog catalog, TimeProvider time, CancellationToken ct) =>
        UpdateCategoryAsync(name, new CategoryPatch { IsActive = false }, db, catalog, time, ct);

    private static void ValidateCategoryFields(Dictionary<string, string[]> errors, string? resultKind, string? systemPrompt,
        List<PromptExample>? examples, List<string>? keywords, string? displayName)
    {
        if (resultKind is not null and not ("table" or "text" or "chart")) errors["result_kind"] = ["Допустимо: table, text, chart."];
        if (systemPrompt is { Length: > MaxPromptLength }) errors["system_prompt"] = [$"Не длиннее {MaxPromptLength} символов."];
        if (displayName is { Length: > 200 }) errors["display_name"] = ["Не длиннее 200 символов."];
        for (var i = 0; i < (examples?.Count ?? 0); i++)
        {
            var example = examples![i];
            if (example is null || string.IsNullOrWhiteSpace(example.Query)) errors[$"examples[{i}].query"] = ["Запрос примера обязателен."];
            else if (string.IsNullOrWhiteSpace(example.Answer)) errors[$"examples[{i}].answer"] = ["Ответ примера обязателен."];
            else if (example.InputData is { } data && data.ValueKind is not (JsonValueKind.Array or JsonValueKind.Null)) errors[$"examples[{i}].input_data"] = ["Ожидается массив строк таблицы."];
        }
        if (keywords?.Any(k => string.IsNullOrWhiteSpace(k) || k.Length > 64) == true) errors["keywords"] = ["Ключевые слова: непустые строки не длиннее 64 символов."];
    }

    // ---- presets -----------------------------------------------------------------------

    internal static async Task<Ok<List<AdminPresetResponse>>> ListPresetsAsync(GigaOfficeDbContext db, CancellationToken ct) =>
        TypedResults.Ok(await db.Presets.AsNoTracking().OrderBy(p => p.CategoryId).ThenBy(p => p.SortOrder)
            .Select(p => new AdminPresetResponse(p.Id, p.Name, p.Category!.Name, p.Title, p.PromptText, p.SortOrder, p.IsActive, p.IsCustomized, p.UpdatedAt))
            .ToListAsync(ct));

    internal static async Task<Results<Created<AdminPresetResponse>, ValidationProblem, Conflict<ProblemDetails>>> CreatePresetAsync(
        PresetCreate body, GigaOfficeDbContext db, PromptCatalog catalog, TimeProvider time, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (body.Name is null || !PresetNamePattern().IsMatch(body.Name)) errors["name"] = ["Имя: 2–128 символов, строчные латинские буквы, цифры и дефис."];
        if (string.IsNullOrWhiteSpace(body.Title) || body.Title.Length > 200) errors["title"] = ["Заголовок обязателен, не длиннее 200 символов."];
        if (string.IsNullOrWhiteSpace(body.PromptText) || body.PromptText.Length > 4000) errors["prompt_text"] = ["Текст промпта обязателен, не длиннее 4000 символов."];
        var category = body.Category is null ? null : await db.Categories.FirstOrDefaultAsync(c => c.Name == body.Category, ct);
        if (category is null) errors["category"] = [$"Нет категории \"{body.Category}\"."];
        if (errors.Count > 0) return Invalid(errors);
        if (await db.Presets.AnyAsync(p => p.Name == body.Name, ct)) return Conflict($"Промпт {body.Name} уже есть.");
        var row = new PresetPrompt
        {
            Name = body.Name!, CategoryId = category!.Id, Title = body.Title!.Trim(), PromptText = body.PromptText!.Trim(),
            SortOrder = body.SortOrder ?? 100, IsActive = true, IsCustomized = true, UpdatedAt = time.GetUtcNow().UtcDateTime,
        };
        db.Presets.Add(row);
        await db.SaveChangesAsync(ct);
        catalog.Invalidate();
        return TypedResults.Created($"/api/admin/presets/{row.Name}", ToResponse(row, category.Name));
    }

    internal static async Task<Results<Ok<AdminPresetResponse>, NotFound<ProblemDetails>, ValidationProblem>> UpdatePresetAsync(
        string name, PresetPatch body, GigaOfficeDbContext db, PromptCatalog catalog, TimeProvider time, CancellationToken ct)
    {
        var row = await db.Presets.Include(p => p.Category).FirstOrDefaultAsync(p => p.Name == name, ct);
        if (row is null) return PresetNotFound(name);
        var errors = new Dictionary<string, string[]>();
        if (body.Title is not null && (string.IsNullOrWhiteSpace(body.Title) || body.Title.Length > 200)) errors["title"] = ["Заголовок не может быть пустым, не длиннее 200 символов."];
        if (body.PromptText is not null && (string.IsNullOrWhiteSpace(body.PromptText) || body.PromptText.Length > 4000)) errors["prompt_text"] = ["Текст промпта не может быть пустым, не длиннее 4000 символов."];
        PromptCategory? category = null;
        if (body.Category is not null && (category = await db.Categories.FirstOrDefaultAsync(c => c.Name == body.Category, ct)) is null)
            errors["category"] = [$"Нет категории \"{body.Category}\"."];
        if (errors.Count > 0) return Invalid(errors);
        if (category is not null) { row.CategoryId = category.Id; row.Category = category; }
        if (body.Title is not null) row.Title = body.Title.Trim();
        if (body.PromptText is not null) row.PromptText = body.PromptText.Trim();
        if (body.SortOrder is { } sort) row.SortOrder = sort;
        if (body.IsActive is { } active) row.IsActive = active;
        row.IsCustomized = body.IsCustomized ?? true;
        row.UpdatedAt = time.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(ct);
        catalog.Invalidate();
        return TypedResults.Ok(ToResponse(row, row.Category!.Name));
    }

    internal static Task<Results<Ok<AdminPresetResponse>, NotFound<ProblemDetails>, ValidationProblem>> DeactivatePresetAsync(
        string name, GigaOfficeDbContext db, PromptCatalog catalog, TimeProvider time, CancellationToken ct) =>
        UpdatePresetAsync(name, new PresetPatch { IsActive = false }, db, catalog, time, ct);

    // ---- requests ----------------------------------------------------------------------

    internal static async Task<Results<Ok<AdminRequestResponse>, NotFound<ProblemDetails>, ValidationProblem>> RequestAsync(
        string request_id, GigaOfficeDbContext db, CancellationToken ct)
    {
        if (!Guid.TryParse(request_id, out var id)) return Invalid(new() { ["request_id"] = ["Идентификатор запроса должен быть UUID."] });
        var r = await db.Requests.AsNoTracking().FirstOrDefaultAsync(x => x.Id == id, ct);
        if (r is null) return TypedResults.NotFound(new ProblemDetails { Status = 404, Title = "Запрос не найден", Detail = $"Запроса {id} нет." });
        return TypedResults.Ok(new AdminRequestResponse(r.Id, r.Status, r.Category, r.CategoryClassified, r.ClassifiedBy, r.QueryText, r.InputRange,
            r.ErrorCode, r.ErrorMessage, r.RawAnswer, r.ResultJson, r.PromptVersion, r.Model, r.TotalTokens, r.ClassificationTokens,
            r.CachedFromId, r.Attempts, r.CreatedAt, r.CompletedAt) { ClassificationConfidence = r.ClassificationConfidence });
    }

    // ---- helpers -----------------------------------------------------------------------

    private static AdminCategoryResponse ToResponse(PromptCategory c) => new(c.Id, c.Name, c.DisplayName, c.Description, c.IsActive, c.SortOrder,
        c.ResultKind, c.SystemPrompt, Examples(c.ExamplesJson), JsonSerializer.Deserialize<List<string>>(c.KeywordsJson, GigaOfficeJson.Options) ?? [],
        c.Version, c.IsCustomized, c.UpdatedAt);

    private static AdminPresetResponse ToResponse(PresetPrompt p, string category) =>
        new(p.Id, p.Name, category, p.Title, p.PromptText, p.SortOrder, p.IsActive, p.IsCustomized, p.UpdatedAt);

    private static List<PromptExample> Examples(string json) => JsonSerializer.Deserialize<List<PromptExample>>(json, GigaOfficeJson.Options) ?? [];
    private static string ExamplesJson(List<PromptExample> examples) => JsonSerializer.Serialize(examples, GigaOfficeJson.Options);
    private static string KeywordsJson(List<string> keywords) =>
        JsonSerializer.Serialize(keywords.Select(k => k.Trim().ToLowerInvariant()).Distinct().ToList(), GigaOfficeJson.Options);

    private static ValidationProblem Invalid(Dictionary<string, string[]> errors) => TypedResults.ValidationProblem(errors, title: "Запрос не прошёл проверку");

    private static Conflict<ProblemDetails> Conflict(string detail) =>
        TypedResults.Conflict(new ProblemDetails { Status = 409, Title = "Конфликт", Detail = detail });

    private static NotFound<ProblemDetails> CategoryNotFound(string name) =>
        TypedResults.NotFound(new ProblemDetails { Status = 404, Title = "Категория не найдена", Detail = $"Категории {name} нет." });

    private static NotFound<ProblemDetails> PresetNotFound(string name) =>
        TypedResults.NotFound(new ProblemDetails { Status = 404, Title = "Промпт не найден", Detail = $"Предустановленного промпта {name} нет." });

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{1,63}$")]
    private static partial Regex NamePattern();

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{1,127}$")]
    private static partial Regex PresetNamePattern();
}
