using GigaOffice.Clients;
using GigaOffice.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Options;

namespace GigaOffice.Admin;

/// <summary>Sign-in with the admin key.</summary>
public sealed record AdminSignInRequest
{
    /// <summary>GIGAOFFICE_ADMIN_KEY.</summary>
    public string? AdminKey { get; init; }
}

/// <summary>The signed-in session as the page sees it: never the admin key, never the cookie.</summary>
public sealed record AdminSessionResponse(DateTimeOffset ExpiresAt, string CsrfToken, string CsrfHeader);

/// <summary>
/// The admin console: static pages at /admin (public: they hold no data) and the cookie session at
/// /admin/api/session that lets the pages call /api/admin without ever holding the admin key.
/// </summary>
public static class AdminConsoleEndpoints
{
    /// <summary>Files of the console, copied next to the binary (GigaOffice.csproj).</summary>
    public const string ContentFolder = "admin-console";

    public static void AddAdminConsole(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<AdminSessions>();
        builder.Services.AddSingleton<AdminSignInThrottle>();
    }

    public static IEndpointRouteBuilder MapAdminConsole(this IEndpointRouteBuilder app)
    {
        // Public by design: signing in is how one gets access; GET and DELETE check the session cookie themselves.
        var session = app.MapGroup("/admin/api/session").WithTags("Администрирование: консоль").PublicEndpoint();
        session.MapPost("/", SignInAsync).WithSummary("Войти в консоль по ключу администратора (cookie сессии)")
            .Accepts<AdminSignInRequest>("application/json", "application/x-www-form-urlencoded")
            .Produces<AdminSessionResponse>().Produces(StatusCodes.Status302Found).ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status429TooManyRequests);
        session.MapGet("/", Current).WithSummary("Текущая сессия консоли и её CSRF-токен");
        session.MapDelete("/", SignOut).WithSummary("Выйти из консоли (нужен CSRF-токен)");

        var folder = Path.Combine(AppContext.BaseDirectory, ContentFolder);
        var files = Directory.Exists(folder) ? new PhysicalFileProvider(folder) : null;
        // The pages are static and hold no data: every figure comes from the admin API behind the session.
        var pages = app.MapGroup("/admin").WithTags("Администрирование: консоль").PublicEndpoint().ExcludeFromDescription();
        // The pages use relative paths (css/, js/), so /admin must become /admin/.
        pages.MapGet("/", (HttpContext http) => http.Request.Path.Value!.EndsWith('/') ? ServeFile(http, files, "index.html") : TypedResults.Redirect("/admin/"));
        pages.MapGet("/{**path}", (HttpContext http, string path) => ServeFile(http, files, path));
        return app;
    }

    /// <summary>
    /// Signs in. The console posts an HTML form (admin_key), so the key goes from the password field to the
    /// server without passing through the page's script, and gets a redirect back to /admin; tools post
    /// JSON and get the session as JSON.
    /// </summary>
    internal static async Task<IResult> SignInAsync(AdminSessions sessions, AdminSignInThrottle throttle, HttpContext http, ILogger<AdminSessions> logger)
    {
        var fromForm = http.Request.HasFormContentType;
        IResult Refuse(string outcome, IResult problem) => fromForm ? TypedResults.Redirect($"/admin/?signin={outcome}") : problem;

        if (!sessions.Enabled)
            return Refuse("disabled", TypedResults.Problem(statusCode: 403, title: "Административный API выключен", detail: "Задайте переменную GIGAOFFICE_ADMIN_KEY, чтобы включить его."));
        var address = ClientAddress(http);
        if (throttle.RetryAfter(address) is { } wait)
        {
            var seconds = (int)Math.Ceiling(wait.TotalSeconds);
            http.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            logger.LogWarning("Admin console sign-in from {RemoteAddress} throttled after repeated wrong keys", address);
            return Refuse("throttled", TypedResults.Problem(statusCode: 429, title: "Слишком много неудачных попыток входа",
                detail: $"Повторите через {Math.Max(1, seconds / 60)} мин.", extensions: new Dictionary<string, object?> { ["retry_after_seconds"] = seconds }));
        }
        var presented = await PresentedKeyAsync(http, fromForm);
        if (string.IsNullOrWhiteSpace(presented))
            return Refuse("empty", TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["admin_key"] = ["Введите ключ администратора."] }, title: "Вход не выполнен"));
        if (!sessions.IsAdminKey(presented.Trim()))
        {
            throttle.Failed(address);
            logger.LogWarning("Admin console sign-in refused from {RemoteAddress}: wrong admin key", address);
            await Task.Delay(Random.Shared.Next(200, 400)); // blunts rapid guessing; the throttle does the rest
            return Refuse("wrong", TypedResults.Problem(statusCode: 401, title: "Неверный ключ администратора", detail: "Проверьте ключ (GIGAOFFICE_ADMIN_KEY) и попробуйте снова."));
        }
        throttle.Succeeded(address);
        var (session, cookie) = sessions.Start();
        http.Response.Cookies.Append(AdminSessions.CookieName, cookie, AdminSessions.CookieOptions(http.Request, session.ExpiresAt));
        logger.LogInformation("Admin console session started from {RemoteAddress}, until {ExpiresAt:u}", address, session.ExpiresAt);
        return fromForm ? TypedResults.Redirect("/admin/") : TypedResults.Ok(new AdminSessionResponse(session.ExpiresAt, session.CsrfToken, AdminSessions.CsrfHeader));
    }

    /// <summary>
    /// Whom to throttle: the peer, or behind a reverse proxy on the same host (deploy/nginx) the address the
    /// proxy appended last to X-Forwarded-For; headers from any other peer are not trusted.
    /// </summary>
    internal static string ClientAddress(HttpContext http)
    {
        var peer = http.Connection.RemoteIpAddress;
        if (peer is not null && System.Net.IPAddress.IsLoopback(peer)
            && http.Request.Headers["X-Forwarded-For"].ToString().Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries) is [.., var last])
            return last;
        return peer?.ToString() ?? "unknown";
    }

    private static async Task<string?> PresentedKeyAsync(HttpContext http, bool fromForm)
    {
        if (http.Request.ContentLength is > 4096) return null;
        try
        {
            if (fromForm) return (await http.Request.ReadFormAsync(http.RequestAborted))["admin_key"].ToString();
            var body = await http.Request.ReadFromJsonAsync<AdminSignInRequest>(http.RequestAborted);
            return body?.AdminKey is { Length: <= 1000 } key ? key : null;
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidDataException or InvalidOperationException or BadHttpRequestException)
        {
            return null;
        }
    }

    internal static Results<Ok<AdminSessionResponse>, ProblemHttpResult> Current(AdminSessions sessions, HttpContext http)
    {
        http.Response.Headers.CacheControl = "no-store";
        return sessions.Read(http.Request) is { } session
            ? TypedResults.Ok(new AdminSessionResponse(session.ExpiresAt, session.CsrfToken, AdminSessions.CsrfHeader))
            : TypedResults.Problem(statusCode: 401, title: "Нет сессии", detail: "Войдите с ключом администратора.");
    }

    internal static Results<NoContent, ProblemHttpResult> SignOut(AdminSessions sessions, HttpContext http)
    {
        var session = sessions.Read(http.Request);
        if (session is null) return TypedResults.Problem(statusCode: 401, title: "Нет сессии", detail: "Вы уже вышли.");
        if (!AdminSessions.HasCsrfToken(http.Request, session)) return AdminAccess.CsrfRefused();
        sessions.End(session);
        http.Response.Cookies.Delete(AdminSessions.CookieName, AdminSessions.CookieOptions(http.Request, null));
        return TypedResults.NoContent();
    }

    private static readonly FileExtensionContentTypeProvider ContentTypes = new();

    /// <summary>Serves a console file with a policy that allows only the console's own scripts and styles.</summary>
    private static IResult ServeFile(HttpContext http, IFileProvider? files, string path)
    {
        if (files is null || path.Contains("..", StringComparison.Ordinal) || path.Length > 200) return TypedResults.NotFound();
        var file = files.GetFileInfo(path);
        if (!file.Exists || file.IsDirectory || !ContentTypes.TryGetContentType(path, out var contentType)) return TypedResults.NotFound();
        var headers = http.Response.Headers;
        headers.ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers.CacheControl = "no-cache";
        if (contentType.StartsWith("text/", StringComparison.Ordinal) || contentType.EndsWith("javascript", StringComparison.Ordinal))
            contentType += "; charset=utf-8";
        return TypedResults.Stream(file.CreateReadStream(), contentType, lastModified: file.LastModified);
    }
}
