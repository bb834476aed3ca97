using System.Globalization;
using System.Security.Claims;
using System.Text.Encodings.Web;
using GigaOffice.Data;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace GigaOffice.Clients;

/// <summary>The authenticated client of a request, read back from its claims.</summary>
public sealed record ClientIdentity(Guid Id, string Name, int RequestsPerMinute, long DailyTokenBudget);

public static class ClientIdentityExtensions
{
    private const string RequestsPerMinuteClaim = "gigaoffice:rpm";
    private const string DailyTokenBudgetClaim = "gigaoffice:daily_tokens";

    public static ClaimsPrincipal ToPrincipal(this ClientKey key, string scheme) => new(new ClaimsIdentity(
    [
        new Claim(ClaimTypes.NameIdentifier, key.Id.ToString()),
        new Claim(ClaimTypes.Name, key.Name),
        new Claim(RequestsPerMinuteClaim, key.RequestsPerMinute.ToString(CultureInfo.InvariantCulture)),
        new Claim(DailyTokenBudgetClaim, key.DailyTokenBudget.ToString(CultureInfo.InvariantCulture)),
    ], scheme));

    /// <summary>The client's key, or null when the service runs without authentication.</summary>
    public static ClientIdentity? GetClient(this HttpContext http)
    {
        var user = http.User;
        if (user.Identity?.IsAuthenticated != true || !Guid.TryParse(user.FindFirstValue(ClaimTypes.NameIdentifier), out var id)) return null;
        return new ClientIdentity(id, user.Identity.Name ?? "",
            int.Parse(user.FindFirstValue(RequestsPerMinuteClaim) ?? "0", CultureInfo.InvariantCulture),
            long.Parse(user.FindFirstValue(DailyTokenBudgetClaim) ?? "0", CultureInfo.InvariantCulture));
    }

    /// <summary>Only the caller's own requests when it is a client; all of them when authentication is off.</summary>
    public static IQueryable<AiRequest> ForClient(this IQueryable<AiRequest> requests, HttpContext http) =>
        http.GetClient() is { } client ? requests.Where(r => r.ClientKeyId == client.Id) : requests;
}

/// <summary>
/// Accepts the key as <c>Authorization: Bearer &lt;key&gt;</c> or <c>X-API-Key: &lt;key&gt;</c> and
/// finds it by its hash (<see cref="ClientKeyCache"/>: a revoked key stops working at once on the
/// instance that revoked it and, on PostgreSQL, on every other; within CLIENT_KEY_CACHE_SECONDS otherwise).
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder,
    ClientKeyStore keys, IProblemDetailsService problems, ClientAuthMode mode, KeyGuessThrottle throttle)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string HeaderName = "X-API-Key";

    private enum Failure { Missing, Unknown, Revoked, Unavailable, Throttled }
    private Failure _failure = Failure.Missing;
    private TimeSpan _retryAfter;

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        // In open mode keys are ignored, not half-checked.
        if (!mode.Required) return AuthenticateResult.NoResult();
        var presented = ReadKey(Request);
        if (presented is null) return AuthenticateResult.NoResult();
        // Before the key is looked at: a blocked address learns nothing about any key.
        if (throttle.RetryAfter(Context) is { } wait)
        {
            (_failure, _retryAfter) = (Failure.Throttled, wait);
            return AuthenticateResult.Fail("too many wrong keys");
        }
        ClientKey? key;
        try
        {
            key = await keys.FindBySecretAsync(presented, Context.RequestAborted);
        }
        catch (Exception ex) when (!Context.RequestAborted.IsCancellationRequested)
        {
            // The exception names the database, never the key.
            Logger.LogWarning("Could not check an API key: database unavailable ({Error})", ex.GetType().Name);
            _failure = Failure.Unavailable;
            return AuthenticateResult.Fail("database unavailable");
        }
        if (key is null)
        {
            throttle.Failed(Context, "client");
            _failure = Failure.Unknown;
            return AuthenticateResult.Fail("unknown key");
        }
        if (key.RevokedAt is not null)
        {
            throttle.Failed(Context, "client");
            _failure = Failure.Revoked;
            return AuthenticateResult.Fail("revoked key");
        }
        return AuthenticateResult.Success(new AuthenticationTicket(key.ToPrincipal(SchemeName), SchemeName));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        await HandleAuthenticateOnceSafeAsync();
        if (_failure == Failure.Throttled)
        {
            var problem = ClientLimits.TooManyRequests(Context, _retryAfter, "Слишком много неверных ключей",
                "С этого адреса было много попыток с неверным ключом. Повторите позже.");
            await problem.ExecuteAsync(Context);
            return;
        }
        var (status, title, detail) = _failure switch
        {
            Failure.Unknown => (401, "Неверный API-ключ", "Такого ключа нет. Проверьте ключ в настройках плагина."),
            Failure.Revoked => (401, "API-ключ отозван", "Администратор отозвал этот ключ. Попросите новый."),
            Failure.Unavailable => (503, "База данных недоступна", "Сервис временно не может проверить ключ. Повторите через несколько секунд."),
            _ => (401, "Нужен API-ключ", $"Передайте ключ в заголовке Authorization: Bearer <ключ> или {HeaderName}."),
        };
        Response.StatusCode = status;
        if (status == 401) Response.Headers.WWWAuthenticate = "Bearer";
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails = new ProblemDetails
            {
                Type = status == 401 ? "https://gigaoffice/problems/unauthorized" : null,
                Status = status, Title = title, Detail = detail,
            },
        });
    }

    private static string? ReadKey(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && header.Length > 7) return header[7..].Trim();
        var apiKey = request.Headers[HeaderName].ToString().Trim();
        return apiKey.Length > 0 ? apiKey : null;
    }
}
