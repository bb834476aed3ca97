namespace FakeGigaChat;

/// <summary>One message of a chat completion request.</summary>
public sealed record ChatMessage(string Role, string Content);

/// <summary>A chat completion request as the fake parsed it (only what tests assert on, plus the raw JSON).</summary>
public sealed record ChatCompletionRequest
{
    public required string Model { get; init; }
    public required IReadOnlyList<ChatMessage> Messages { get; init; }
    public double? Temperature { get; init; }
    public double? TopP { get; init; }
    public int? MaxTokens { get; init; }
    public double? RepetitionPenalty { get; init; }
    public bool Stream { get; init; }
    /// <summary>X-Request-ID header, if sent.</summary>
    public string? RequestId { get; init; }
    /// <summary>X-Session-ID header, if sent.</summary>
    public string? SessionId { get; init; }
    /// <summary>The request body exactly as received.</summary>
    public required string RawJson { get; init; }
    /// <summary>Names of the functions offered (GigaChat function calling); empty when none.</summary>
    public IReadOnlyList<string> Functions { get; init; } = [];
    /// <summary>function_call as sent: "auto", "none", the forced function's name, or null when absent.</summary>
    public string? FunctionCall { get; init; }
    /// <summary>The function the request forces with function_call {"name": …}, if any.</summary>
    public string? ForcedFunction { get; init; }
}

/// <summary>
/// What the fake answers to one chat call: either a normal completion or an HTTP error.
/// Build with <see cref="Text"/> or <see cref="Error"/>; tweak with <c>with { ... }</c>.
/// </summary>
public sealed record FakeReply
{
    /// <summary>Content of the default responder: an answer in the shape GigaOffice asks the model for.</summary>
    public const string DefaultContent =
        """{"text": "Ответ тестового GigaChat", "output_range": null, "table": null, "chart": null}""";

    /// <summary>0 for a normal answer (200), otherwise the HTTP status of the error.</summary>
    public int ErrorStatusCode { get; init; }
    public bool IsError => ErrorStatusCode != 0;

    public string Content { get; init; } = "";
    public string FinishReason { get; init; } = "stop";
    /// <summary>Null: ceil(characters of all request messages / 3).</summary>
    public int? PromptTokens { get; init; }
    /// <summary>Null: ceil(characters of <see cref="Content"/> / 3).</summary>
    public int? CompletionTokens { get; init; }
    public int PrecachedPromptTokens { get; init; }

    /// <summary>Retry-After header (seconds) sent with an error.</summary>
    public int? RetryAfterSeconds { get; init; }
    /// <summary>Error body; null gives {"status":N,"message":"&lt;reason phrase&gt;"}.</summary>
    public string? ErrorBody { get; init; }

    /// <summary>Extra delay for this reply only (on top of the server latency), e.g. to trip a client timeout.</summary>
    public TimeSpan Delay { get; init; }
    /// <summary>Pause between the pieces of a streamed reply, as a model writing its answer.</summary>
    public TimeSpan ChunkDelay { get; init; }

    /// <summary>
    /// Arguments (a JSON object) the model passes when the request offers functions: the reply is then
    /// message.function_call with finish_reason "function_call", unless the server ignores functions
    /// (<see cref="FakeGigaChatServer.IgnoreFunctions"/>) or none were offered: then <see cref="Content"/> is the answer.
    /// </summary>
    public string? FunctionArguments { get; init; }
    /// <summary>The function called; null: the forced one, else the first offered.</summary>
    public string? FunctionName { get; init; }

    /// <summary>A reply calling a function with these arguments, or writing <paramref name="textFallback"/> where functions are off or ignored.</summary>
    public static FakeReply Function(string arguments, string textFallback = "", string? name = null) =>
        new() { FunctionArguments = arguments, FunctionName = name, Content = textFallback };

    public static FakeReply Text(string content, string finishReason = "stop",
        int? promptTokens = null, int? completionTokens = null, int precachedPromptTokens = 0) =>
        new()
        {
            Content = content,
            FinishReason = finishReason,
            PromptTokens = promptTokens,
            CompletionTokens = completionTokens,
            PrecachedPromptTokens = precachedPromptTokens,
        };

    public static FakeReply Error(int statusCode, int? retryAfterSeconds = null, string? body = null)
    {
        if (statusCode is < 400 or > 599)
            throw new ArgumentOutOfRangeException(nameof(statusCode), statusCode, "An error reply needs a 4xx or 5xx status.");
        return new() { ErrorStatusCode = statusCode, RetryAfterSeconds = retryAfterSeconds, ErrorBody = body };
    }

    public static FakeReply Default { get; } = Text(DefaultContent);
}

/// <summary>One call of POST /api/v2/oauth, whatever its outcome.</summary>
public sealed record OAuthCall(
    DateTimeOffset TimestampUtc,
    string? RqUid,
    string? Scope,
    string? Authorization,
    int StatusCode,
    string? AccessToken);

/// <summary>
/// One call of POST /api/v1/chat/completions, recorded when it finished (so the list is in
/// completion order) but stamped with its arrival time.
/// </summary>
public sealed record ChatCall(
    DateTimeOffset TimestampUtc,
    ChatCompletionRequest? Request,
    string? RequestId,
    string? SessionId,
    IReadOnlyDictionary<string, string> Headers,
    int StatusCode,
    bool Aborted)
{
    public TimeSpan Duration { get; init; }
}
