using System.Text.Json;
using System.Text.Json.Serialization;

namespace GigaOffice.GigaChat;

public sealed record ChatMessage(string Role, string Content)
{
    public static ChatMessage System(string content) => new("system", content);
    public static ChatMessage User(string content) => new("user", content);
    public static ChatMessage Assistant(string content) => new("assistant", content);
}

/// <summary>
/// What is sent to the model. <see cref="Context"/> is not sent: only the dry-run model reads it,
/// to compute real figures without parsing its own prompt back.
/// </summary>
public sealed record GigaChatRequest(IReadOnlyList<ChatMessage> Messages, RequestContext Context, string? RequestId = null);

/// <summary>The user's request as the service understood it.</summary>
public sealed record RequestContext(string Category, string QueryText, string? InputRange, JsonElement? InputData);

public sealed record TokenUsage(int PromptTokens, int CompletionTokens, int TotalTokens);

public sealed record GigaChatCompletion(string Content, string FinishReason, TokenUsage Usage, string Model);

/// <summary>A failure of the model call with a stable code and a message the user may see.</summary>
public sealed class GigaChatException(string code, string userMessage, bool transient, TimeSpan? retryAfter = null, Exception? inner = null)
    : Exception($"{code}: {userMessage}", inner)
{
    public string Code { get; } = code;
    public string UserMessage { get; } = userMessage;
    public bool Transient { get; } = transient;
    public TimeSpan? RetryAfter { get; } = retryAfter;
}

public interface IGigaChatClient
{
    string Mode { get; }
    Task<GigaChatCompletion> CompleteAsync(GigaChatRequest request, CancellationToken cancellationToken);
}

/// <summary>A chart the plugin should insert (ONLYOFFICE chart type names).</summary>
public sealed record ChartSpec
{
    /// <example>bar</example>
    public string Type { get; init; } = "bar";
    public string? Title { get; init; }
    /// <summary>Range holding the chart's data, A1 notation.</summary>
    public string? DataRange { get; init; }
    public bool SeriesInRows { get; init; }
    /// <summary>Top-left cell where the chart is placed.</summary>
    public string? Position { get; init; }
}

/// <summary>
/// The answer in the form a spreadsheet plugin applies: a text for the user and, where the
/// category produces one, a table to write at <see cref="OutputRange"/> or a chart.
/// </summary>
public sealed record SpreadsheetAnswer
{
    public string Text { get; init; } = "";
    public string? OutputRange { get; init; }
    /// <summary>Rows of cells: strings, numbers, booleans or null; formulas are strings starting with "=".</summary>
    public List<List<JsonElement>>? Table { get; init; }
    public ChartSpec? Chart { get; init; }
    /// <summary>True when the table was too large for the model and only its first rows were sent.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool DataTruncated { get; init; }
}

public static class GigaOfficeJson
{
    /// <summary>snake_case everywhere, as the seed's API and the model's answer contract use it.</summary>
    public static readonly JsonSerializerOptions Options = Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    public static JsonSerializerOptions Configure(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        options.DictionaryKeyPolicy = JsonNamingPolicy.SnakeCaseLower;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
        options.Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping;
        return options;
    }
}
