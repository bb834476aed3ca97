using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using GigaOffice.Answers;
using GigaOffice.Configuration;
using Microsoft.Extensions.Options;
using Polly.CircuitBreaker;

namespace GigaOffice.GigaChat;

/// <summary>
/// The real GigaChat API, for both cloud and mtls modes: they differ only in how a call is
/// authenticated (a bearer token added by <see cref="GigaChatBearerHandler"/>, or the client
/// certificate of the TLS handshake), which <see cref="GigaChatSetup"/> wires into the named
/// HttpClient. Retries, the circuit breaker and timeouts live in that client's pipeline.
/// </summary>
/// <remarks>The caller takes a quota slot for the call; retries inside the pipeline take their own.</remarks>
public sealed class HttpGigaChatClient(
    IHttpClientFactory httpClients, IOptions<GigaChatOptions> options, GigaChatCircuit circuit, ILogger<HttpGigaChatClient> logger) : IGigaChatClient
{
    public const string HttpClientName = "GigaChat";

    private static JsonSerializerOptions Wire => GigaChatWire.Options;

    private readonly GigaChatOptions _options = options.Value;

    public string Mode => _options.Mode == GigaChatRunMode.Mtls ? "mtls" : "cloud";

    public async Task<GigaChatCompletion> CompleteAsync(GigaChatRequest request, CancellationToken cancellationToken)
    {
        var functions = request.Functions ?? DefaultFunctions(request.Context.Category);
        // Only a text answer streams: a function's arguments are of no use to a reader until complete.
        var stream = _options.StreamProgress && request.OnText is not null && functions.Count == 0;
        var body = new ChatRequest(_options.Model, request.Messages.Select(m => new ChatRequestMessage(m.Role, m.Content)).ToList(), stream)
        {
            Functions = functions.Count > 0 ? AnswerFunctions.ToWire(functions) : null,
            FunctionCall = functions.Count == 0 ? null
                : request.FunctionCall ?? (request.Functions is null ? AnswerFunctions.Force(functions[0]) : null),
        };
        using var message = new HttpRequestMessage(HttpMethod.Post, "chat/completions")
        {
            // Bytes, not a stream: retries and the 401 refresh send the same content again.
            Content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(body, Wire)) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } },
        };
        message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(stream ? "text/event-stream" : "application/json"));
        message.Headers.Add("X-Request-ID", request.RequestId ?? Guid.NewGuid().ToString());
        message.Headers.Add("X-Session-ID", SessionIdFor(request.Context.Category));

        HttpResponseMessage response;
        try
        {
            response = await httpClients.CreateClient(HttpClientName)
                .SendAsync(message, stream ? HttpCompletionOption.ResponseHeadersRead : HttpCompletionOption.ResponseContentRead, cancellationToken);
        }
        catch (BrokenCircuitException)
        {
            // Fail fast: the request goes back to the queue until the circuit may close again.
            throw GigaChatErrors.Unavailable(circuit.RemainingBreak());
        }
        catch (Exception ex) when (GigaChatErrors.FromTransportFailure(ex, cancellationToken) is { } failure)
        {
            GigaChatErrors.LogTransportFailure(logger, failure, ex, $"chat call {request.RequestId}");
            throw failure;
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                var failure = GigaChatErrors.FromStatus(response, _options.Model);
                logger.LogWarning("GigaChat answered {Status} to call {RequestId}: {Message}", (int)response.StatusCode, request.RequestId,
                    await ErrorMessageAsync(response, cancellationToken));
                throw failure;
            }
            if (stream) return await ReadStreamAsync(response, request, cancellationToken);
            ChatResponse? answer;
            try
            {
                answer = await response.Content.ReadFromJsonAsync<ChatResponse>(Wire, cancellationToken);
            }
            catch (JsonException)
            {
                answer = null;
            }
            if (answer?.Choices is not [{ Message: { } choice } first, ..])
            {
                logger.LogWarning("GigaChat answer to call {RequestId} has no choices", request.RequestId);
                throw GigaChatErrors.UpstreamError();
            }
            return new GigaChatCompletion(choice.Content ?? "", first.FinishReason ?? "stop", GigaChatWire.UsageOf(answer.Usage) ?? new TokenUsage(0, 0, 0), answer.Model ?? _options.Model)
            {
                FunctionCall = choice.FunctionCall is { Name: { Length: > 0 } name } call ? new GigaChatFunctionCall(name, call.Arguments) : null,
            };
        }
    }

    /// <summary>
    /// A streamed answer (<see cref="GigaChatStream"/>): the text so far goes to
    /// <see cref="GigaChatRequest.OnText"/> at most every <see cref="TextInterval"/> and once at the end;
    /// usage comes with the last chunk.
    /// </summary>
    private async Task<GigaChatCompletion> ReadStreamAsync(HttpResponseMessage response, GigaChatRequest request, CancellationToken cancellationToken)
    {
        var text = new StringBuilder();
        string? finish = null, model = null;
        GigaChatWire.Usage? usage = null;
        var reported = Stopwatch.GetTimestamp();
        await foreach (var chunk in GigaChatStream.ChunksAsync(response, logger, $"chat stream {request.RequestId}", cancellationToken))
        {
            (model, usage) = (chunk.Model ?? model, chunk.Usage ?? usage);
            if (chunk.Choices is not [var choice, ..]) continue;
            text.Append((choice.Delta ?? choice.Message)?.Content);
            finish = choice.FinishReason ?? finish;
            if (Stopwatch.GetElapsedTime(reported) < TextInterval) continue;
            request.OnText!(text.ToString());
            reported = Stopwatch.GetTimestamp();
        }
        request.OnText!(text.ToString());
        return new GigaChatCompletion(text.ToString(), finish ?? "stop", GigaChatWire.UsageOf(usage) ?? new TokenUsage(0, 0, 0), model ?? _options.Model);
    }

    /// <summary>How often a streaming answer's text is passed on: often enough to read along, seldom enough to cost nothing.</summary>
    private static readonly TimeSpan TextInterval = TimeSpan.FromMilliseconds(200);

    /// <summary>The category's answer function, forced, where the category needs structure and functions are on.</summary>
    private IReadOnlyList<AnswerFunction> DefaultFunctions(string category) =>
        _options.UseFunctions && AnswerFunctions.IsForced(category) ? [AnswerFunctions.ForCategory(category)!] : [];

    // Texts measured by POST /tokens/count, by SHA-256 of their content: a category's system prompt
    // and examples repeat in every request, so only the user's message is usually measured again.
    private readonly ConcurrentDictionary<string, int> _tokenCounts = new();
    private const int TokenCountCacheLimit = 10_000;

    /// <summary>GigaChat's own count of each text's tokens; uncached texts are measured in one call.</summary>
    public async Task<int[]?> CountTokensAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken)
    {
        var keys = texts.Select(t => Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(t)))).ToArray();
        var missing = Enumerable.Range(0, texts.Count).Where(i => !_tokenCounts.ContainsKey(keys[i])).ToList();
        if (missing.Count > 0)
        {
            var body = JsonSerializer.SerializeToUtf8Bytes(new { model = _options.Model, input = missing.Select(i => texts[i]).ToArray() }, Wire);
            using var message = new HttpRequestMessage(HttpMethod.Post, "tokens/count")
            {
                Content = new ByteArrayContent(body) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } },
            };
            List<TokenCount>? counts;
            try
            {
                using var response = await httpClients.CreateClient(HttpClientName).SendAsync(message, cancellationToken);
                if (!response.IsSuccessStatusCode)
                {
                    logger.LogWarning("GigaChat answered {Status} to a token count; the estimate is used", (int)response.StatusCode);
                    return null;
                }
                counts = await response.Content.ReadFromJsonAsync<List<TokenCount>>(Wire, cancellationToken);
            }
            catch (Exception ex) when (ex is HttpRequestException or JsonException or BrokenCircuitException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                logger.LogWarning("Token count failed ({Error}); the estimate is used", ex.GetType().Name);
                return null;
            }
            if (counts is null || counts.Count != missing.Count) return null;
            if (_tokenCounts.Count > TokenCountCacheLimit) _tokenCounts.Clear();
            for (var j = 0; j < missing.Count; j++) _tokenCounts[keys[missing[j]]] = counts[j].Tokens;
        }
        return keys.Select(k => _tokenCounts.TryGetValue(k, out var n) ? n : 0).ToArray();
    }

    /// <summary>
    /// One session per category: its system prompt and examples are the same for every request,
    /// so GigaChat can serve that prefix from its prompt cache (reported as precached tokens).
    /// </summary>
    internal static string SessionIdFor(string category) =>
        new Guid(SHA256.HashData(Encoding.UTF8.GetBytes("gigaoffice/" + category)).AsSpan(0, 16)).ToString();

    /// <summary>GigaChat's {"status":N,"message":"..."}, shortened, for the admin's log.</summary>
    private static async Task<string> ErrorMessageAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            using var json = JsonDocument.Parse(text);
            text = json.RootElement.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString()! : text;
            return text.Length > 300 ? text[..300] : text;
        }
        catch (Exception ex) when (ex is JsonException or HttpRequestException or IOException)
        {
            return "(no readable body)";
        }
    }

    private sealed record ChatRequest(string Model, List<ChatRequestMessage> Messages, bool Stream = false)
    {
        public JsonArray? Functions { get; init; }
        public JsonElement? FunctionCall { get; init; }
    }
    private sealed record ChatRequestMessage(string Role, string Content);
    private sealed record ChatResponse(List<ChatChoice>? Choices, string? Model, GigaChatWire.Usage? Usage);
    private sealed record ChatChoice(ChatChoiceMessage? Message, string? FinishReason);
    private sealed record ChatChoiceMessage(string? Role, string? Content)
    {
        public ChatFunctionCall? FunctionCall { get; init; }
    }
    private sealed record ChatFunctionCall(string? Name, JsonElement Arguments);
    private sealed record TokenCount(int Tokens, int Characters);
}

/// <summary>
/// Cloud mode's authentication: adds the shared access token; a 401 means the token was revoked
/// or expired early, so it is dropped, refreshed once and the call tried once more.
/// </summary>
public sealed class GigaChatBearerHandler(GigaChatTokenProvider tokens) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var token = await tokens.GetTokenAsync(cancellationToken);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var response = await base.SendAsync(request, cancellationToken);
        if (response.StatusCode != HttpStatusCode.Unauthorized) return response;

        response.Dispose();
        tokens.Invalidate(token);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await tokens.GetTokenAsync(cancellationToken));
        return await base.SendAsync(request, cancellationToken);
    }
}

/// <summary>
/// Sits inside the retry strategy: the first attempt runs on the slot its caller took, every
/// retry is one more call GigaChat counts, so it waits for a slot of its own.
/// </summary>
public sealed class GigaChatRetryQuotaHandler(IGigaChatQuota quota) : DelegatingHandler
{
    private static readonly HttpRequestOptionsKey<bool> Attempted = new("GigaOffice.GigaChat.Attempted");

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Options.TryGetValue(Attempted, out _)) await quota.AcquireAsync(cancellationToken);
        else request.Options.Set(Attempted, true);
        return await base.SendAsync(request, cancellationToken);
    }
}

/// <summary>When the circuit breaker opened, so that a refused request knows when to come back.</summary>
public sealed class GigaChatCircuit(TimeProvider time)
{
    private long _openUntilTicks;

    public void Opened(TimeSpan breakDuration) => Interlocked.Exchange(ref _openUntilTicks, (time.GetUtcNow() + breakDuration).UtcTicks);

    public TimeSpan RemainingBreak()
    {
        var remaining = new DateTimeOffset(Interlocked.Read(ref _openUntilTicks), TimeSpan.Zero) - time.GetUtcNow();
        return remaining > TimeSpan.FromMilliseconds(100) ? remaining : TimeSpan.FromMilliseconds(100);
    }
}
