using GigaOffice.Clients;
using GigaOffice.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.RateLimiting;

namespace GigaOffice.Tests.Clients;

/// <summary>
/// Walks every endpoint of the real app: each one is public, admin-key guarded, or a client endpoint
/// under the per-key limits; every endpoint that can spend GigaChat quota carries the limits.
/// </summary>
public sealed class EndpointAccessTests
{
    /// <summary>Known endpoints that can call GigaChat: a second check beside the metadata.</summary>
    private static readonly (string Method, string Route)[] KnownSpending =
    [
        ("POST", "/api/ai/process"),
        ("POST", "/api/v1/ai/process"),
        ("POST", "/api/prompts/classify"),
        ("POST", "/api/v1/spreadsheets/process"),
        ("POST", "/api/v1/charts/process"),
        ("POST", "/api/v1/histograms/process"),
        ("POST", "/api/v1/prompts/classify"),
    ];

    [Fact]
    public async Task Every_endpoint_is_public_admin_or_a_client_endpoint_under_limits()
    {
        await using var app = new TestApp().WithServiceDefaults().WithAuth();
        await app.WaitForDatabaseAsync();
        var endpoints = app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToList();
        Assert.NotEmpty(endpoints);

        var problems = new List<string>();
        foreach (var endpoint in endpoints)
        {
            var m = endpoint.Metadata;
            var name = $"{string.Join(",", m.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["*"])} {endpoint.RoutePattern.RawText}";
            var isPublic = m.GetMetadata<PublicEndpointMetadata>() is not null;
            var isAdmin = m.GetMetadata<AdminEndpointMetadata>() is not null;
            var isClient = m.GetMetadata<ClientAccessMetadata>() is not null;
            var limited = m.GetMetadata<ClientLimitsMetadata>() is not null
                && m.GetMetadata<EnableRateLimitingAttribute>()?.PolicyName == ClientLimits.RateLimitPolicy;
            var spending = m.GetMetadata<SpendingEndpointMetadata>() is not null;
            var free = m.GetMetadata<FreeEndpointMetadata>() is not null || m.GetMetadata<DisableRateLimitingAttribute>() is not null;

            if (new[] { isPublic, isAdmin, isClient }.Count(x => x) != 1)
                problems.Add($"{name}: must be exactly one of public ({isPublic}), admin ({isAdmin}), client ({isClient})");
            if (isClient && !limited) problems.Add($"{name}: a client endpoint outside a group with WithClientLimits()");
            if (isClient && spending == free) problems.Add($"{name}: a client endpoint must say Spending() or Free() (spending {spending}, free {free})");
            if (spending && (!isClient || !limited || free)) problems.Add($"{name}: spends GigaChat quota but is not under the client limits");
        }
        foreach (var (method, route) in KnownSpending)
        {
            var endpoint = endpoints.SingleOrDefault(e => e.RoutePattern.RawText?.TrimEnd('/') == route
                && e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods.Contains(method) == true);
            if (endpoint is null) problems.Add($"{method} {route}: known spending endpoint is missing");
            else if (endpoint.Metadata.GetMetadata<SpendingEndpointMetadata>() is null) problems.Add($"{method} {route}: known spending endpoint is not marked Spending()");
        }
        Assert.True(problems.Count == 0, "Endpoint access rules broken:\n" + string.Join("\n", problems));
    }
}
