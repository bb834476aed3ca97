using System.Runtime.CompilerServices;
using System.Text.Json;

namespace GigaOffice.GigaChat;

/// <summary>
/// GigaChat's streamed answer (server-sent events), read the same way for the OpenAI-compatible API
/// and for the worker: each <c>data:</c> line is a chunk, up to <c>data: [DONE]</c>. A stream cut
/// before [DONE] is a failure, not a short answer; an unreadable chunk or a broken connection become
/// GigaChat failures that carry no request data.
/// </summary>
internal static class GigaChatStream
{
    /// <param name="target">What the stream answers, for the log (e.g. "chat stream 0f3a…").</param>
    public static async IAsyncEnumerable<GigaChatWire.Response> ChunksAsync(
        HttpResponseMessage response, ILogger logger, string target, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        using var reader = new StreamReader(body);
        while (await ReadLineAsync(reader, logger, target, cancellationToken) is { } line)
        {
            if (!line.StartsWith("data:", StringComparison.Ordinal)) continue; // blank separators, comments, event names
            var data = line.AsSpan(5).Trim();
            if (data.SequenceEqual("[DONE]")) yield break;
            GigaChatWire.Response? chunk;
            try
            {
                chunk = JsonSerializer.Deserialize<GigaChatWire.Response>(data, GigaChatWire.Options);
            }
            catch (JsonException)
            {
                logger.LogWarning("GigaChat sent an unreadable chunk in {Target}", target);
                throw GigaChatErrors.UpstreamError();
            }
            if (chunk is not null) yield return chunk;
        }
        throw GigaChatErrors.Unavailable();
    }

    private static async Task<string?> ReadLineAsync(StreamReader reader, ILogger logger, string target, CancellationToken cancellationToken)
    {
        try
        {
            return await reader.ReadLineAsync(cancellationToken);
        }
        catch (Exception ex) when (GigaChatErrors.FromTransportFailure(ex, cancellationToken) is { } failure)
        {
            GigaChatErrors.LogTransportFailure(logger, failure, ex, target);
            throw failure;
        }
        catch (IOException ex)
        {
            logger.LogWarning("GigaChat {Target} broke: {Error}", target, GigaChatErrors.Describe(ex));
            throw GigaChatErrors.Unavailable(inner: ex);
        }
    }
}
