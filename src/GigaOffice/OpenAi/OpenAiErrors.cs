using System.Globalization;
using GigaOffice.GigaChat;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GigaOffice.OpenAi;

/// <summary>A refusal in OpenAI's shape: status, error object and, for 429/503, how long to wait.</summary>
public sealed record OpenAiFailure(int Status, OpenAiError Error, TimeSpan? RetryAfter = null)
{
    public JsonHttpResult<OpenAiErrorBody> ToResult(HttpContext http)
    {
        if (RetryAfter is { } wait) http.Response.Headers.RetryAfter = OpenAiErrors.Seconds(wait);
        return TypedResults.Json(new OpenAiErrorBody(Error), OpenAiJson.Options, statusCode: Status);
    }
}

public static class OpenAiErrors
{
    public static OpenAiFailure BadRequest(ChatRequestException ex) =>
        new(400, new OpenAiError(ex.Message, "invalid_request_error", ex.Code, ex.Param));

    public static OpenAiFailure QuotaExhausted(TimeSpan retryAfter) =>
        new(429, new OpenAiError("The deployment's GigaChat request quota is used up for now; retry after the time in Retry-After.",
            "rate_limit_error", "gigachat_quota_exceeded"), retryAfter);

    /// <summary>GigaChat's failure as the OpenAI client should see it: its fault is a 502/503, a refused request a 4xx.</summary>
    public static OpenAiFailure FromGigaChat(GigaChatException ex) => ex.Code switch
    {
        "bad_request" => new(400, new OpenAiError("GigaChat rejected the request (message order, function schema or parameters).", "invalid_request_error", "upstream_rejected")),
        "too_large" => new(400, new OpenAiError("The messages are longer than the model's context.", "invalid_request_error", "context_length_exceeded")),
        "model_not_found" => new(404, new OpenAiError("GigaChat has no such model for this account; see GET /v1/models.", "invalid_request_error", "model_not_found", "model")),
        "rate_limited" => new(429, new OpenAiError("GigaChat is limiting requests; retry later.", "rate_limit_error", "upstream_rate_limited"), ex.RetryAfter ?? TimeSpan.FromSeconds(5)),
        "upstream_unavailable" => new(503, new OpenAiError("GigaChat is unavailable; retry later.", "server_error", "upstream_unavailable"), ex.RetryAfter ?? TimeSpan.FromSeconds(5)),
        "payment_required" => new(503, new OpenAiError("The service's GigaChat token allowance is used up; tell the administrator.", "server_error", "upstream_quota_exhausted")),
        _ => new(502, new OpenAiError("GigaChat failed to answer (" + ex.Code + "); tell the administrator if it persists.", "server_error", ex.Code)),
    };

    public static string Seconds(TimeSpan wait) =>
        ((long)Math.Max(1, Math.Ceiling(wait.TotalSeconds))).ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// The OpenAI error type and code of a problem written by the shared machinery (authentication,
    /// per-key limits, body limits) for a /v1 call.
    /// </summary>
    public static (string Type, string Code) Classify(int status, string? title) => status switch
    {
        401 => ("invalid_request_error", "invalid_api_key"),
        403 => ("invalid_request_error", "forbidden"),
        404 => ("invalid_request_error", "not_found"),
        413 => ("invalid_request_error", "request_too_large"),
        415 => ("invalid_request_error", "unsupported_media_type"),
        429 when title?.Contains("бюджет", StringComparison.OrdinalIgnoreCase) == true => ("insufficient_quota", "daily_token_budget_exceeded"),
        429 => ("rate_limit_error", "rate_limit_exceeded"),
        >= 500 => ("server_error", status == 503 ? "service_unavailable" : "internal_error"),
        _ => ("invalid_request_error", "invalid_request"),
    };
}

/// <summary>
/// Writes the problems of /v1 calls (a bad key, a per-key limit, a body too large, an unexpected
/// error) as OpenAI error bodies, which OpenAI clients parse; everywhere else problem+json stays.
/// Registered ahead of the other writers.
/// </summary>
public sealed class OpenAiProblemWriter : IProblemDetailsWriter
{
    public bool CanWrite(ProblemDetailsContext context) => OpenAiEndpoints.IsOpenAiPath(context.HttpContext.Request.Path);

    public ValueTask WriteAsync(ProblemDetailsContext context)
    {
        var http = context.HttpContext;
        var problem = context.ProblemDetails;
        var status = problem.Status ?? http.Response.StatusCode;
        var (type, code) = OpenAiErrors.Classify(status, problem.Title);
        var message = string.Join(" ", new[] { problem.Title, problem.Detail }.Where(s => !string.IsNullOrWhiteSpace(s)));
        if (message.Length == 0) message = Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status);
        http.Response.StatusCode = status;
        return new ValueTask(http.Response.WriteAsJsonAsync(new OpenAiErrorBody(new OpenAiError(message, type, code)), OpenAiJson.Options,
            "application/json", http.RequestAborted));
    }
}
