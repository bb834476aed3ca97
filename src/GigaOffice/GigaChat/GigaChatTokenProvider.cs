using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization;
using GigaOffice.Configuration;
using Microsoft.Extensions.Options;

namespace GigaOffice.GigaChat;

/// <summary>
/// The OAuth access token of cloud mode. One token is shared by every call and refreshed a
/// little before it expires, by one caller at a time: GigaChat's token endpoint allows about
/// 10 requests a second, and parallel refreshes answered with 429 are the classic failure.
/// </summary>
public sealed class GigaChatTokenProvider(
    IHttpClientFactory httpClients, IOptions<GigaChatOptions> options, TimeProvider time, ILogger<GigaChatTokenProvider> logger)
{
    public const string HttpClientName = "GigaChat.OAuth";
    private static readonly TimeSpan RefreshMargin = TimeSpan.FromSeconds(60);

    private readonly GigaChatOptions _options = options.Value;
    private readonly SemaphoreSlim _refresh = new(1, 1);
    private AccessToken? _token;

    private sealed record AccessToken(string Value, DateTimeOffset RefreshAt);

    /// <summary>True when a token is at hand, so asking for one costs no call.</summary>
    public bool HasFreshToken => Fresh() is not null;

    /// <summary>When the current token should be replaced; null without one.</summary>
    public DateTimeOffset? RefreshDue => Volatile.Read(ref _token)?.RefreshAt;

    public async ValueTask<string> GetTokenAsync(CancellationToken cancellationToken)
    {
        if (Fresh() is { } token) return token.Value;
        await _refresh.WaitAsync(cancellationToken);
        try
        {
            // Whoever waited behind the refreshing caller finds its token here.
            if (Fresh() is { } refreshed) return refreshed.Value;
            var fetched = await RequestTokenAsync(cancellationToken);
            Volatile.Write(ref _token, fetched);
            return fetched.Value;
        }
        finally
        {
            _refresh.Release();
        }
    }

    /// <summary>Drops <paramref name="rejected"/> after the API refused it; a token refreshed meanwhile is kept.</summary>
    public void Invalidate(string rejected)
    {
        var current = Volatile.Read(ref _token);
        if (current?.Value == rejected) Interlocked.CompareExchange(ref _token, null, current);
    }

    private AccessToken? Fresh() => Volatile.Read(ref _token) is { } token && time.GetUtcNow() < token.RefreshAt ? token : null;

    private async Task<AccessToken> RequestTokenAsync(CancellationToken cancellationToken)
    {
        var http = httpClients.CreateClient(HttpClientName);
        using var request = new HttpRequestMessage(HttpMethod.Post, _options.AuthUrl)
        {
            Content = new FormUrlEncodedContent([new("scope", _options.Scope)]),
        };
        var key = _options.Credentials!.Trim();
        if (key.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase)) key = key[6..].Trim();
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", key);
        // Mandatory, and unique per call: GigaChat traces token requests by it.
        request.Headers.Add("RqUID", Guid.NewGuid().ToString());
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));

        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellationToken);
        }
        catch (Exception ex) when (GigaChatErrors.FromTransportFailure(ex, cancellationToken) is { } failure)
        {
            GigaChatErrors.LogTransportFailure(logger, failure, ex, "token request to " + _options.AuthUrl);
            throw failure;
        }
        using (response)
        {
            if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden or HttpStatusCode.BadRequest)
            {
                logger.LogError("GigaChat refused the authorization key ({Status}): check GIGACHAT_CREDENTIALS and GIGACHAT_SCOPE", (int)response.StatusCode);
                throw GigaChatErrors.Unauthorized();
            }
            if (!response.IsSuccessStatusCode)
            {
                logger.LogWarning("GigaChat token request answered {Status}", (int)response.StatusCode);
                throw (int)response.StatusCode is 429 or >= 500 ? GigaChatErrors.FromStatus(response, _options.Model) : GigaChatErrors.UpstreamError();
            }
            TokenResponse? body;
            try
            {
                body = await response.Content.ReadFromJsonAsync<TokenResponse>(cancellationToken);
            }
            catch (JsonException)
            {
                body = null;
            }
            var value = body?.AccessToken ?? body?.Tok;
            if (string.IsNullOrEmpty(value))
            {
                logger.LogWarning("GigaChat token answer has no access_token");
                throw GigaChatErrors.UpstreamError();
            }
            var now = time.GetUtcNow();
            var expiresAt = ExpiresAt(body!.ExpiresAt ?? body.Exp, now);
            // 60 s early, or half-way for tokens that live less than two minutes.
            var margin = TimeSpan.FromTicks(Math.Min(RefreshMargin.Ticks, Math.Max(0, (expiresAt - now).Ticks / 2)));
            logger.LogInformation("GigaChat access token obtained, valid until {ExpiresAt:u}", expiresAt);
            return new AccessToken(value, expiresAt - margin);
        }
    }

    /// <summary>expires_at is in milliseconds; older login flows answer seconds (anything below 10^12).</summary>
    internal static DateTimeOffset ExpiresAt(long? value, DateTimeOffset now) => value switch
    {
        null or <= 0 => now.AddMinutes(30),
        < 1_000_000_000_000 => DateTimeOffset.FromUnixTimeSeconds(value.Value),
        _ => DateTimeOffset.FromUnixTimeMilliseconds(value.Value),
    };

    private sealed record TokenResponse(
        [property: JsonPropertyName("access_token")] string? AccessToken,
        [property: JsonPropertyName("expires_at")] long? ExpiresAt,
        [property: JsonPropertyName("tok")] string? Tok,
        [property: JsonPropertyName("exp")] long? Exp);
}

/// <summary>
/// Gets the first token at start and replaces it before it is due, so requests do not wait for
/// OAuth: wrong credentials show in the log at once, and a call granted by the quota goes out
/// right away instead of after a token round trip.
/// </summary>
public sealed class GigaChatTokenRefresher(GigaChatTokenProvider tokens, TimeProvider time) : BackgroundService
{
    private static readonly TimeSpan RetryAfterFailure = TimeSpan.FromSeconds(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            TimeSpan wait;
            try
            {
                await tokens.GetTokenAsync(stoppingToken);
                wait = tokens.RefreshDue is { } due ? due - time.GetUtcNow() : RetryAfterFailure;
            }
            catch (GigaChatException)
            {
                // Logged by the provider; requests that need a token meanwhile ask for it themselves.
                wait = RetryAfterFailure;
            }
            try { await Task.Delay(wait > TimeSpan.FromSeconds(1) ? wait : TimeSpan.FromSeconds(1), time, stoppingToken); }
            catch (OperationCanceledException) { return; }
        }
    }
}
