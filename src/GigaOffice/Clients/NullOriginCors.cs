using GigaOffice.Configuration;
using Microsoft.AspNetCore.Cors.Infrastructure;
using CorsOptions = GigaOffice.Configuration.CorsOptions;
using Microsoft.Extensions.Options;

namespace GigaOffice.Clients;

/// <summary>
/// The CORS policy per request: the listed origins everywhere, plus <c>Origin: null</c> and <c>file://</c>
/// (plugins the desktop editors run from local files; Chromium-based shells send either) on the client
/// API only when CORS_ALLOW_NULL_ORIGIN=true.
/// Never with credentials: keys travel in headers, so a sandboxed page without a key gains nothing.
/// </summary>
public sealed class ClientCorsPolicyProvider(IOptions<CorsOptions> options) : ICorsPolicyProvider
{
    private static readonly string[] ClientApiPrefixes = ["/api/ai", "/api/v1", "/api/prompts", "/v1"];

    private readonly CorsPolicy _listed = Build(options.Value.Origins);
    private readonly CorsPolicy? _withNull = options.Value.AllowNullOrigin ? Build([.. options.Value.Origins, "null", "file://"]) : null;

    public Task<CorsPolicy?> GetPolicyAsync(HttpContext context, string? policyName) =>
        Task.FromResult<CorsPolicy?>(_withNull is not null && IsClientApi(context.Request.Path) ? _withNull : _listed);

    public static bool IsClientApi(PathString path) =>
        ClientApiPrefixes.Any(prefix => path.StartsWithSegments(prefix, StringComparison.OrdinalIgnoreCase));

    private static CorsPolicy Build(string[] origins) => new CorsPolicyBuilder()
        .WithOrigins(origins)
        .WithMethods("GET", "POST", "PUT", "DELETE")
        .WithHeaders("Authorization", ApiKeyAuthenticationHandler.HeaderName, "Content-Type", "X-Correlation-ID")
        .WithExposedHeaders("Retry-After", "X-Correlation-ID", "Location")
        .SetPreflightMaxAge(TimeSpan.FromHours(1))
        .Build();
}

/// <summary>An open service (no client keys) must not also answer every sandboxed page.</summary>
public sealed class NullOriginValidation(ClientAuthMode mode) : IValidateOptions<CorsOptions>
{
    public ValidateOptionsResult Validate(string? name, CorsOptions o) =>
        // Checked at start, before auto mode knows the bound addresses: only AUTH_MODE=required is a promise.
        o.AllowNullOrigin && !mode.AlwaysRequired
            ? ValidateOptionsResult.Fail($"CORS_ALLOW_NULL_ORIGIN=true needs client keys: set AUTH_MODE=required (keys are not always required now: {mode.Setting}).")
            : ValidateOptionsResult.Success;
}
