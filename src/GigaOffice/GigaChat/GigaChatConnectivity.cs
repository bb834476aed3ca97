using GigaOffice.Configuration;
using Microsoft.Extensions.Options;

namespace GigaOffice.GigaChat;

public sealed record GigaChatProbe(bool Healthy, string Description, DateTimeOffset CheckedAt);

/// <summary>
/// Whether GigaChat is reachable, per mode, without spending chat quota: cloud asks for a token
/// (free while one is cached), mtls makes a TLS handshake with the client certificate and lists
/// the models. Results are reused for <c>GigaChat:HealthCacheSeconds</c>, so frequent health
/// probes do not turn into calls.
/// </summary>
public sealed class GigaChatConnectivity(
    IOptions<GigaChatOptions> options, IServiceProvider services, TimeProvider time, ILogger<GigaChatConnectivity> logger)
{
    public const string ProbeHttpClientName = "GigaChat.Probe";

    private readonly GigaChatOptions _options = options.Value;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private GigaChatProbe? _last;

    public async Task<GigaChatProbe> CheckAsync(CancellationToken cancellationToken)
    {
        if (_options.Mode == GigaChatRunMode.DryRun) return new(true, "dry-run: local model, no calls to GigaChat", time.GetUtcNow());
        if (_options.Mode == GigaChatRunMode.Cloud && services.GetRequiredService<GigaChatTokenProvider>().HasFreshToken)
            return new(true, "access token is valid", time.GetUtcNow());
        if (Reusable() is { } cached) return cached;

        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (Reusable() is { } again) return again;
            var probe = await ProbeAsync(cancellationToken);
            if (!probe.Healthy) logger.LogWarning("GigaChat health probe failed: {Description}", probe.Description);
            return _last = probe;
        }
        finally
        {
            _gate.Release();
        }
    }

    private GigaChatProbe? Reusable() =>
        _last is { } last && time.GetUtcNow() - last.CheckedAt < TimeSpan.FromSeconds(_options.HealthCacheSeconds) ? last : null;

    private async Task<GigaChatProbe> ProbeAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (_options.Mode == GigaChatRunMode.Cloud)
        {
            try
            {
                await services.GetRequiredService<GigaChatTokenProvider>().GetTokenAsync(cancellationToken);
                return new(true, "access token obtained", now);
            }
            catch (GigaChatException ex)
            {
                return new(false, $"cannot obtain an access token: {ex.Code}", now);
            }
        }

        var http = services.GetRequiredService<IHttpClientFactory>().CreateClient(ProbeHttpClientName);
        try
        {
            using var response = await http.GetAsync("models", cancellationToken);
            return response.IsSuccessStatusCode
                ? new(true, "TLS handshake with the client certificate works", now)
                : new(false, $"TLS handshake works, the API answered {(int)response.StatusCode}", now);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return new(false, "TLS connection failed: " + GigaChatErrors.Describe(ex), now);
        }
    }
}

/// <summary>Says at start how GigaChat is reached, and loudly when certificate checks are off.</summary>
public sealed class GigaChatStartupReport(IOptions<GigaChatOptions> options, GigaChatTls tls, TimeProvider time, ILogger<GigaChatStartupReport> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        logger.LogInformation("GigaChat mode {Mode}: API {BaseUrl}, model {Model}, at most {Limit} calls per {Window} s across all instances",
            o.RunMode, o.BaseUrl, o.Model, o.MaxRequestsPerMinute, o.QuotaWindowSeconds);
        if (!tls.VerifiesServer)
            logger.LogWarning("TLS certificate verification of GigaChat is OFF (GIGACHAT_VERIFY_SSL_CERTS=false): anyone on the network path " +
                              "can impersonate GigaChat and read the requests. Trust the Russian Trusted Root CA with GIGACHAT_CA_BUNDLE_FILE instead");
        if (tls.Client is { Certificate: var certificate })
        {
            logger.LogInformation("GigaChat client certificate {Subject}, valid until {NotAfter:u}", certificate.Subject, certificate.NotAfter.ToUniversalTime());
            if (certificate.NotAfter - time.GetUtcNow() < TimeSpan.FromDays(30))
                logger.LogWarning("The GigaChat client certificate expires on {NotAfter:u}: renew GIGACHAT_MTLS_CERT_FILE", certificate.NotAfter.ToUniversalTime());
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
