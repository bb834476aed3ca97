using System.Reflection;
using System.Text.Json;
using GigaOffice.Data;
using GigaOffice.GigaChat;
using GigaOffice.Queue;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
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

/// <summary>Reports the mode; never calls the model, so health probes spend no quota.</summary>
public sealed class GigaChatHealthCheck(IGigaChatClient client) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken) =>
        Task.FromResult(HealthCheckResult.Healthy(client.Mode, new Dictionary<string, object> { ["mode"] = client.Mode }));
}

public static class HealthEndpoints
{
    private static readonly string Version = typeof(HealthEndpoints).Assembly
        .GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";
    private static readonly DateTime StartedAt = DateTime.UtcNow;

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
        app.MapHealthChecks("/api/health", new HealthCheckOptions { ResponseWriter = WriteAsync })
            .WithTags("Состояние").WithSummary("Состояние сервиса и его частей").AllowAnonymous();
        // For orchestrators: alive = the process answers; ready = it can take requests.
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteAsync }).AllowAnonymous();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready"), ResponseWriter = WriteAsync }).AllowAnonymous();
        return app;
    }

    private static Task WriteAsync(HttpContext http, HealthReport report)
    {
        http.Response.ContentType = "application/json; charset=utf-8";
        var body = new
        {
            status = report.Status.ToString().ToLowerInvariant(),
            version = Version,
            uptime_seconds = (long)(DateTime.UtcNow - StartedAt).TotalSeconds,
            components = report.Entries.ToDictionary(e => e.Key, e => new
            {
                status = e.Value.Status.ToString().ToLowerInvariant(),
                description = e.Value.Description,
                data = e.Value.Data,
            }),
        };
        return http.Response.WriteAsync(JsonSerializer.Serialize(body, GigaOfficeJson.Options));
    }
}
