using System.Text.Json;
using System.Text.Json.Serialization;

namespace GigaOffice.GigaChat;

/// <summary>One message of a general chat call; <see cref="Name"/> names the function a "function" message answers.</summary>
public sealed record GigaChatCallMessage(string Role, string Content, string? Name = null, GigaChatFunctionCall? FunctionCall = null);

public sealed record GigaChatFunction(string Name, string? Description, JsonElement? Parameters);

/// <summary>
/// A chat call that carries the caller's own messages and sampling settings (the OpenAI-compatible
/// API), unlike <see cref="GigaChatRequest"/>, whose prompt the service builds itself.
/// </summary>
public sealed record GigaChatCall(string Model, IReadOnlyList<GigaChatCallMessage> Messages)
{
    public double? Temperature { get; init; }
    public double? TopP { get; init; }
    public int? MaxTokens { get; init; }
    public double? RepetitionPenalty { get; init; }
    public IReadOnlyList<GigaChatFunction>? Functions { get; init; }
    /// <summary>"auto", "none" or {"name": "..."}, as GigaChat takes it.</summary>
    public JsonElement? FunctionCall { get; init; }
}

public sealed record GigaChatCallResult(string Content, GigaChatFunctionCall? FunctionCall, string FinishReason, TokenUsage Usage, string Model);

/// <summary>A piece of a streamed answer: text, a function call, and on the last piece the finish reason and usage.</summary>
public sealed record GigaChatCallChunk(string Content, GigaChatFunctionCall? FunctionCall, string? FinishReason, TokenUsage? Usage, string? Model);

public sealed record GigaChatModel(string Id, string OwnedBy);

/// <summary>General chat calls and the model list: the real API (cloud, mtls) or the local dry-run model.</summary>
public interface IGigaChatChat
{
    Task<GigaChatCallResult> ChatAsync(GigaChatCall call, CancellationToken cancellationToken);
    IAsyncEnumerable<GigaChatCallChunk> StreamAsync(GigaChatCall call, CancellationToken cancellationToken);
    Task<IReadOnlyList<GigaChatModel>> ModelsAsync(CancellationToken cancellationToken);
}

/// <summary>GigaChat's JSON for general chat calls (snake_case, nulls left out).</summary>
internal static class GigaChatWire
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public sealed record Request(
        string Model, IReadOnlyList<GigaChatCallMessage> Messages, double? Temperature, double? TopP, int? MaxTokens,
        double? RepetitionPenalty, bool Stream, IReadOnlyList<GigaChatFunction>? Functions, JsonElement? FunctionCall)
    {
        public static Request Of(GigaChatCall call, bool stream) => new(call.Model, call.Messages, call.Temperature, call.TopP, call.MaxTokens,
            call.RepetitionPenalty, stream, call.Functions is { Count: > 0 } f ? f : null, call.Functions is { Count: > 0 } ? call.FunctionCall : null);
    }

    public sealed record Response(List<Choice>? Choices, string? Model, Usage? Usage);
    public sealed record Choice(Message? Message, Message? Delta, string? FinishReason);
    public sealed record Message(string? Role, string? Content, FunctionCallWire? FunctionCall);
    public sealed record FunctionCallWire(string? Name, JsonElement Arguments);
    public sealed record Usage(int PromptTokens, int CompletionTokens, int TotalTokens)
    {
        /// <summary>The part of the prompt GigaChat served from its session cache (X-Session-ID).</summary>
        public int PrecachedPromptTokens { get; init; }
    }
    public sealed record ModelList(List<ModelEntry>? Data);
    public sealed record ModelEntry(string? Id, string? OwnedBy);

    public static TokenUsage? UsageOf(Usage? u) => u is null ? null
        : new TokenUsage(u.PromptTokens, u.CompletionTokens, u.TotalTokens) { PrecachedPromptTokens = u.PrecachedPromptTokens };

    public static GigaChatFunctionCall? FunctionCallOf(Message? m) => m?.FunctionCall is { Name: { Length: > 0 } name } f
        // Some answers carry the arguments as a JSON string: parsed, so callers always see an object.
        ? new GigaChatFunctionCall(name, f.Arguments.ValueKind == JsonValueKind.String && TryParse(f.Arguments.GetString()!) is { } parsed ? parsed
            : f.Arguments.ValueKind == JsonValueKind.Undefined ? JsonSerializer.SerializeToElement(new { }) : f.Arguments.Clone())
        : null;

    private static JsonElement? TryParse(string text)
    {
        try { return JsonSerializer.Deserialize<JsonElement>(text); }
        catch (JsonException) { return null; }
    }
}
