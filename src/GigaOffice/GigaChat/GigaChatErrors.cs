using System.Net;
using System.Security.Authentication;
using Polly.Timeout;

namespace GigaOffice.GigaChat;

/// <summary>
/// Every way a GigaChat call can fail, as a stable code and a message the user may see.
/// Transient failures go back to the queue and are retried; the others fail the request.
/// </summary>
public static class GigaChatErrors
{
    public static GigaChatException FromStatus(HttpResponseMessage response, string model)
    {
        var status = (int)response.StatusCode;
        var retryAfter = RetryAfterOf(response);
        return status switch
        {
            400 or 422 => new("bad_request", "GigaChat отклонил запрос как некорректный. Переформулируйте запрос; если ошибка повторяется, сообщите администратору.", transient: false),
            401 => Unauthorized(),
            402 => new("payment_required", "Закончился оплаченный лимит токенов GigaChat. Сообщите администратору.", transient: false),
            403 => new("forbidden", "GigaChat запретил доступ учётной записи сервиса. Сообщите администратору.", transient: false),
            404 => new("model_not_found", $"Модель GigaChat «{model}» не найдена. Сообщите администратору.", transient: false),
            413 => new("too_large", "Запрос слишком большой для модели. Сократите текст запроса или выделите меньший диапазон.", transient: false),
            429 => new("rate_limited", "GigaChat временно ограничил частоту запросов. Повторите запрос позже.", transient: true, retryAfter),
            408 or >= 500 => Unavailable(retryAfter),
            _ => UpstreamError(),
        };
    }

    public static GigaChatException Unauthorized() =>
        new("unauthorized", "Сервис не смог авторизоваться в GigaChat. Сообщите администратору.", transient: false);

    public static GigaChatException UpstreamError() =>
        new("upstream_error", "GigaChat вернул неожиданный ответ. Повторите запрос позже.", transient: false);

    public static GigaChatException Unavailable(TimeSpan? retryAfter = null, Exception? inner = null) =>
        new("upstream_unavailable", "GigaChat временно недоступен. Повторите запрос позже.", transient: true, retryAfter, inner);

    public static GigaChatException TlsFailure(Exception inner) =>
        new("tls_error", "Не удалось установить защищённое соединение с GigaChat: сертификат не прошёл проверку. Сообщите администратору.",
            transient: false, inner: inner);

    /// <summary>Null when the exception is the caller's own cancellation or not a transport failure at all.</summary>
    public static GigaChatException? FromTransportFailure(Exception ex, CancellationToken cancellationToken) => ex switch
    {
        OperationCanceledException when cancellationToken.IsCancellationRequested => null,
        TimeoutRejectedException or OperationCanceledException => Unavailable(inner: ex),
        HttpRequestException http when IsTlsFailure(http) => TlsFailure(ex),
        HttpRequestException => Unavailable(inner: ex),
        _ => null,
    };

    /// <summary>The certificate was refused on either side: retrying will not help until an admin fixes it.</summary>
    public static bool IsTlsFailure(HttpRequestException ex) =>
        ex.HttpRequestError == HttpRequestError.SecureConnectionError && ex.InnerException is AuthenticationException;

    /// <summary>A refused certificate is an admin's problem, told as an error naming what to check; the rest are warnings.</summary>
    public static void LogTransportFailure(ILogger logger, GigaChatException failure, Exception ex, string target)
    {
        if (failure.Code == "tls_error")
            logger.LogError("TLS connection to GigaChat ({Target}) failed: {Error}. Check GIGACHAT_CA_BUNDLE_FILE, or in mtls mode " +
                            "GIGACHAT_MTLS_CA_BUNDLE_FILE and the client certificate", target, Describe(ex));
        else
            logger.LogWarning("GigaChat call ({Target}) failed: {Error}", target, Describe(ex));
    }

    /// <summary>For logs: what failed, without messages that could carry request data.</summary>
    public static string Describe(Exception ex) => ex switch
    {
        HttpRequestException http => $"{http.HttpRequestError}" + (http.InnerException is { } inner ? $" ({inner.GetType().Name}: {inner.Message})" : ""),
        _ => ex.GetType().Name,
    };

    public static TimeSpan? RetryAfterOf(HttpResponseMessage response)
    {
        if (response.Headers.RetryAfter is not { } header) return null;
        if (header.Delta is { } delta) return delta;
        if (header.Date is { } date) return date - DateTimeOffset.UtcNow is var wait && wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
        return null;
    }
}
