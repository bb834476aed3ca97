using System.Net;
using GigaOffice.Configuration;
using GigaOffice.Data;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace GigaOffice.Clients;

/// <summary>
/// Whether clients need a key, and why. AUTH_MODE=required or off decides at once; auto decides from
/// the addresses the server actually bound (<see cref="ApplyBoundAddresses"/>, after start), since
/// settings can disagree with what Kestrel listens on (Kestrel__Endpoints beside HOST). Until then
/// auto requires keys: the service is never open by a guess.
/// </summary>
public sealed class ClientAuthMode
{
    private readonly string _mode;
    private readonly IReadOnlyList<string> _configuredHosts;
    private volatile Decision _decision;

    private sealed record Decision(bool Required, string Reason, bool ExplicitlyOffBeyondLocalhost, bool Final);

    private ClientAuthMode(string mode, IReadOnlyList<string> configuredHosts, Decision decision)
    {
        _mode = mode;
        _configuredHosts = configuredHosts;
        _decision = decision;
    }

    public bool Required => _decision.Required;
    /// <summary>AUTH_MODE=required: keys whatever the addresses.</summary>
    public bool AlwaysRequired => _mode == "required";
    public string Setting => $"AUTH_MODE={_mode}";
    public string Reason => _decision.Reason;
    public bool ExplicitlyOffBeyondLocalhost => _decision.ExplicitlyOffBeyondLocalhost;

    /// <summary>The mode before the server binds: what the settings say, auto awaiting the bound addresses.</summary>
    public static ClientAuthMode Resolve(IConfiguration configuration)
    {
        var mode = (configuration.GetSection(AuthOptions.Section).Get<AuthOptions>()?.Mode ?? "auto").Trim().ToLowerInvariant();
        return new ClientAuthMode(mode, ListeningHosts(configuration), mode switch
        {
            "required" => new(true, "AUTH_MODE=required", false, true),
            "off" => new(false, "AUTH_MODE=off", false, false),
            _ => new(true, "not bound yet", false, false),
        });
    }

    /// <summary>
    /// Decides from the addresses the server listens on and the configured ones: local only when both
    /// are loopback (a server that reports no address, as the in-process test server, has only the settings).
    /// </summary>
    public void ApplyBoundAddresses(IReadOnlyCollection<string> addresses)
    {
        if (_decision.Final) return;
        var hosts = addresses.Select(HostOf).Concat(_configuredHosts).ToList();
        var localOnly = hosts.All(IsLoopback);
        var where = addresses.Count == 0 ? string.Join(", ", _configuredHosts) : string.Join(", ", addresses);
        _decision = _mode switch
        {
            "off" => new(false, $"AUTH_MODE=off, listening on {where}", !localOnly, true),
            _ when localOnly => new(false, $"listening on {where} only", false, true),
            _ => new(true, $"listening beyond localhost ({where})", false, true),
        };
    }

    /// <summary>Hosts from ASPNETCORE_URLS / --urls when set (they win, see UseGigaOfficeUrls), else HOST.</summary>
    private static IReadOnlyList<string> ListeningHosts(IConfiguration configuration)
    {
        var urls = configuration["urls"] is { Length: > 0 } u ? u : configuration["ASPNETCORE_URLS"];
        if (string.IsNullOrWhiteSpace(urls))
            return [configuration.GetSection(ServerOptions.Section).Get<ServerOptions>()?.Host ?? "localhost"];
        return urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(HostOf).ToList();
    }

    /// <summary>"http://0.0.0.0:8000" -> "0.0.0.0"; "http://+:80" and "*" are every address.</summary>
    private static string HostOf(string url) =>
        Uri.TryCreate(url.Replace("://+", "://0.0.0.0").Replace("://*", "://0.0.0.0"), UriKind.Absolute, out var uri) ? uri.Host : url;

    private static bool IsLoopback(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));
}

public static class ClientAccessSetup
{
    public const string CorsPolicy = "plugin-origins";

    /// <summary>Client keys, per-key limits and CORS.</summary>
    public static void AddClientAccess(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var configuration = builder.Configuration;
        var mode = ClientAuthMode.Resolve(configuration);
        services.AddSingleton(mode);

        services.AddOptions<AuthOptions>().Bind(configuration.GetSection(AuthOptions.Section)).ValidateOnStart();
        services.AddOptions<CorsOptions>().Bind(configuration.GetSection(CorsOptions.Section)).ValidateOnStart();
        services.AddOptions<AdminOptions>().Bind(configuration.GetSection(AdminOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AuthOptions>, OperationsOptionsValidation>();
        services.AddSingleton<IValidateOptions<CorsOptions>, OperationsOptionsValidation>();

        services.AddScoped<ClientKeyStore>();
        services.AddSingleton<ClientKeyLocks>();
        services.AddSingleton<UnrecordedTokens>();
        services.AddSingleton<ClientKeyCache>();
        services.AddSingleton<Data.Postgres.IPostgresNotificationHandler, ClientKeyChanges>();
        services.AddSingleton<KeyGuessThrottle>();
        services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        services.AddSingleton<IAuthorizationHandler, ClientKeyRequirementHandler>();
        // Every endpoint needs a client key unless it says otherwise (health, docs, /metrics, admin):
        // an endpoint added later is protected by default.
        services.AddAuthorization(o =>
        {
            o.AddClientPolicy();
            o.FallbackPolicy = o.GetPolicy(EndpointAccess.ClientPolicy);
        });
        services.AddClientRateLimiting();

        services.AddSingleton<IValidateOptions<CorsOptions>, NullOriginValidation>();
        // The policy depends on the path (Origin: null only for the client API), see ClientCorsPolicyProvider.
        services.AddCors();
        services.AddSingleton<Microsoft.AspNetCore.Cors.Infrastructure.ICorsPolicyProvider, ClientCorsPolicyProvider>();

        services.AddHostedService<ClientAccessReport>();
    }

    /// <summary>CORS first (a preflight carries no key), then authentication, authorization, per-key limits.</summary>
    public static WebApplication UseClientAccess(this WebApplication app)
    {
        app.UseCors(CorsPolicy);
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        return app;
    }
}

/// <summary>Says at start whether clients need keys, and warns when the service is open beyond localhost.</summary>
public sealed class ClientAccessReport(
    ClientAuthMode mode, IServer server, IHostApplicationLifetime lifetime, IOptions<CorsOptions> cors, IServiceScopeFactory scopes,
    DatabaseReadiness database, ILogger<ClientAccessReport> logger)
    : BackgroundService
{
    private readonly TaskCompletionSource _bound = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        var origins = cors.Value.Origins;
        if (origins.Length == 0) logger.LogInformation("CORS: no browser origin is allowed (set CORS_ALLOWED_ORIGINS to the document server's origin)");
        else logger.LogInformation("CORS: allowed origins {Origins}", origins);
        if (cors.Value.AllowNullOrigin) logger.LogInformation("CORS: Origin: null (desktop editors) is allowed on the client API");
        // Runs as the host finishes starting, after Kestrel bound its addresses and before the start returns.
        lifetime.ApplicationStarted.Register(() =>
        {
            mode.ApplyBoundAddresses(server.Features.Get<IServerAddressesFeature>()?.Addresses.ToList() ?? []);
            ReportMode();
            _bound.TrySetResult();
        });
        return base.StartAsync(cancellationToken);
    }

    private void ReportMode()
    {
        if (mode.ExplicitlyOffBeyondLocalhost)
            logger.LogWarning("Client authentication is OFF ({Reason}): anyone who reaches the service can use it and spend the GigaChat quota", mode.Reason);
        else if (!mode.Required)
            logger.LogInformation("Client authentication is off ({Reason}): open to programs on this machine only. Set AUTH_MODE=required to demand API keys", mode.Reason);
        else
            logger.LogInformation("Client authentication is on ({Reason}): clients send an API key as Authorization: Bearer or X-API-Key", mode.Reason);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await _bound.Task.WaitAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        if (!mode.Required) return;
        try
        {
            await database.WaitAsync(stoppingToken);
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<GigaOfficeDbContext>();
            if (!await db.ClientKeys.AnyAsync(k => k.RevokedAt == null, stoppingToken))
                logger.LogWarning("No active client API key exists: every request will be refused. Create one with `GigaOffice keys create --name NAME`");
        }
        catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
        {
            logger.LogDebug(ex, "Could not count client keys at start");
        }
        catch (OperationCanceledException)
        {
        }
    }
}
