using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace FakeGigaChat;

// POST /api/v1/chat/completions: validation, scripted replies, latency, function calls and streaming.
public sealed partial class FakeGigaChatServer
{
    // ---------------------------------------------------------------- POST /api/v1/chat/completions

    private async Task HandleChatAsync(HttpContext context)
    {
        var timestamp = DateTimeOffset.UtcNow;
        var started = Stopwatch.GetTimestamp();
        var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        var requestId = HeaderOrNull(context, "X-Request-ID");
        var sessionId = HeaderOrNull(context, "X-Session-ID");
        var outcome = new ChatOutcome();

        EnterChatCall();
        try
        {
            if (requestId is not null)
                context.Response.Headers["X-Request-ID"] = requestId;
            await ServeChatAsync(context, requestId, sessionId, outcome);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested || _shutdown.IsCancellationRequested)
        {
            outcome.Aborted = true;
            outcome.StatusCode = StatusCodes.Status499ClientClosedRequest;
        }
        finally
        {
            Interlocked.Decrement(ref _chatCallsInFlight);
            var call = new ChatCall(timestamp, outcome.Request, requestId, sessionId, headers, outcome.StatusCode, outcome.Aborted)
            {
                Duration = Stopwatch.GetElapsedTime(started),
            };
            lock (_recordLock)
            {
                _chatCalls.Add(call);
                if (Options.CallLogPath is { } log)
                    File.AppendAllText(log, FormattableString.Invariant($"{timestamp.ToUnixTimeMilliseconds() / 1000.0:F3} {outcome.StatusCode} {(outcome.Aborted ? "aborted" : "answered")}\n"));
            }
        }
    }

    private sealed class ChatOutcome
    {
        public ChatCompletionRequest? Request;
        public int StatusCode;
        public bool Aborted;
    }

    private async Task ServeChatAsync(HttpContext context, string? requestId, string? sessionId, ChatOutcome outcome)
    {
        var aborted = context.RequestAborted;

        if (Outage)
        {
            outcome.StatusCode = StatusCodes.Status503ServiceUnavailable;
            await WriteErrorAsync(context, outcome.StatusCode, "Service Unavailable (simulated outage)");
            return;
        }
        if (!IsApiCallAuthorized(context))
        {
            outcome.StatusCode = StatusCodes.Status401Unauthorized;
            await WriteErrorAsync(context, outcome.StatusCode, "Unauthorized");
            return;
        }

        var body = await ReadBodyAsync(context);
        ChatCompletionRequest request;
        try
        {
            request = ParseChatRequest(body, requestId, sessionId);
        }
        catch (InvalidRequestException invalid)
        {
            outcome.StatusCode = invalid.StatusCode;
            await WriteErrorAsync(context, invalid.StatusCode, invalid.Message);
            return;
        }
        outcome.Request = request;

        FakeReply reply;
        if (_scriptedChatReplies.TryDequeue(out var scripted))
        {
            reply = scripted;
        }
        else
        {
            await DelayAsync(Latency + Jitter(), aborted);
            try
            {
                reply = Responder(request);
            }
            catch (Exception exception)
            {
                // A throwing responder is a bug in the test: make it visible in the answer.
                outcome.StatusCode = StatusCodes.Status500InternalServerError;
                await WriteErrorAsync(context, outcome.StatusCode, "FakeGigaChat responder threw: " + exception.Message);
                return;
            }
        }
        await DelayAsync(reply.Delay, aborted);

        if (reply.IsError)
        {
            outcome.StatusCode = reply.ErrorStatusCode;
            await WriteErrorAsync(context, reply);
            return;
        }

        var functionCall = FunctionCallOf(request, reply);
        var promptTokens = reply.PromptTokens ?? EstimateTokens(request.Messages.Sum(m => m.Content.Length));
        var completionTokens = reply.CompletionTokens ?? EstimateTokens(functionCall is { } c ? c.Arguments.GetRawText().Length : reply.Content.Length);
        var usage = new
        {
            prompt_tokens = promptTokens,
            completion_tokens = completionTokens,
            total_tokens = promptTokens + completionTokens,
            precached_prompt_tokens = reply.PrecachedPromptTokens,
        };
        var created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        outcome.StatusCode = StatusCodes.Status200OK;

        if (functionCall is { } called && !request.Stream)
        {
            await WriteJsonAsync(context, StatusCodes.Status200OK, new
            {
                choices = new[]
                {
                    new
                    {
                        message = new { role = "assistant", content = "", function_call = new { name = called.Name, arguments = called.Arguments } },
                        index = 0, finish_reason = "function_call",
                    },
                },
                created,
                model = Options.Model,
                @object = "chat.completion",
                usage,
            });
            return;
        }

        if (request.Stream)
        {
            await WriteStreamAsync(context, reply, usage, created);
            return;
        }

        await WriteJsonAsync(context, StatusCodes.Status200OK, new
        {
            choices = new[]
            {
                new { message = new { role = "assistant", content = reply.Content }, index = 0, finish_reason = reply.FinishReason },
            },
            created,
            model = Options.Model,
            @object = "chat.completion",
            usage,
        });
    }

    /// <summary>Server-sent events as GigaChat streams them: content deltas, a last chunk with finish_reason and usage, then [DONE].</summary>
    private async Task WriteStreamAsync(HttpContext context, FakeReply reply, object usage, long created)
    {
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";

        // Word-sized pieces never split a surrogate pair.
        var pieces = WordBoundary().Split(reply.Content).Where(p => p.Length > 0).ToList();
        for (var i = 0; i < pieces.Count; i++)
        {
            var isLast = i == pieces.Count - 1;
            if (i > 0 && reply.ChunkDelay > TimeSpan.Zero) await Task.Delay(reply.ChunkDelay, context.RequestAborted);
            await WriteEventAsync(context, isLast
                ? ChunkWithFinish(pieces[i])
                : new
                {
                    choices = new[] { new { delta = new { content = pieces[i], role = "assistant" }, index = 0 } },
                    created,
                    model = Options.Model,
                    @object = "chat.completion",
                });
        }
        if (pieces.Count == 0)
            await WriteEventAsync(context, ChunkWithFinish(""));
        await context.Response.WriteAsync("data: [DONE]\n\n", context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);

        object ChunkWithFinish(string content) => new
        {
            choices = new[] { new { delta = new { content, role = "assistant" }, index = 0, finish_reason = reply.FinishReason } },
            created,
            model = Options.Model,
            @object = "chat.completion",
            usage,
        };
    }

    private static async Task WriteEventAsync(HttpContext context, object chunk)
    {
        await context.Response.WriteAsync("data: " + JsonSerializer.Serialize(chunk, JsonOptions) + "\n\n", context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
    }

    [GeneratedRegex(@"(?<=\s)")]
    private static partial Regex WordBoundary();

    private static ChatCompletionRequest ParseChatRequest(string body, string? requestId, string? sessionId)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException exception)
        {
            throw new InvalidRequestException(StatusCodes.Status400BadRequest, "Body is not valid JSON: " + exception.Message);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw Unprocessable("Body must be a JSON object");

            if (!root.TryGetProperty("model", out var model) || model.ValueKind != JsonValueKind.String || model.GetString() is not { Length: > 0 } modelName)
                throw Unprocessable("model is required");

            if (!root.TryGetProperty("messages", out var messagesElement) || messagesElement.ValueKind != JsonValueKind.Array || messagesElement.GetArrayLength() == 0)
                throw Unprocessable("messages must be a non-empty array");

            var messages = new List<ChatMessage>();
            foreach (var item in messagesElement.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Object
                    || !item.TryGetProperty("role", out var role) || role.ValueKind != JsonValueKind.String
                    || !ValidRoles.Contains(role.GetString()!))
                    throw Unprocessable($"messages[{messages.Count}].role must be one of {string.Join(", ", ValidRoles)}");

                var content = item.TryGetProperty("content", out var contentElement) ? contentElement : default;
                if (content.ValueKind is not (JsonValueKind.String or JsonValueKind.Null or JsonValueKind.Undefined))
                    throw Unprocessable($"messages[{messages.Count}].content must be a string");

                messages.Add(new ChatMessage(role.GetString()!, content.ValueKind == JsonValueKind.String ? content.GetString()! : ""));
            }

            var systemPositions = messages.Select((m, i) => (m.Role, i)).Where(x => x.Role == "system").Select(x => x.i).ToList();
            if (systemPositions.Count > 1)
                throw Unprocessable("At most one system message is allowed");
            if (systemPositions is [not 0])
                throw Unprocessable("The system message must be the first message");

            var (functions, functionCall, forced) = ParseFunctions(root);
            return new ChatCompletionRequest
            {
                Functions = functions,
                FunctionCall = functionCall,
                ForcedFunction = forced,
                Model = modelName,
                Messages = messages,
                Temperature = OptionalNumber(root, "temperature"),
                TopP = OptionalNumber(root, "top_p"),
                MaxTokens = OptionalNumber(root, "max_tokens") is { } maxTokens ? (int)maxTokens : null,
                RepetitionPenalty = OptionalNumber(root, "repetition_penalty"),
                Stream = root.TryGetProperty("stream", out var stream) && stream.ValueKind == JsonValueKind.True,
                RequestId = requestId,
                SessionId = sessionId,
                RawJson = body,
            };
        }
    }

    private static double? OptionalNumber(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            return null;
        if (value.ValueKind != JsonValueKind.Number)
            throw Unprocessable(name + " must be a number");
        return value.GetDouble();
    }

    private static InvalidRequestException Unprocessable(string message) =>
        new(StatusCodes.Status422UnprocessableEntity, message);

    private sealed class InvalidRequestException(int statusCode, string message) : Exception(message)
    {
        public int StatusCode { get; } = statusCode;
    }

    private void EnterChatCall()
    {
        var inFlight = Interlocked.Increment(ref _chatCallsInFlight);
        var max = Volatile.Read(ref _maxConcurrentChatCalls);
        while (inFlight > max)
        {
            var seen = Interlocked.CompareExchange(ref _maxConcurrentChatCalls, inFlight, max);
            if (seen == max)
                break;
            max = seen;
        }
    }
}
