using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using GigaOffice.Configuration;
using Microsoft.Extensions.Options;

namespace GigaOffice.Admin;

/// <summary>A signed-in console session: its id (nonce), when it ends and the CSRF token the page must echo.</summary>
public sealed record AdminSession(string Id, DateTimeOffset ExpiresAt, string CsrfToken);

/// <summary>
/// Console sessions without server state: the cookie carries an expiry and a random id, signed with a
/// key derived from GIGAOFFICE_ADMIN_KEY, so every instance sharing the admin key accepts it and
/// changing the key ends all sessions. The CSRF token is derived from the session id (double submit
/// that cannot be forged without the signing key). Signing out ends the session on this instance at once;
/// other instances also drop the cookie in the browser, and the session expires within <see cref="Lifetime"/>.
/// </summary>
public sealed class AdminSessions(IOptions<AdminOptions> options, TimeProvider time)
{
    public const string CookieName = "gigaoffice_admin";
    public const string CsrfHeader = "X-CSRF-Token";
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(8);

    private readonly ConcurrentDictionary<string, DateTimeOffset> _signedOut = new();

    public bool Enabled => options.Value.Enabled;

    public bool IsAdminKey(string presented) =>
        Enabled && CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(presented)),
            SHA256.HashData(Encoding.UTF8.GetBytes(options.Value.ApiKey!.Trim())));

    public (AdminSession Session, string Cookie) Start()
    {
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var expires = time.GetUtcNow() + Lifetime;
        var payload = $"{expires.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)}.{id}";
        return (new AdminSession(id, expires, Csrf(id)), $"{payload}.{Sign("session|" + payload)}");
    }

    /// <summary>The session the cookie stands for, or null when it is missing, forged, expired or signed out.</summary>
    public AdminSession? Read(HttpRequest request)
    {
        if (!Enabled || !request.Cookies.TryGetValue(CookieName, out var cookie) || cookie is not { Length: < 200 }) return null;
        var parts = cookie.Split('.');
        if (parts.Length != 3 || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var expiresUnix)) return null;
        var expected = Encoding.ASCII.GetBytes(Sign($"session|{parts[0]}.{parts[1]}"));
        if (!CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(parts[2]))) return null;
        var expires = DateTimeOffset.FromUnixTimeSeconds(expiresUnix);
        if (expires <= time.GetUtcNow() || _signedOut.ContainsKey(parts[1])) return null;
        return new AdminSession(parts[1], expires, Csrf(parts[1]));
    }

    /// <summary>True when the request carries the session's CSRF token in <see cref="CsrfHeader"/>.</summary>
    public static bool HasCsrfToken(HttpRequest request, AdminSession session)
    {
        var presented = request.Headers[CsrfHeader].ToString();
        return presented.Length > 0 && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(presented), Encoding.ASCII.GetBytes(session.CsrfToken));
    }

    public void End(AdminSession session)
    {
        var now = time.GetUtcNow();
        foreach (var (id, expires) in _signedOut)
            if (expires <= now) _signedOut.TryRemove(id, out _);
        _signedOut[session.Id] = session.ExpiresAt;
    }

    public static CookieOptions CookieOptions(HttpRequest request, DateTimeOffset? expires) => new()
    {
        HttpOnly = true,
        SameSite = SameSiteMode.Strict,
        // Behind a TLS-terminating proxy on the same host the request arrives as http; the proxy says https.
        Secure = request.IsHttps || (request.HttpContext.Connection.RemoteIpAddress is { } peer && System.Net.IPAddress.IsLoopback(peer)
            && request.Headers["X-Forwarded-Proto"].ToString().Equals("https", StringComparison.OrdinalIgnoreCase)),
        Path = "/",
        Expires = expires,
        MaxAge = expires is null ? null : Lifetime,
        IsEssential = true,
    };

    private string Csrf(string sessionId) => Sign("csrf|" + sessionId);

    private string Sign(string text)
    {
        var key = SHA256.HashData(Encoding.UTF8.GetBytes("gigaoffice-admin-session|" + options.Value.ApiKey!.Trim()));
        return Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(text)));
    }
}

/// <summary>
/// Slows down guessing at the sign-in form: after <see cref="MaxFailures"/> wrong keys from one address
/// within <see cref="Window"/>, that address is refused until the window ends.
/// </summary>
public sealed class AdminSignInThrottle(TimeProvider time)
{
    public const int MaxFailures = 5;
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(15);
    private const int MaxTrackedAddresses = 10_000;

    private sealed record Failures(int Count, DateTimeOffset WindowEnds);
    private readonly ConcurrentDictionary<string, Failures> _failures = new();

    /// <summary>How long the address must wait, or null when it may try.</summary>
    public TimeSpan? RetryAfter(string address)
    {
        var now = time.GetUtcNow();
        if (!_failures.TryGetValue(address, out var f) || f.WindowEnds <= now) return null;
        return f.Count >= MaxFailures ? f.WindowEnds - now : null;
    }

    public void Failed(string address)
    {
        var now = time.GetUtcNow();
        if (_failures.Count >= MaxTrackedAddresses)
            foreach (var (key, value) in _failures)
                if (value.WindowEnds <= now) _failures.TryRemove(key, out _);
        _failures.AddOrUpdate(address, _ => new Failures(1, now + Window),
            (_, f) => f.WindowEnds <= now ? new Failures(1, now + Window) : f with { Count = f.Count + 1 });
    }

    public void Succeeded(string address) => _failures.TryRemove(address, out _);
}
