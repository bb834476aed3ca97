using System.Globalization;
using GigaOffice.Clients;
using GigaOffice.Data;
using GigaOffice.Infrastructure;
using GigaOffice.Prompts;
using GigaOffice.Requests;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace GigaOffice.Upstream;

public sealed record CategoryInfoV1(int Id, string Name, string DisplayName, string? Description, bool IsActive, int SortOrder, int PromptCount);

public sealed record PromptCategoriesResponse(string Status, List<CategoryInfoV1> Categories);

public sealed record PromptInfoV1(int Id, string Name, string? Description, string Template, int CategoryId);

public sealed record CategoryDetailsResponse(string Status, CategoryInfoV1 Category, List<PromptInfoV1> Prompts);

public sealed record PresetPromptInfo(int Id, string Name, string Template, int CategoryId, string? CategoryName, string? CategoryDisplayName);

public sealed record PresetPromptsResponse(string Status, List<PresetPromptInfo> Prompts);

/// <summary>Upstream's /api/v1/prompts (categories with numeric ids, presets, classification) and /api/v1/feedback.</summary>
public static class PromptFeedbackEndpoints
{
    public static void MapUpstreamPrompts(this RouteGroupBuilder v1)
    {
        var prompts = v1.MapGroup("/prompts");
        prompts.MapGet("/categories", CategoriesAsync).Free().WithSummary("Категории с числом промптов (API v1)");
        prompts.MapGet("/categories/{category_id}", CategoryAsync).Free().WithSummary("Категория и её промпты (API v1)");
        prompts.MapGet("/presets", PresetsAsync).Free().WithSummary("Предустановленные промпты; category — id или имя (API v1)");
        prompts.MapPost("/classify", ClassifyAsync).Spending().WithSummary("Определить категорию запроса (API v1)");
        v1.MapPost("/feedback", FeedbackAsync).Free().WithSummary("Оценка ответа: rating true/false (API v1)");
    }

    private static CategoryInfoV1 Info(CategoryInfo c, PromptSnapshot snapshot) =>
        new(c.Id, c.Name, c.DisplayName, c.Description, c.IsActive, c.SortOrder, snapshot.Presets.Count(p => p.Category == c.Name));

    internal static async Task<Ok<PromptCategoriesResponse>> CategoriesAsync(PromptCatalog prompts, CancellationToken ct)
    {
        var snapshot = await prompts.GetAsync(ct);
        return TypedResults.Ok(new PromptCategoriesResponse("success", snapshot.Categories.Where(c => c.IsActive).Select(c => Info(c, snapshot)).ToList()));
    }

    internal static async Task<Results<Ok<CategoryDetailsResponse>, JsonHttpResult<FastApiValidation>, JsonHttpResult<FastApiDetail>>> CategoryAsync(
        string category_id, PromptCatalog prompts, CancellationToken ct)
    {
        if (!int.TryParse(category_id, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var id))
            return UpstreamErrors.Invalid(new FastApiError("int_parsing", ["path", "category_id"], "Input should be a valid integer, unable to parse string as an integer") { Input = category_id });
        var snapshot = await prompts.GetAsync(ct);
        if (snapshot.Categories.FirstOrDefault(c => c.Id == id && c.IsActive) is not { } category) return UpstreamErrors.Detail(404, "Category not found");
        var presets = snapshot.Presets.Where(p => p.Category == category.Name)
            .Select(p => new PromptInfoV1(p.Id, p.Title, null, p.PromptText, category.Id)).ToList();
        return TypedResults.Ok(new CategoryDetailsResponse("success", Info(category, snapshot), presets));
    }

    /// <summary>category: a numeric id or a name; an unknown one matches no preset, as upstream answers it.</summary>
    internal static async Task<Ok<PresetPromptsResponse>> PresetsAsync(string? category, PromptCatalog prompts, CancellationToken ct)
    {
        var snapshot = await prompts.GetAsync(ct);
        CategoryInfo? wanted = null;
        var filtered = !string.IsNullOrWhiteSpace(category);
        if (filtered)
            wanted = int.TryParse(category, NumberStyles.None, CultureInfo.InvariantCulture, out var id)
                ? snapshot.Categories.FirstOrDefault(c => c.Id == id)
                : snapshot.Resolve(category);
        var list = snapshot.Presets.Where(p => !filtered || p.Category == wanted?.Name)
            .Select(p => snapshot.Find(p.Category) is { } c
                ? new PresetPromptInfo(p.Id, p.Title, p.PromptText, c.Id, c.Name, c.DisplayName)
                : new PresetPromptInfo(p.Id, p.Title, p.PromptText, 0, null, null))
            .ToList();
        return TypedResults.Ok(new PresetPromptsResponse("success", list));
    }

    internal static async Task<Results<Ok<ClassifyResponse>, JsonHttpResult<FastApiValidation>, JsonHttpResult<FastApiDetail>>> ClassifyAsync(
        ClassifyRequest body, ProcessRequestValidator validator, PromptCatalog prompts, RequestClassifier classifier, HttpContext http, CancellationToken ct)
    {
        if (body.PromptText is null) return UpstreamErrors.Invalid(UpstreamErrors.Missing("prompt_text"));
        if (body.PromptText.Length == 0)
            return UpstreamErrors.Invalid(new FastApiError("string_too_short", ["body", "prompt_text"], "String should have at least 1 character") { Input = "" });
        var errors = validator.Validate(body.PromptText, null, null);
        if (errors.Count > 0) return UpstreamErrors.Invalid(UpstreamErrors.FromFields(errors.ToDictionary(e => e.Key == "query_text" ? "prompt_text" : e.Key, e => e.Value), ""));

        BudgetHold.LetGo(http); // a model call of up to CLASSIFIER_TIMEOUT_SECONDS must not hold the key's other requests
        var snapshot = await prompts.GetAsync(ct);
        var outcome = await classifier.ClassifyAsync(snapshot, body.PromptText, null, null, fallBackWhenBusy: false, ct);
        if (outcome.RetryAfter is { } wait)
        {
            var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
            http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            return UpstreamErrors.Detail(429, $"GigaChat quota exhausted, retry in {seconds} s");
        }
        var c = outcome.Classification!;
        return TypedResults.Ok(new ClassifyResponse(true, body.PromptText, c.Category, c.Confidence, c.TextContent, c.RequiredTableInfo));
    }

    /// <summary>
    /// A good/bad rating becomes this service's 1–5 scale (true 5, false 1, none 3: neutral), so it
    /// shows in the same feedback metrics. The rated text is echoed, not stored: the answer is.
    /// </summary>
    internal static async Task<Results<Ok<FeedbackResponse>, JsonHttpResult<FastApiValidation>, JsonHttpResult<FastApiDetail>, ProblemHttpResult>> FeedbackAsync(
        FeedbackRequest body, GigaOfficeDbContext db, DatabaseReadiness database, TimeProvider time, HttpContext http, CancellationToken ct)
    {
        var errors = new List<FastApiError>();
        if (body.AiRequestId is null) errors.Add(UpstreamErrors.Missing("ai_request_id"));
        if (body.TextResponse is null) errors.Add(UpstreamErrors.Missing("text_response"));
        if (body.Comment is { Length: > RequestFeedback.MaxCommentLength })
            errors.Add(new FastApiError("string_too_long", ["body", "comment"], $"String should have at most {RequestFeedback.MaxCommentLength} characters"));
        if (errors.Count > 0) return UpstreamErrors.Invalid(errors);
        if (!database.IsReady) return Problems.DatabaseUnavailable(http);

        var request = Guid.TryParse(body.AiRequestId, out var id)
            ? await db.Requests.AsNoTracking().ForClient(http).Where(r => r.Id == id).Select(r => new { r.Category, r.PromptVersion }).FirstOrDefaultAsync(ct)
            : null;
        if (request is null) return UpstreamErrors.Detail(404, "AI request not found");

        var comment = string.IsNullOrWhiteSpace(body.Comment) ? null : body.Comment.Trim();
        var rating = body.Rating switch { true => 5, false => 1, null => 3 };
        var row = await db.Feedback.FirstOrDefaultAsync(f => f.RequestId == id, ct) ?? db.Feedback.Add(new RequestFeedback { RequestId = id }).Entity;
        row.Rating = rating;
        row.Comment = comment;
        row.Category = request.Category;
        row.PromptVersion = request.PromptVersion;
        row.CreatedAt = time.GetUtcNow().UtcDateTime;
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            // Rated twice at once: the other rating won the unique index; this one replaces it.
            db.ChangeTracker.Clear();
            await db.Feedback.Where(f => f.RequestId == id).ExecuteUpdateAsync(s => s
                .SetProperty(f => f.Rating, rating).SetProperty(f => f.Comment, comment).SetProperty(f => f.CreatedAt, row.CreatedAt), ct);
            row = await db.Feedback.AsNoTracking().FirstAsync(f => f.RequestId == id, ct);
        }
        return TypedResults.Ok(new FeedbackResponse(row.Id, id, body.TextResponse!, body.Rating, comment));
    }
}
