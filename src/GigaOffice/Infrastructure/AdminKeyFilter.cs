using System.Security.Cryptography;
using System.Text;
using GigaOffice.Clients;
using GigaOffice.Configuration;
using Microsoft.Extensions.Options;

namespace GigaOffice.Infrastructure;

/// <summary>
/// Guards admin endpoints with <c>GIGAOFFICE_ADMIN_KEY</c>, sent as <c>X-Admin-Key</c>. Without a
/// configured key the admin API is off (403), so it is never open by accident. Admin tools that
/// only speak <c>Authorization: Bearer</c> may send it there instead.
/// </summary>
public sealed class AdminKeyFilter(IOptions<AdminOptions> options, KeyGuessThrottle throttle, ILogger<AdminKeyFilter> logger) : IEndpointFilter
{
    public const string HeaderName = "X-Admin-Key";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var expected = options.Value.ApiKey;
        if (string.IsNullOrEmpty(expected))
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Административный API выключен",
                detail: "Задайте переменную GIGAOFFICE_ADMIN_KEY, чтобы включить его.");

        var presented = PresentedKey(http.Request);
        // Before the key is compared: a blocked address learns nothing about it.
        if (throttle.RetryAfter(http) is { } wait)
            return ClientLimits.TooManyRequests(http, wait, "Слишком много неверных ключей",
                "С этого адреса было много попыток с неверным ключом администратора. Повторите позже.");
        if (presented.Length == 0 || !SameSecret(presented, expected))
        {
            // The throttle logs a summary of repeated failures; each one alone is debug.
            if (presented.Length > 0) throttle.Failed(http, "admin");
            logger.LogDebug("Admin request to {Path} refused: {Reason}", http.Request.Path, presented.Length == 0 ? "no admin key" : "wrong admin key");
            http.Response.Headers.WWWAuthenticate = "Bearer realm=\"gigaoffice-admin\"";
            return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized,
                title: presented.Length == 0 ? "Нужен ключ администратора" : "Неверный ключ администратора",
                detail: $"Передайте GIGAOFFICE_ADMIN_KEY в заголовке {HeaderName} или Authorization: Bearer.");
        }
        return await next(context);
    }

    private static string PresentedKey(HttpRequest request)
    {
        var header = request.Headers[HeaderName].ToString();
        if (header.Length > 0) return header.Trim();
        var authorization = request.Headers.Authorization.ToString();
        return authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? authorization["Bearer ".Length..].Trim() : "";
    }

    /// <summary>Compares hashes in constant time, so timing reveals neither content nor length.</summary>
    private static bool SameSecret(string presented, string expected) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(presented)), SHA256.HashData(Encoding.UTF8.GetBytes(expected)));
}

/// <summary>Endpoint metadata: guarded by the admin key, not a client key.</summary>
public sealed class AdminEndpointMetadata;

public static class AdminKeyFilterExtensions
{
    /// <summary>Admin endpoints answer to the admin key instead of a client key.</summary>
    public static TBuilder RequireAdminKey<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.AllowAnonymous().AddEndpointFilter<TBuilder, AdminKeyFilter>().RefuseControlCharacters().WithMetadata(new AdminEndpointMetadata());
}
