using System.Text.Json;
using GigaOffice.Data;
using GigaOffice.GigaChat;

namespace GigaOffice.Requests;

/// <summary>A request from the plugin: what the user asked and the selected table.</summary>
public sealed record ProcessRequest
{
    /// <summary>The user's request in natural language.</summary>
    /// <example>Проанализируй данные продаж и найди тренды</example>
    public string? QueryText { get; init; }
    /// <summary>The selected range, A1 notation.</summary>
    /// <example>A1:D10</example>
    public string? InputRange { get; init; }
    /// <summary>Category name (machine name, its last word such as "analysis", or the display name). Omit it to let the service classify.</summary>
    /// <example>analysis</example>
    public string? Category { get; init; }
    /// <summary>The selected cells: an array of rows, each an array of strings, numbers, booleans or nulls.</summary>
    public JsonElement? InputData { get; init; }
}

public sealed record ProcessAccepted(
    Guid RequestId, string Status, string Category, bool CategoryClassified, string Message, string StatusUrl, string ResultUrl)
{
    /// <summary>When the service chose the category: confidence, a short plan for the user, the table parts the model gets.</summary>
    public Prompts.Classification? Classification { get; init; }
}

public sealed record RequestError(string Code, string Message)
{
    public static RequestError? Of(AiRequest r) => r.ErrorCode is null ? null : new RequestError(r.ErrorCode, r.ErrorMessage ?? "");
}

public sealed record RequestStatusResponse(
    Guid RequestId, string Status, string Category, DateTime CreatedAt, DateTime? StartedAt, DateTime? CompletedAt,
    int Attempts, RequestError? Error, string? CorrelationId);

public sealed record TokenCounts(int Prompt, int Completion, int Total)
{
    /// <summary>The part of the prompt GigaChat served from its session cache (not billed again).</summary>
    public int Precached { get; init; }
}

/// <summary>The processed answer, ready for the plugin to apply.</summary>
public sealed record RequestResultResponse(
    Guid RequestId, string Status, string Category, SpreadsheetAnswer? Result, RequestError? Error,
    TokenCounts Tokens, double? ProcessingTimeMs, string? Model, int? PromptVersion, DateTime CreatedAt, DateTime? CompletedAt)
{
    /// <summary>The same document for GET /api/ai/result and for the responses topic.</summary>
    public static RequestResultResponse Of(AiRequest r) => new(r.Id, r.Status, r.Category,
        r.ResultJson is null ? null : JsonSerializer.Deserialize<SpreadsheetAnswer>(r.ResultJson, GigaOfficeJson.Options), RequestError.Of(r),
        new TokenCounts(r.PromptTokens, r.CompletionTokens, r.TotalTokens) { Precached = r.PrecachedPromptTokens }, r.ProcessingMs, r.Model, r.PromptVersion, r.CreatedAt, r.CompletedAt)
    {
        Cached = r.CachedFromId is not null,
        CachedFrom = r.CachedFromId,
    };
    /// <summary>True when the answer was reused from an identical earlier request (no GigaChat call, no tokens).</summary>
    public bool Cached { get; init; }
    /// <summary>The request whose answer was reused.</summary>
    public Guid? CachedFrom { get; init; }
}
