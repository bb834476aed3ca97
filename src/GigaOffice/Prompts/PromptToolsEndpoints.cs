using System.Text.Json;
using GigaOffice.Configuration;
using GigaOffice.Data;
using GigaOffice.GigaChat;
using GigaOffice.Infrastructure;
using GigaOffice.Requests;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace GigaOffice.Prompts;

public sealed record RollbackRequest
{
    /// <summary>The version whose system prompt and examples become current again (as a new version).</summary>
    /// <example>1</example>
    public int? Version { get; init; }
}

/// <summary>A trial of a category's prompt (or a draft of it) on a sample table.</summary>
public sealed record PromptTrialRequest
{
    /// <summary>A draft system prompt; omitted: the category's current one.</summary>
    public string? SystemPrompt { get; init; }
    /// <example>Посчитай сумму по каждому товару</example>
    public string? QueryText { get; init; }
    /// <example>A1:B3</example>
    public string? InputRange { get; init; }
    /// <summary>The sample table: an array of rows.</summary>
    public JsonElement? InputData { get; init; }
    /// <summary>true: send it to the model (the configured one: dry-run or GigaChat); false: only build the prompt and count its tokens.</summary>
    public bool UseModel { get; init; }
}

public sealed record PromptTrialResponse(
    string Mode, int EstimatedPromptTokens, bool DataTruncated, int RowsSent, IReadOnlyList<ChatMessage> Messages,
    string? Answer, string? Model, TokenUsage? Usage);

/// <summary>Roll-back and trial of category prompts, for the console and admins with curl.</summary>
public static class PromptToolsEndpoints
{
    public static IEndpointRouteBuilder MapPromptTools(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/admin/categories").WithTags("Администрирование").RequireAdminKey();
        group.MapPost("/{name}/rollback", RollbackAsync).WithSummary("Вернуть системный промпт и примеры прежней версии (создаёт новую версию)");
        group.MapPost("/{name}/try", TryAsync).WithSummary("Проверить промпт (или черновик) на примере таблицы: без модели или с моделью, с числом токенов");
        return app;
    }

    internal static async Task<Results<Ok<AdminCategoryResponse>, NotFound<ProblemDetails>, ValidationProblem, Conflict<ProblemDetails>>> RollbackAsync(
        string name, RollbackRequest body, GigaOfficeDbContext db, PromptCatalog catalog, TimeProvider time, CancellationToken ct)
    {
        var row = await db.Categories.AsNoTracking().FirstOrDefaultAsync(c => c.Name == name, ct);
        if (row is null) return TypedResults.NotFound(new ProblemDetails { Status = 404, Title = "Категория не найдена", Detail = $"Категории {name} нет." });
        var version = body.Version is { } v ? await db.CategoryVersions.AsNoTracking().FirstOrDefaultAsync(x => x.CategoryId == row.Id && x.Version == v, ct) : null;
        if (version is null)
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["version"] = [$"У категории {name} нет версии {body.Version}."] }, title: "Запрос не прошёл проверку");
        var examples = JsonSerializer.Deserialize<List<PromptExample>>(version.ExamplesJson, GigaOfficeJson.Options) ?? [];
        return await PromptAdminEndpoints.UpdateCategoryAsync(name, new CategoryPatch { SystemPrompt = version.SystemPrompt, Examples = examples }, db, catalog, time, ct);
    }

    internal static async Task<Results<Ok<PromptTrialResponse>, NotFound<ProblemDetails>, ValidationProblem, ProblemHttpResult>> TryAsync(
        string name, PromptTrialRequest body, PromptCatalog catalog, ProcessRequestValidator validator, PromptBuilder builder,
        IGigaChatClient model, IGigaChatQuota quota, IOptions<GigaChatOptions> options, HttpContext http, CancellationToken ct)
    {
        var errors = validator.Validate(body.QueryText, body.InputRange, body.InputData);
        if (body.SystemPrompt is { } draft && (string.IsNullOrWhiteSpace(draft) || draft.Length > PromptAdminEndpoints.MaxPromptLength))
            errors["system_prompt"] = [$"Черновик промпта: непустой, не длиннее {PromptAdminEndpoints.MaxPromptLength} символов."];
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "Запрос не прошёл проверку");
        var category = (await catalog.GetAsync(ct)).Find(name);
        if (category is null) return TypedResults.NotFound(new ProblemDetails { Status = 404, Title = "Категория не найдена", Detail = $"Категории {name} нет." });
        if (body.SystemPrompt is not null) category = category with { SystemPrompt = body.SystemPrompt };

        var context = new RequestContext(category.Name, body.QueryText!, body.InputRange, body.InputData);
        var prompt = builder.Build(category, context, options.Value.MaxTokensPerRequest);
        if (!body.UseModel)
            return TypedResults.Ok(new PromptTrialResponse("prompt-only", prompt.EstimatedTokens, prompt.DataTruncated, prompt.RowsSent, prompt.Messages, null, null, null));

        // A trial spends the same GigaChat quota as the workers, so it never pushes them over the limit.
        if (await quota.TryAcquireAsync(ct) is { } wait)
        {
            var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
            http.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return TypedResults.Problem(statusCode: 429, title: "Квота GigaChat исчерпана", detail: $"Повторите через {seconds} с.");
        }
        try
        {
            var completion = await model.CompleteAsync(new GigaChatRequest(prompt.Messages, context), ct);
            return TypedResults.Ok(new PromptTrialResponse(model.Mode, prompt.EstimatedTokens, prompt.DataTruncated, prompt.RowsSent, prompt.Messages,
                completion.Content, completion.Model, completion.Usage));
        }
        catch (GigaChatException e)
        {
            return TypedResults.Problem(statusCode: 502, title: "Модель не ответила", detail: e.UserMessage);
        }
    }
}
