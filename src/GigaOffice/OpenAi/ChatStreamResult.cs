using System.Diagnostics;
using System.Text;
using System.Text.Json;
using GigaOffice.GigaChat;

namespace GigaOffice.OpenAi;

/// <summary>
/// A streamed chat completion: GigaChat's stream relayed as OpenAI chunks, each flushed as it
/// arrives, the last carrying finish_reason and usage, then <c>data: [DONE]</c>. A failure before the
/// first piece is an ordinary error response; after it, an error event ends the stream without [DONE],
/// so the client knows the answer is incomplete.
/// </summary>
public sealed class ChatStreamResult(MappedChat request, IGigaChatChat chat, OpenAiCallLog log, OpenAiCall record, long started, long reservedTokens) : IResult
{
    private static readonly byte[] Done = "data: [DONE]\n\n"u8.ToArray();

    public async Task ExecuteAsync(HttpContext http)
    {
        var ct = http.RequestAborted;
        var id = ChatResponses.NewId();
        var created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var stopper = new StreamStopper(request.Stop);
        var text = log.LogContent ? new StringBuilder() : null;
        var model = request.Call.Model;
        var sentRole = false;
        string? finish = null;
        var recorded = false;
        TokenUsage? usage = null;
        await using var pieces = chat.StreamAsync(request.Call, ct).GetAsyncEnumerator(ct);
        try
        {
            try
            {
                if (!await pieces.MoveNextAsync()) throw GigaChatErrors.UpstreamError();
            }
            catch (GigaChatException ex)
            {
                var failure = OpenAiErrors.FromGigaChat(ex);
                Record(failure.Status, failure.Error.Code);
                await failure.ToResult(http).ExecuteAsync(http);
                return;
            }
            http.Response.ContentType = "text/event-stream";
            http.Response.Headers.CacheControl = "no-cache";
            http.Response.Headers["X-Accel-Buffering"] = "no"; // nginx: pass chunks through at once
            do
            {
                var piece = pieces.Current;
                model = piece.Model ?? model;
                usage = piece.Usage ?? usage;
                var content = stopper.Push(piece.Content);
                if (piece.FinishReason is not null && !stopper.Stopped) content += stopper.Flush();
                OpenAiFunctionCall? call = piece.FunctionCall is { } fc ? ChatResponses.FunctionCall(fc) : null;
                if (content.Length > 0 || call is not null || !sentRole)
                {
                    text?.Append(content);
                    await WriteAsync(http, Chunk(new OpenAiDelta(sentRole ? null : "assistant", content.Length > 0 || !sentRole ? content : null,
                        call is not null && request.ToolsStyle ? [new OpenAiToolCallDelta(0, ChatResponses.ToolCallId(), call)] : null,
                        call is not null && !request.ToolsStyle ? call : null), null, null), ct);
                    if (!sentRole) log.FirstChunk(Stopwatch.GetElapsedTime(started));
                    sentRole = true;
                }
                if (piece.FinishReason is { } reason) finish = ChatResponses.FinishReason(reason, request.ToolsStyle);
                if (stopper.Stopped) finish = "stop";
            } while (finish is null && await pieces.MoveNextAsync());
            // Usage comes with GigaChat's last chunk; after a stop sequence the rest is read (not sent) for it,
            // since those tokens were generated and count against the key's budget.
            while (usage is null && await pieces.MoveNextAsync()) usage = pieces.Current.Usage;
            var rest = stopper.Flush();
            if (rest.Length > 0) await WriteAsync(http, Chunk(new OpenAiDelta(null, rest, null, null), null, null), ct);
            usage ??= new TokenUsage(0, 0, 0);
            await WriteAsync(http, Chunk(new OpenAiDelta(null, null, null, null), finish ?? "stop", ChatResponses.Usage(usage)), ct);
            await http.Response.Body.WriteAsync(Done, ct);
            await http.Response.Body.FlushAsync(ct);
            record.ResponseText = text?.ToString();
            Record(200, null);
        }
        catch (GigaChatException ex)
        {
            var failure = OpenAiErrors.FromGigaChat(ex);
            Record(failure.Status, failure.Error.Code);
            await WriteErrorAsync(http, failure.Error);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            Record(499, "client_closed");
        }
        finally
        {
            // Anything else that ended the stream: recorded all the same, so the reservation is settled.
            if (!recorded) Record(500, "internal_error");
        }

        OpenAiChatChunk Chunk(OpenAiDelta delta, string? finishReason, OpenAiUsage? chunkUsage) =>
            new(id, created, model, [new OpenAiChunkChoice(0, delta, finishReason)], chunkUsage);

        void Record(int status, string? code)
        {
            recorded = true;
            record.Model = model;
            record.StatusCode = status;
            record.ErrorCode = code;
            (record.PromptTokens, record.CompletionTokens, record.TotalTokens) = usage is { } u ? (u.PromptTokens, u.CompletionTokens, u.TotalTokens) : (0, 0, 0);
            record.DurationMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            log.Record(record, reservedTokens);
        }
    }

    private static async Task WriteAsync(HttpContext http, OpenAiChatChunk chunk, CancellationToken ct)
    {
        var body = http.Response.Body;
        await body.WriteAsync("data: "u8.ToArray(), ct);
        await JsonSerializer.SerializeAsync(body, chunk, OpenAiJson.Compact, ct);
        await body.WriteAsync("\n\n"u8.ToArray(), ct);
        await body.FlushAsync(ct);
    }

    private static async Task WriteErrorAsync(HttpContext http, OpenAiError error)
    {
        try
        {
            var json = JsonSerializer.Serialize(new OpenAiErrorBody(error), OpenAiJson.Options);
            await http.Response.WriteAsync("data: " + json + "\n\n", http.RequestAborted);
            await http.Response.Body.FlushAsync(http.RequestAborted);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException)
        {
            // The client is gone; the record says how the stream ended.
        }
    }
}
