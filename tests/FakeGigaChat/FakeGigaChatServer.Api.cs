using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.WebUtilities;

namespace FakeGigaChat;

// GET /models, POST /tokens/count and the helpers every endpoint shares.
public sealed partial class FakeGigaChatServer
{
    // ---------------------------------------------------------------- GET /api/v1/models

    private async Task HandleModelsAsync(HttpContext context)
    {
        Interlocked.Increment(ref _modelsCallCount);
        if (!IsApiCallAuthorized(context))
        {
            await WriteErrorAsync(context, StatusCodes.Status401Unauthorized, "Unauthorized");
            return;
        }
        await WriteJsonAsync(context, StatusCodes.Status200OK, new
        {
            @object = "list",
            data = new[] { new { id = Options.Model, @object = "model", owned_by = "salutedevices" } },
        });
    }

    // ---------------------------------------------------------------- POST /api/v1/tokens/count

    private async Task HandleTokenCountAsync(HttpContext context)
    {
        Interlocked.Increment(ref _tokenCountCallCount);
        if (!IsApiCallAuthorized(context))
        {
            await WriteErrorAsync(context, StatusCodes.Status401Unauthorized, "Unauthorized");
            return;
        }

        List<string> inputs;
        try
        {
            using var document = JsonDocument.Parse(await ReadBodyAsync(context));
            if (!document.RootElement.TryGetProperty("input", out var input) || input.ValueKind != JsonValueKind.Array
                || input.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.String))
            {
                await WriteErrorAsync(context, StatusCodes.Status422UnprocessableEntity, "input must be an array of strings");
                return;
            }
            inputs = input.EnumerateArray().Select(e => e.GetString()!).ToList();
        }
        catch (JsonException exception)
        {
            await WriteErrorAsync(context, StatusCodes.Status400BadRequest, "Body is not valid JSON: " + exception.Message);
            return;
        }

        await WriteJsonAsync(context, StatusCodes.Status200OK,
            inputs.Select(text => new { @object = "tokens", tokens = (int)Math.Ceiling(EstimateTokens(text.Length) * TokenCountFactor), characters = text.Length }).ToArray());
    }

    // ---------------------------------------------------------------- helpers

    /// <summary>The fake's token arithmetic: ceil(characters / 3), roughly GigaChat's ratio for Russian text.</summary>
    public static int EstimateTokens(int characters) => (characters + 2) / 3;

    private async Task DelayAsync(TimeSpan delay, CancellationToken requestAborted)
    {
        if (delay <= TimeSpan.Zero)
            return;
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(requestAborted, _shutdown.Token);
        await Task.Delay(delay, linked.Token);
    }

    private static async Task<string> ReadBodyAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        return await reader.ReadToEndAsync(context.RequestAborted);
    }

    private static string? HeaderOrNull(HttpContext context, string name) =>
        context.Request.Headers.TryGetValue(name, out var values) && !string.IsNullOrEmpty(values.ToString()) ? values.ToString() : null;

    private static async Task WriteJsonAsync(HttpContext context, int statusCode, object body)
    {
        context.Response.StatusCode = statusCode;
        context.Response.ContentType = "application/json; charset=utf-8";
        await JsonSerializer.SerializeAsync(context.Response.Body, body, JsonOptions, context.RequestAborted);
    }

    /// <summary>GigaChat's error shape: {"status":N,"message":"..."}.</summary>
    private static Task WriteErrorAsync(HttpContext context, int statusCode, string message) =>
        WriteJsonAsync(context, statusCode, new { status = statusCode, message });

    private static async Task WriteErrorAsync(HttpContext context, FakeReply reply)
    {
        if (reply.RetryAfterSeconds is { } retryAfter)
            context.Response.Headers.RetryAfter = retryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture);

        if (reply.ErrorBody is null)
        {
            await WriteErrorAsync(context, reply.ErrorStatusCode, ReasonPhrases.GetReasonPhrase(reply.ErrorStatusCode));
            return;
        }
        context.Response.StatusCode = reply.ErrorStatusCode;
        context.Response.ContentType = "application/json; charset=utf-8";
        await context.Response.WriteAsync(reply.ErrorBody, context.RequestAborted);
    }
}
