using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;

namespace GigaOffice.Infrastructure;

public static class Problems
{
    /// <summary>503 while the database is not ready; Retry-After says when to try again, as for an outage met mid-request.</summary>
    public static ProblemHttpResult DatabaseUnavailable(HttpContext http)
    {
        http.Response.Headers.RetryAfter = "5";
        return TypedResults.Problem(
            title: "База данных недоступна",
            detail: "Сервис временно не может сохранить запрос. Повторите через несколько секунд.",
            statusCode: StatusCodes.Status503ServiceUnavailable);
    }
}

/// <summary>
/// Turns what the framework throws on bad input into problem+json that names the field, and
/// anything else into a 500 that reveals nothing but the trace id.
/// </summary>
public sealed class ProblemExceptionHandler(IProblemDetailsService problems, ILogger<ProblemExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken cancellationToken)
    {
        // Clients of the upstream API expect its own error format (FastAPI's 422 "detail").
        if (Upstream.UpstreamErrors.Owns(http.Request.Path) && exception is BadHttpRequestException upstreamBad)
        {
            await Upstream.UpstreamErrors.FromBadRequest(upstreamBad).ExecuteAsync(http);
            return true;
        }
        var problem = exception switch
        {
            BadHttpRequestException { InnerException: JsonException unknown } when UnknownField(unknown) is { } field =>
                Invalid(field, $"Неизвестное поле «{field}»: в этом запросе такого поля нет. Проверьте имя поля по документации API."),
            BadHttpRequestException { InnerException: JsonException json } => Invalid(FieldOf(json.Path), "Неверный JSON или тип значения: " + Describe(json)),
            BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } =>
                new ProblemDetails { Status = 413, Title = "Тело запроса слишком большое" },
            BadHttpRequestException { StatusCode: StatusCodes.Status415UnsupportedMediaType } =>
                new ProblemDetails { Status = 415, Title = "Ожидается Content-Type: application/json" },
            BadHttpRequestException bad when bad.Message.Contains("body", StringComparison.OrdinalIgnoreCase) =>
                Invalid("body", "Тело запроса обязательно и должно быть JSON-объектом."),
            BadHttpRequestException bad => new ProblemDetails { Status = bad.StatusCode, Title = "Неверный запрос" },
            _ => null,
        };
        if (problem is null && Data.DatabaseErrors.IsUnavailable(exception))
        {
            logger.LogWarning("Database unavailable for {Method} {Path}: {Error}", http.Request.Method, http.Request.Path, exception.GetBaseException().Message);
            http.Response.Headers.RetryAfter = "5";
            problem = new ProblemDetails
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "База данных недоступна",
                Detail = "Сервис временно не может обратиться к базе данных. Повторите через несколько секунд.",
            };
        }
        if (problem is null && exception is OutOfMemoryException)
        {
            // A heap limit (a container's memory limit, DOTNET_GCHeapHardLimit) reached under requests
            // at the size limit: the service is overloaded, not broken, and nothing was accepted.
            logger.LogWarning("Out of memory for {Method} {Path}; answered 503", http.Request.Method, http.Request.Path);
            http.Response.Headers.RetryAfter = "5";
            problem = new ProblemDetails
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "Сервис перегружен",
                Detail = "Сервису не хватило памяти на этот запрос. Повторите через несколько секунд или выделите меньший диапазон.",
            };
        }
        if (problem is null)
        {
            logger.LogError(exception, "Unhandled exception for {Method} {Path}", http.Request.Method, http.Request.Path);
            problem = new ProblemDetails
            {
                Status = StatusCodes.Status500InternalServerError,
                Title = "Внутренняя ошибка сервиса",
                Detail = "Сообщите администратору идентификатор trace_id.",
            };
        }
        problem.Extensions["trace_id"] = http.TraceIdentifier;
        http.Response.StatusCode = problem.Status ?? 400;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = http, ProblemDetails = problem, Exception = exception });
    }

    private static HttpValidationProblemDetails Invalid(string field, string message) =>
        new(new Dictionary<string, string[]> { [field] = [message] }) { Status = 400, Title = "Запрос не прошёл проверку" };

    /// <summary>
    /// The field named by System.Text.Json's refusal of an unmapped member ("The JSON property 'x' could
    /// not be mapped..."), with the path of the object holding it: "styles[0].colour". The exception
    /// carries the name only in its message; the tests of unknown fields catch a change of wording.
    /// </summary>
    public static string? UnknownField(JsonException json)
    {
        const string marker = "The JSON property '";
        var message = json.Message;
        var start = message.IndexOf(marker, StringComparison.Ordinal);
        if (start < 0 || !message.Contains("could not be mapped", StringComparison.Ordinal)) return null;
        start += marker.Length;
        var end = message.IndexOf('\'', start);
        if (end < 0) return null;
        var name = message[start..end];
        var parent = FieldOf(json.Path);
        // The path may already end at the unknown property, or at the object that holds it.
        if (parent == "body" || parent == name) return name;
        return parent.EndsWith("." + name, StringComparison.Ordinal) ? parent : $"{parent}.{name}";
    }

    /// <summary>"$.query_text" -> "query_text"; "$.input_data[2]" -> "input_data[2]"; "$" -> "body".</summary>
    public static string FieldOf(string? path) =>
        string.IsNullOrEmpty(path) || path == "$" ? "body" : path.StartsWith("$.") ? path[2..] : path.TrimStart('$');

    private static string Describe(JsonException json) =>
        json.Path is null or "$" ? "тело запроса не является JSON-объектом." : $"поле {FieldOf(json.Path)} имеет неверный тип или формат.";
}

/// <summary>
/// Writes problem+json whatever the request's Accept header says. The framework's writer
/// declines clients that do not ask for JSON (Accept: application/xml, text/html), which left
/// them an empty 400 or a text/plain status line instead of the field that was wrong.
/// </summary>
public sealed class ProblemJsonWriter(IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json, IOptions<ProblemDetailsOptions> options) : IProblemDetailsWriter
{
    public bool CanWrite(ProblemDetailsContext context) => true;

    public ValueTask WriteAsync(ProblemDetailsContext context)
    {
        var http = context.HttpContext;
        var problem = context.ProblemDetails;
        problem.Status ??= http.Response.StatusCode;
        problem.Title ??= ReasonPhrases.GetReasonPhrase(problem.Status.Value);
        problem.Type ??= problem.Status switch
        {
            >= 400 and <= 417 and var s => $"https://tools.ietf.org/html/rfc9110#section-15.5.{s - 399}",
            >= 500 and <= 505 and var s => $"https://tools.ietf.org/html/rfc9110#section-15.6.{s - 499}",
            _ => null,
        };
        options.Value.CustomizeProblemDetails?.Invoke(context);
        var serializer = json.Value.SerializerOptions;
        return new ValueTask(http.Response.WriteAsJsonAsync(problem, serializer.GetTypeInfo(problem.GetType()), "application/problem+json", http.RequestAborted));
    }
}
