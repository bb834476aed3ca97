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
public sealed record GigaChatRequest(IReadOnlyList<ChatMessage> Messages, RequestContext Context, string? RequestId = null)
{
    /// <summary>
    /// Functions offered to the model (GigaChat function calling). Null: the client decides by the
    /// category, forcing its answer function where the category needs structure and functions are
    /// on (GIGACHAT_USE_FUNCTIONS); empty: none.
    /// </summary>
    public IReadOnlyList<Answers.AnswerFunction>? Functions { get; init; }
    /// <summary>"auto", "none" or {"name": …}; null with <see cref="Functions"/> set means "auto".</summary>
    public JsonElement? FunctionCall { get; init; }
    /// <summary>Given the answer's text so far while it streams (GIGACHAT_STREAM_PROGRESS, text answers only).</summary>
    public Action<string>? OnText { get; init; }
}

/// <summary>The function the model called instead of writing text: its name and its arguments (a JSON object).</summary>
public sealed record GigaChatFunctionCall(string Name, JsonElement Arguments);

/// <summary>The user's request as the service understood it.</summary>
public sealed record RequestContext(string Category, string QueryText, string? InputRange, JsonElement? InputData)
{
    /// <summary>Which parts of the table the model is sent; null: the category's default.</summary>
    public Prompts.RequiredTableInfo? TableInfo { get; init; }
    /// <summary>Styles of the input table (structured API), JSON of <see cref="Requests.InputStyles"/>.</summary>
    public JsonElement? InputStyles { get; init; }
}

public sealed record TokenUsage(int PromptTokens, int CompletionTokens, int TotalTokens)
{
    /// <summary>The part of the prompt GigaChat served from its session cache (X-Session-ID); not billed again.</summary>
    public int PrecachedPromptTokens { get; init; }
}

public sealed record GigaChatCompletion(string Content, string FinishReason, TokenUsage Usage, string Model)
{
    /// <summary>Set when the model answered by calling a function (finish reason "function_call").</summary>
    public GigaChatFunctionCall? FunctionCall { get; init; }

    /// <summary>What the model sent, as kept for the admin: its text, or the function it called with the arguments.</summary>
    public string RawAnswer => FunctionCall is { } call ? $"{call.Name}({call.Arguments.GetRawText()})" : Content;
}

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

    /// <summary>Tokens of each text as the model counts them (POST /tokens/count); null where the client cannot measure.</summary>
    Task<int[]?> CountTokensAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken) => Task.FromResult<int[]?>(null);
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
    /// <summary>The series the data range holds, derived from it (name and values range of each).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<ChartSeries>? Series { get; init; }
}

/// <summary>One series of a chart: its name (from the label cell when known) and the cells of its values.</summary>
public sealed record ChartSeries(string? Name, string ValuesRange, string? NameCell = null);

/// <summary>A named cell style; answers refer to it by <see cref="Id"/>. Colours are #RRGGBB.</summary>
public sealed record CellStyle
{
    /// <example>header</example>
    public string Id { get; init; } = "";
    /// <example>#D9D9D9</example>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? BackgroundColor { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? FontColor { get; init; }
    /// <summary>"bold" or "normal".</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? FontWeight { get; init; }
    /// <summary>"italic" or "normal".</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? FontStyle { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? FontSize { get; init; }
    /// <summary>left, center, right, justify.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? HorizontalAlignment { get; init; }
    /// <summary>top, center, bottom.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? VerticalAlignment { get; init; }
    /// <summary>none, thin, medium, thick (all edges of every cell of the range).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Border { get; init; }
}

/// <summary>A style applied to a range of the sheet (A1 notation, absolute on the sheet).</summary>
public sealed record StyleRange(string Range, string Style);

/// <summary>Number format (and optional width) of a column of the answer; index 0 is the first column of the answer's range.</summary>
public sealed record ColumnFormat
{
    public int Index { get; init; }
    /// <example># ##0.00</example>
    public string? Format { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? Width { get; init; }
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
    /// <summary>Styles the answer defines (formatting answers).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<CellStyle>? Styles { get; init; }
    /// <summary>Which style goes on which range of the sheet.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<StyleRange>? StyleRanges { get; init; }
    /// <summary>Number formats of the answer's columns.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<ColumnFormat>? Columns { get; init; }
    /// <summary>Target worksheet when the model named one ("Лист2!A1:B3").</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Worksheet { get; init; }
    /// <summary>What the service corrected in the model's answer (Russian, for the user and the admin).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<string>? Repairs { get; init; }
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
