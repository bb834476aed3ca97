using System.Diagnostics;
using GigaOffice.Clients;
using GigaOffice.Data;
using GigaOffice.Health;
using GigaOffice.Queue;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace GigaOffice.Upstream;

public sealed record PingResponse(string Status, string Version, DateTime Timestamp);

public sealed record ServiceHealth(
    string Status, DateTime Timestamp, string Version, double Uptime, bool Database, bool Gigachat, bool Kafka,
    int ActiveRequests, long QueueSize, double MemoryUsage, double CpuUsage);

public sealed record MetricsResponse(string Period, int TotalRequests, int SuccessfulRequests, int FailedRequests, double AvgProcessingTime, long TotalTokensUsed);

/// <summary>Upstream's service endpoints: ping, health, metrics, robots.txt.</summary>
public static class ServiceEndpoints
{
    public const string RobotsTxt = """
        User-agent: *
        Disallow: /

        # GigaOffice AI Service - Private API
        # This is a private API service and should not be crawled
        """;

    /// <summary>Probes and robots.txt: public, as upstream serves them.</summary>
    public static void MapUpstreamPublic(this RouteGroupBuilder open)
    {
        open.MapGet("/api/v1/ping", () => TypedResults.Ok(new PingResponse("pong", HealthEndpoints.Version, DateTime.UtcNow))).WithSummary("Проверка связи (API v1)");
        open.MapGet("/api/v1/health", HealthAsync).WithSummary("Состояние сервиса в формате API v1");
        open.MapGet("/robots.txt", (HttpContext http) =>
        {
            http.Response.Headers.CacheControl = "public, max-age=86400";
            return TypedResults.Text(RobotsTxt, "text/plain; charset=utf-8");
        }).WithSummary("Запрет индексации");
    }

    public static void MapUpstreamMetrics(this RouteGroupBuilder v1) =>
        v1.MapGet("/metrics", MetricsAsync).Free().WithSummary("Сводка запросов за час, день, неделю или месяц (API v1)");

    /// <summary>
    /// Upstream's health fields from this service's health checks. "kafka" is the request queue's
    /// health (Kafka, or the in-process queue that stands in for it); usage figures are this process's.
    /// </summary>
    internal static async Task<Ok<ServiceHealth>> HealthAsync(HealthCheckService health, IRequestQueue queue, IServiceScopeFactory scopes, CancellationToken ct)
    {
        var report = await health.CheckHealthAsync(ct);
        bool Healthy(string name) => report.Entries.TryGetValue(name, out var e) && e.Status == HealthStatus.Healthy;
        var uptime = (DateTime.UtcNow - HealthEndpoints.StartedAt).TotalSeconds;
        var active = 0;
        if (Healthy("database"))
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<GigaOfficeDbContext>();
            try { active = await db.Requests.CountAsync(r => r.Status == RequestStatus.Processing, ct); }
            catch (Exception ex) when (DatabaseErrors.IsUnavailable(ex)) { /* reported as database: false by the next probe */ }
        }
        using var process = Process.GetCurrentProcess();
        var available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        var memory = available > 0 ? Math.Round(100.0 * process.WorkingSet64 / available, 2) : 0;
        var cpu = uptime > 0 ? Math.Round(100.0 * process.TotalProcessorTime.TotalSeconds / (uptime * Environment.ProcessorCount), 2) : 0;
        return TypedResults.Ok(new ServiceHealth(
            report.Status == HealthStatus.Healthy ? "ok" : report.Status.ToString().ToLowerInvariant(), DateTime.UtcNow, HealthEndpoints.Version,
            Math.Round(uptime, 3), Healthy("database"), Healthy("gigachat"), Healthy("queue"), active, queue.ApproximateDepth, memory, cpu));
    }

    internal static async Task<Results<Ok<MetricsResponse>, JsonHttpResult<FastApiValidation>>> MetricsAsync(
        GigaOfficeDbContext db, TimeProvider time, HttpContext http, string? period, CancellationToken ct)
    {
        period ??= "day";
        var now = time.GetUtcNow().UtcDateTime;
        DateTime? from = period switch
        {
            "hour" => now.AddHours(-1),
            "day" => now.AddDays(-1),
            "week" => now.AddDays(-7),
            "month" => now.AddMonths(-1),
            _ => null,
        };
        if (from is null)
            return UpstreamErrors.Invalid(new FastApiError("literal_error", ["query", "period"], "Input should be 'hour', 'day', 'week' or 'month'") { Input = period });
        // A client sees its own requests; without client authentication, everyone's.
        var scope = db.Requests.AsNoTracking().ForClient(http).Where(r => r.CreatedAt >= from && r.CreatedAt <= now);
        var counts = await scope.GroupBy(r => r.Status).Select(g => new { Status = g.Key, Count = g.Count() }).ToListAsync(ct);
        var tokens = await scope.SumAsync(r => (long)r.TotalTokens + r.ClassificationTokens, ct);
        var averageMs = await scope.AverageAsync(r => r.ProcessingMs, ct);
        int Count(string status) => counts.Where(c => c.Status == status).Sum(c => c.Count);
        return TypedResults.Ok(new MetricsResponse(period, counts.Sum(c => c.Count), Count(RequestStatus.Completed), Count(RequestStatus.Failed),
            averageMs is { } ms ? Math.Round(ms / 1000, 3) : 0, tokens));
    }
}
