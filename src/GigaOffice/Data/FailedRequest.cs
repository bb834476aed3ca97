namespace GigaOffice.Data;

/// <summary>
/// What a failed request stores. The model's tokens were spent even when its answer is unusable,
/// so they are recorded with its raw answer when there was one.
/// </summary>
public sealed record FailedRequest(
    DateTime CompletedAt, string ErrorCode, string ErrorMessage, string? RawAnswer, string? Model, int? PromptVersion,
    int PromptTokens, int CompletionTokens, int TotalTokens, double ProcessingMs, double? GigaChatMs)
{
    /// <summary>The part of the prompt GigaChat served from its session cache.</summary>
    public int PrecachedPromptTokens { get; init; }
}
