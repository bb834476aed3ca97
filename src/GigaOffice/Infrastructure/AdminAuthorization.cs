using System.Security.Cryptography;
using System.Text;
using GigaOffice.Configuration;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace GigaOffice.Infrastructure;

/// <summary>
/// Guards admin endpoints with the key from <c>GIGAOFFICE_ADMIN_KEY</c>, sent as <c>X-Admin-Key</c>
/// or <c>Authorization: Bearer</c>. Without a configured key the admin API is off (403).
/// </summary>
public static class AdminAuthorization
{
    public const string HeaderName = "X-Admin-Key";

    public static RouteGroupBuilder RequireAdminKey(this RouteGroupBuilder group) => group.AddEndpointFilter<AdminKeyFilter>();

    /// <summary>Constant-time comparison: hashing first makes both sides the same length, so timing tells nothing about the key.</summary>
    public static bool Matches(string? presented, string configured) =>
        presented is not null && CryptographicOperations.FixedTimeEquals(
            SHA256.HashData(Encoding.UTF8.GetBytes(presented.Trim())), SHA256.HashData(Encoding.UTF8.GetBytes(configured.Trim())));

    public static string? PresentedKey(HttpRequest request)
    {
        if (request.Headers.TryGetValue(HeaderName, out var header) && !string.IsNullOrWhiteSpace(header)) return header.ToString();
        var authorization = request.Headers.Authorization.ToString();
        return authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? authorization["Bearer ".Length..].Trim() : null;
    }
}

public sealed class AdminKeyFilter(IOptions<AdminOptions> options) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var admin = options.Value;
        if (!admin.Enabled)
            return TypedResults.Problem(new ProblemDetails
            {
                Status = StatusCodes.Status403Forbidden,
                Title = "Администрирование выключено",
                Detail = "Задайте ключ администратора в переменной GIGAOFFICE_ADMIN_KEY и перезапустите сервис.",
            });
        var http = context.HttpContext;
        if (!AdminAuthorization.Matches(AdminAuthorization.PresentedKey(http.Request), admin.ApiKey!))
        {
            http.Response.Headers.WWWAuthenticate = "Bearer realm=\"gigaoffice-admin\"";
            return TypedResults.Problem(new ProblemDetails
            {
                Status = StatusCodes.Status401Unauthorized,
                Title = "Нужен ключ администратора",
                Detail = $"Передайте ключ в заголовке {AdminAuthorization.HeaderName} или Authorization: Bearer.",
            });
        }
        return await next(context);
    }
}
