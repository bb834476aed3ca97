using System.Security.Cryptography;

namespace FakeGigaChat;

// The OAuth endpoint (cloud mode) and the bearer check of API calls.
public sealed partial class FakeGigaChatServer
{
    // ---------------------------------------------------------------- POST /api/v2/oauth

    private async Task HandleOAuthAsync(HttpContext context)
    {
        var timestamp = DateTimeOffset.UtcNow;
        var rqUid = HeaderOrNull(context, "RqUID");
        var authorization = HeaderOrNull(context, "Authorization");
        string? scope = null;
        string? accessToken = null;
        var status = StatusCodes.Status499ClientClosedRequest;
        try
        {
            if (context.Request.HasFormContentType)
                scope = (await context.Request.ReadFormAsync(context.RequestAborted))["scope"].ToString();

            await DelayAsync(OAuthLatency, context.RequestAborted);

            if (_scriptedOAuthReplies.TryDequeue(out var scripted))
            {
                status = scripted.ErrorStatusCode;
                await WriteErrorAsync(context, scripted);
            }
            else if (!IsAuthorizationKeyAccepted(authorization))
            {
                status = StatusCodes.Status401Unauthorized;
                await WriteErrorAsync(context, status, "Unauthorized: wrong or missing authorization key");
            }
            else if (rqUid is null || !Guid.TryParseExact(rqUid, "D", out _))
            {
                status = StatusCodes.Status400BadRequest;
                await WriteErrorAsync(context, status, "RqUID header must be a UUID");
            }
            else if (string.IsNullOrEmpty(scope) || !ValidScopes.Contains(scope))
            {
                status = StatusCodes.Status400BadRequest;
                await WriteErrorAsync(context, status, "scope must be one of " + string.Join(", ", ValidScopes));
            }
            else
            {
                accessToken = IssueToken(out var expiresAt);
                status = StatusCodes.Status200OK;
                var expiresAtValue = Options.ExpiresAtInSeconds ? expiresAt.ToUnixTimeSeconds() : expiresAt.ToUnixTimeMilliseconds();
                await WriteJsonAsync(context, status, new { access_token = accessToken, expires_at = expiresAtValue });
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested || _shutdown.IsCancellationRequested)
        {
            status = StatusCodes.Status499ClientClosedRequest;
        }
        finally
        {
            var call = new OAuthCall(timestamp, rqUid, scope, authorization, status, accessToken);
            lock (_recordLock) _oauthCalls.Add(call);
        }
    }

    private bool IsAuthorizationKeyAccepted(string? authorization)
    {
        const string scheme = "Basic ";
        if (authorization is null || !authorization.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
            return false;
        var key = authorization[scheme.Length..].Trim();
        return Options.AuthorizationKey is null ? key.Length > 0 : key == Options.AuthorizationKey;
    }

    private string IssueToken(out DateTimeOffset expiresAt)
    {
        var token = "fake-gigachat-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        expiresAt = DateTimeOffset.UtcNow + Options.TokenLifetime;
        _tokens[token] = expiresAt;
        return token;
    }

    /// <summary>mTLS mode authenticates at the TLS layer; otherwise a live bearer token is required.</summary>
    private bool IsApiCallAuthorized(HttpContext context)
    {
        if (Options.RequireClientCertificate)
            return true;
        const string scheme = "Bearer ";
        var authorization = HeaderOrNull(context, "Authorization");
        if (authorization is null || !authorization.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
            return false;
        var token = authorization[scheme.Length..].Trim();
        return _tokens.TryGetValue(token, out var expiresAt) && expiresAt > DateTimeOffset.UtcNow;
    }
}
