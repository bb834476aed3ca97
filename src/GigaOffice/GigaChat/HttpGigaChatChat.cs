using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using GigaOffice.Configuration;
using Microsoft.Extensions.Options;
using Polly.CircuitBreaker;

namespace GigaOffice.GigaChat;

/// <summary>
/// General chat calls and the model list over the same named HttpClient as
/// <see cref="HttpGigaChatClient"/> (TLS, token, retries, breaker, timeout). The caller takes the
/// quota slot. A stream is retried only until its headers arrive: after that the text is the caller's.
/// </summary>
public sealed class HttpGigaChatChat(
    IHttpClientFactory httpClients, IOptions<GigaChatOptions> options, GigaChatCircuit circuit, ILogger<HttpGigaChatChat> logger) : IGigaChatChat
{
    private readonly GigaChatOptions _options = options.Value;

    public async Task<GigaChatCallResult> ChatAsync(GigaChatCall call, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(ChatMessage(call, stream: false), HttpCompletionOption.ResponseContentRead, call.Model, cancellationToken);
        GigaChatWire.Response? answer;
        try
        {
            answer = await response.Content.ReadFromJsonAsync<GigaChatWire.Response>(GigaChatWire.Options, cancellationToken);
        }
        catch (JsonException)
        {
            answer = null;
        }
        if (answer?.Choices is not [{ Message: { } message } first, ..])
        {
            logger.LogWarning("GigaChat chat answer has no choices");
            throw GigaChatErrors.UpstreamError();
        }
        return new GigaChatCallResult(message.Content ?? "", GigaChatWire.FunctionCallOf(message), first.FinishReason ?? "stop",
            GigaChatWire.UsageOf(answer.Usage) ?? new TokenUsage(0, 0, 0), answer.Model ?? call.Model);
    }

    public async IAsyncEnumerable<GigaChatCallChunk> StreamAsync(GigaChatCall call, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var response = await SendAsync(ChatMessage(call, stream: true), HttpCompletionOption.ResponseHeadersRead, call.Model, cancellationToken);
        await foreach (var chunk in GigaChatStream.ChunksAsync(response, logger, "chat API stream", cancellationToken))
        {
            if (chunk.Choices is not [var choice, ..]) continue;
            var delta = choice.Delta ?? choice.Message;
            yield return new GigaChatCallChunk(delta?.Content ?? "", GigaChatWire.FunctionCallOf(delta), choice.FinishReason,
                GigaChatWire.UsageOf(chunk.Usage), chunk.Model);
        }
    }

    public async Task<IReadOnlyList<GigaChatModel>> ModelsAsync(CancellationToken cancellationToken)
    {
        using var message = new HttpRequestMessage(HttpMethod.Get, "models");
        message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        using var response = await SendAsync(message, HttpCompletionOption.ResponseContentRead, _options.Model, cancellationToken);
        GigaChatWire.ModelList? list;
        try
        {
            list = await response.Content.ReadFromJsonAsync<GigaChatWire.ModelList>(GigaChatWire.Options, cancellationToken);
        }
        catch (JsonException)
        {
            list = null;
        }
        if (list?.Data is null) throw GigaChatErrors.UpstreamError();
        return list.Data.Where(m => !string.IsNullOrEmpty(m.Id)).Select(m => new GigaChatModel(m.Id!, m.OwnedBy ?? "salutedevices")).ToList();
    }

    private static HttpRequestMessage ChatMessage(GigaChatCall call, bool stream)
    {
        var message = new HttpRequestMessage(HttpMethod.Post, "chat/completions")
        {
            // Bytes, not a stream: retries and the 401 refresh send the same content again.
            Content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(GigaChatWire.Request.Of(call, stream), GigaChatWire.Options))
            {
                Headers = { ContentType = new MediaTypeHeaderValue("application/json") },
            },
        };
        message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(stream ? "text/event-stream" : "application/json"));
        message.Headers.Add("X-Request-ID", Guid.NewGuid().ToString());
        return message;
    }

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage message, HttpCompletionOption completion, string model, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        using (message)
        {
            try
            {
                response = await httpClients.CreateClient(HttpGigaChatClient.HttpClientName).SendAsync(message, completion, cancellationToken);
            }
            catch (BrokenCircuitException)
            {
                throw GigaChatErrors.Unavailable(circuit.RemainingBreak());
            }
            catch (Exception ex) when (GigaChatErrors.FromTransportFailure(ex, cancellationToken) is { } failure)
            {
                GigaChatErrors.LogTransportFailure(logger, failure, ex, "chat API call");
                throw failure;
            }
        }
        if (response.IsSuccessStatusCode) return response;
        using (response)
        {
            var failure = GigaChatErrors.FromStatus(response, model);
            logger.LogWarning("GigaChat answered {Status} to a chat API call ({Code})", (int)response.StatusCode, failure.Code);
            throw failure;
        }
    }
}
