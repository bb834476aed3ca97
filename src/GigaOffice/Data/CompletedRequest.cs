namespace GigaOffice.Data;

/// <summary>What a completed request stores.</summary>
public sealed record CompletedRequest(
    DateTime CompletedAt, string ResultJson, string CacheKey, string Model, int PromptVersion,
    int PromptTokens, int CompletionTokens, int TotalTokens, double ProcessingMs, double GigaChatMs)
{
    /// <summary>The part of the prompt GigaChat served from its session cache.</summary>
    public int PrecachedPromptTokens { get; init; }
}
