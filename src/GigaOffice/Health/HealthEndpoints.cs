using System.Reflection;
using System.Text.Json;
using GigaOffice.Clients;
using GigaOffice.Data;
using GigaOffice.GigaChat;
using GigaOffice.Queue;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace GigaOffice.Health;

public sealed class DatabaseHealthCheck(IServiceScopeFactory scopes, DatabaseReadiness readiness) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GigaOfficeDbContext>();
        var data = new Dictionary<string, object> { ["provider"] = db.Database.IsNpgsql() ? "postgresql" : "sqlite" };
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(3));
            if (!await db.Database.CanConnectAsync(timeout.Token)) return HealthCheckResult.Unhealthy("cannot connect", data: data);
        }
        catch (Exception ex)
        {
            return HealthCheckResult.Unhealthy("cannot connect: " + ex.GetType().Name, data: data);
        }
        return readiness.IsReady ? HealthCheckResult.Healthy("connected", data) : HealthCheckResult.Unhealthy("connected, not migrated yet", data: data);
    }
}

public sealed class QueueHealthCheck(IRequestQueue queue) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken) =>
        Task.FromResult(HealthCheckResult.Healthy(queue.Name, new Dictionary<string, object> { ["kind"] = queue.Name, ["depth"] = queue.ApproximateDepth }));
}

/// <summary>
/// Reports whether GigaChat is reachable in the configured mode; never calls the model, so health
/// probes spend no quota. Unreachable is "degraded": requests still wait in the queue.
/// </summary>
public sealed class GigaChatHealthCheck(IGigaChatClient client, GigaChatConnectivity connectivity) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken)
    {
        var probe = await connectivity.CheckAsync(cancellationToken);
        var data = new Dictionary<string, object> { ["mode"] = client.Mode, ["checked_at"] = probe.CheckedAt };
        return probe.Healthy ? HealthCheckResult.Healthy(probe.Description, data) : HealthCheckResult.Degraded(probe.Description, data: data);
    }
}

public sealed record ComponentHealth(string Status, string? Description, Dictionary<string, string?> Data);

public sealed record HealthResponse(string Status, string Version, long UptimeSeconds, Dictionary<string, ComponentHealth> Components);

public static class HealthEndpoints
{
    internal static readonly string Version = typeof(HealthEndpoints).Assembly
        .GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";
    // The process start, not the first health request: a static field would start counting only when first read.
    internal static readonly DateTime StartedAt = System.Diagnostics.Process.GetCurrentProcess().StartTime.ToUniversalTime();

    public static IServiceCollection AddGigaOfficeHealthChecks(this IServiceCollection services)
    {
        services.AddHealthChecks()
            .AddCheck<DatabaseHealthCheck>("database", tags: ["ready"])
            .AddCheck<QueueHealthCheck>("queue", tags: ["ready"])
            .AddCheck<GigaChatHealthCheck>("gigachat");
        return services;
    }

    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/health", ReportAsync).WithTags("Состояние").WithSummary("Состояние сервиса и его частей").PublicEndpoint();
        // For orchestrators: alive = the process answers; ready = it can take requests.
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteAsync }).PublicEndpoint();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready"), ResponseWriter = WriteAsync }).PublicEndpoint();
        return app;
    }

    internal static async Task<Results<Ok<HealthResponse>, JsonHttpResult<HealthResponse>>> ReportAsync(HealthCheckService health, CancellationToken ct)
    {
        var report = ToResponse(await health.CheckHealthAsync(ct));
        return report.Status == "unhealthy"
            ? TypedResults.Json(report, statusCode: StatusCodes.Status503ServiceUnavailable)
            : TypedResults.Ok(report);
    }

    private static HealthResponse ToResponse(HealthReport report) => new(
        report.Status.ToString().ToLowerInvariant(), Version, (long)(DateTime.UtcNow - StartedAt).TotalSeconds,
        report.Entries.ToDictionary(e => e.Key, e => new ComponentHealth(
            e.Value.Status.ToString().ToLowerInvariant(), e.Value.Description,
            e.Value.Data.ToDictionary(d => d.Key, d => d.Value.ToString()))));

    private static Task WriteAsync(HttpContext http, HealthReport report)
    {
        http.Response.ContentType = "application/json; charset=utf-8";
        return http.Response.WriteAsync(JsonSerializer.Serialize(ToResponse(report), GigaOfficeJson.Options));
    }
}
