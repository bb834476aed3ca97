using GigaOffice.Clients;

namespace GigaOffice.Upstream;

/// <summary>
/// The versioned API of the upstream server (nicksedov/gigaoffice-server), served alongside this
/// service's own: its clients work unchanged. docs/upstream-api.md maps each endpoint.
/// </summary>
public static class UpstreamEndpoints
{
    public const string Tag = "API v1 исходного сервера";

    public static IEndpointRouteBuilder MapUpstreamApi(this IEndpointRouteBuilder app)
    {
        // Probes and robots.txt are public, as upstream serves them.
        app.MapGroup("").WithTags(Tag).PublicEndpoint().MapUpstreamPublic();

        // Everything else needs a client key and is scoped to the key's own requests; the endpoints
        // that can call GigaChat say Spending() and count against the key's limits, reads say Free().
        var v1 = app.MapGroup("/api/v1").WithTags(Tag).RequireClientAccess().WithClientLimits();
        v1.MapUpstreamSpreadsheets();
        v1.MapUpstreamCharts();
        v1.MapUpstreamPrompts();
        v1.MapUpstreamMetrics();
        return app;
    }
}
