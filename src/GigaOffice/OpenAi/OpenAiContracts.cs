using System.Text.Json;
using System.Text.Json.Serialization;

namespace GigaOffice.OpenAi;

/// <summary>OpenAI's wire format: snake_case, nulls written (clients expect e.g. "finish_reason": null).</summary>
public static class OpenAiJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The same without nulls, for stream chunks whose deltas carry only what changed.</summary>
    public static readonly JsonSerializerOptions Compact = new(Options) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };
}

public sealed record OpenAiErrorBody(OpenAiError Error);

/// <summary>OpenAI's error object: a message for people, a type and a code for programs.</summary>
public sealed record OpenAiError(string Message, string Type, string? Code, string? Param = null);

public sealed record OpenAiModel(string Id, long Created, string OwnedBy)
{
    public string Object => "model";
}

public sealed record OpenAiModelList(IReadOnlyList<OpenAiModel> Data)
{
    public string Object => "list";
}

public sealed record OpenAiUsage(int PromptTokens, int CompletionTokens, int TotalTokens);

public sealed record OpenAiFunctionCall(string Name, string Arguments);

public sealed record OpenAiToolCall(string Id, OpenAiFunctionCall Function)
{
    public string Type => "function";
}

public sealed record OpenAiMessage(string? Content, IReadOnlyList<OpenAiToolCall>? ToolCalls, OpenAiFunctionCall? FunctionCall)
{
    public string Role => "assistant";
    public string? Refusal => null;
}

public sealed record OpenAiChoice(int Index, OpenAiMessage Message, string FinishReason)
{
    public object? Logprobs => null;
}

public sealed record OpenAiChatCompletion(string Id, long Created, string Model, IReadOnlyList<OpenAiChoice> Choices, OpenAiUsage Usage)
{
    public string Object => "chat.completion";
    public string? SystemFingerprint => null;
}

/// <summary>A tool call in a stream delta: its index among the message's calls, then id, name and arguments.</summary>
public sealed record OpenAiToolCallDelta(int Index, string Id, OpenAiFunctionCall Function)
{
    public string Type => "function";
}

public sealed record OpenAiDelta(string? Role, string? Content, IReadOnlyList<OpenAiToolCallDelta>? ToolCalls, OpenAiFunctionCall? FunctionCall);

public sealed record OpenAiChunkChoice(int Index, OpenAiDelta Delta, string? FinishReason);

public sealed record OpenAiChatChunk(string Id, long Created, string Model, IReadOnlyList<OpenAiChunkChoice> Choices, OpenAiUsage? Usage)
{
    public string Object => "chat.completion.chunk";
}
