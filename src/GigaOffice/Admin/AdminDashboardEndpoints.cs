using GigaOffice.Configuration;
using GigaOffice.Data;
using GigaOffice.Infrastructure;
using GigaOffice.Metrics;
using GigaOffice.Queue;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace GigaOffice.Admin;

public sealed record TimelineBucket(DateTime Start, int Completed, int Failed, int Pending, int CacheHits);
public sealed record DailyTokens(DateOnly Day, long Billed, long Precached, long Classification);
public sealed record QuotaUse(int LimitPerMinute, int GrantedLastMinute, int PeakPerMinute, DateTime? PeakAt);
public sealed record TopKey(Guid? Id, string Name, string? Prefix, int Requests, long Tokens);

/// <summary>Everything the console's dashboard draws for one period.</summary>
public sealed record AdminDashboard(
    MetricsSummary Summary, double? SuccessRate, int BucketMinutes, List<TimelineBucket> Timeline,
    List<DailyTokens> TokensPerDay, QuotaUse Quota, List<TopKey> TopKeys, bool Sampled);

/// <summary>The admin dashboard: the usage summary of /api/metrics for all clients, plus series for charts.</summary>
public static class AdminDashboardEndpoints
{
    /// <summary>Series are computed over at most this many latest requests of the period.</summary>
    private const int SeriesSampleLimit = 200_000;

    public static IEndpointRouteBuilder MapAdminDashboard(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/admin").WithTags("Администрирование: обзор").RequireAdminKey();
        group.MapGet("/dashboard", DashboardAsync).WithSummary("Обзор за период: запросы, время, токены, квота, ключи")
            .WithDescription("period: 1h, 24h (по умолчанию), 7d или 30d.");
        group.MapGet("/requests", AdminRequestSearch.SearchAsync).WithSummary("Поиск запросов (сначала неудачные)");
        group.MapGet("/feedback", AdminRequestSearch.FeedbackAsync).WithSummary("Оценки по дням и низко оценённые ответы");
        return app;
    }

    public static TimeSpan? PeriodLength(string? period) => (period ?? "24h").Trim().ToLowerInvariant() switch
    {
        "1h" => TimeSpan.FromHours(1),
        "24h" or "1d" => TimeSpan.FromHours(24),
        "7d" => TimeSpan.FromDays(7),
        "30d" => TimeSpan.FromDays(30),
        _ => null,
    };

    public static ValidationProblem InvalidPeriod() =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["period"] = ["Допустимо: 1h, 24h, 7d, 30d."] }, title: "Запрос не прошёл проверку");

    internal static async Task<Results<Ok<AdminDashboard>, ValidationProblem>> DashboardAsync(
        GigaOfficeDbContext db, IRequestQueue queue, TimeProvider time, IOptions<GigaChatOptions> gigaChat, HttpContext http, string? period, CancellationToken ct)
    {
        if (PeriodLength(period) is not { } length) return InvalidPeriod();
        var now = time.GetUtcNow().UtcDateTime;
        var start = now - length;
        var summaryResult = await MetricsEndpoints.SummaryAsync(db, queue, time, http, null, start, now, ct);
        if (summaryResult.Result is not Ok<MetricsSummary> { Value: { } summary }) return InvalidPeriod();

        var rows = await db.Requests.AsNoTracking().Where(r => r.CreatedAt >= start && r.CreatedAt <= now)
            .OrderByDescending(r => r.CreatedAt).Take(SeriesSampleLimit)
            .Select(r => new { r.CreatedAt, r.CompletedAt, r.Status, r.TotalTokens, r.ClassificationTokens, Cached = r.CachedFromId != null, CalledModel = r.GigaChatMs != null })
            .ToListAsync(ct);

        var bucketMinutes = length.TotalHours switch { <= 1 => 5, <= 24 => 60, <= 24 * 7 => 360, _ => 1440 };
        var bucketCount = (int)Math.Ceiling(length.TotalMinutes / bucketMinutes);
        var firstBucket = Floor(now, bucketMinutes).AddMinutes(-bucketMinutes * (bucketCount - 1));
        var timeline = Enumerable.Range(0, bucketCount).Select(i => new TimelineBucket(firstBucket.AddMinutes(i * bucketMinutes), 0, 0, 0, 0)).ToList();
        foreach (var r in rows)
        {
            var index = (int)Math.Floor((r.CreatedAt - firstBucket).TotalMinutes / bucketMinutes);
            if (index < 0 || index >= timeline.Count) continue;
            var b = timeline[index];
            timeline[index] = r.Status switch
            {
                RequestStatus.Completed => b with { Completed = b.Completed + 1, CacheHits = b.CacheHits + (r.Cached ? 1 : 0) },
                RequestStatus.Failed => b with { Failed = b.Failed + 1 },
                _ => b with { Pending = b.Pending + 1 },
            };
        }

        var days = Enumerable.Range(0, (int)Math.Ceiling(length.TotalDays) + 1).Select(i => DateOnly.FromDateTime(start.Date.AddDays(i)))
            .Where(d => d <= DateOnly.FromDateTime(now)).ToList();
        var tokensPerDay = days.Select(d => new DailyTokens(d,
            rows.Where(r => DateOnly.FromDateTime(r.CreatedAt) == d).Sum(r => (long)r.TotalTokens), 0,
            rows.Where(r => DateOnly.FromDateTime(r.CreatedAt) == d).Sum(r => (long)r.ClassificationTokens))).ToList();

        // Model calls per minute, against GIGACHAT_MAX_REQUESTS_PER_MINUTE: the busiest minute of the period and the last minute.
        var perMinute = rows.Where(r => r.CalledModel).GroupBy(r => Floor(r.CompletedAt ?? r.CreatedAt, 1)).Select(g => (Minute: g.Key, Count: g.Count()))
            .OrderByDescending(x => x.Count).FirstOrDefault();
        var windowStartMs = time.GetUtcNow().AddMinutes(-1).ToUnixTimeMilliseconds();
        var grantedLastMinute = await db.QuotaGrants.CountAsync(g => g.GrantedAtMs >= windowStartMs, ct);
        var quota = new QuotaUse(gigaChat.Value.MaxRequestsPerMinute, grantedLastMinute, perMinute.Count, perMinute.Count > 0 ? perMinute.Minute : null);

        var byKey = await db.Requests.AsNoTracking().Where(r => r.CreatedAt >= start && r.CreatedAt <= now)
            .GroupBy(r => r.ClientKeyId).Select(g => new { Id = g.Key, Requests = g.Count(), Tokens = g.Sum(r => (long)r.TotalTokens + r.ClassificationTokens) })
            .OrderByDescending(g => g.Tokens).Take(10).ToListAsync(ct);
        var ids = byKey.Where(k => k.Id != null).Select(k => k.Id!.Value).ToList();
        var names = await db.ClientKeys.AsNoTracking().Where(k => ids.Contains(k.Id)).ToDictionaryAsync(k => k.Id, k => (k.Name, k.Prefix), ct);
        var topKeys = byKey.Select(k => k.Id is { } id && names.TryGetValue(id, out var n)
            ? new TopKey(id, n.Name, n.Prefix, k.Requests, k.Tokens)
            : new TopKey(k.Id, k.Id is null ? "без ключа" : "удалённый ключ", null, k.Requests, k.Tokens)).ToList();

        var finished = summary.ByStatus.GetValueOrDefault(RequestStatus.Completed) + summary.ByStatus.GetValueOrDefault(RequestStatus.Failed);
        double? successRate = finished == 0 ? null : Math.Round(100.0 * summary.ByStatus.GetValueOrDefault(RequestStatus.Completed) / finished, 1);
        return TypedResults.Ok(new AdminDashboard(summary, successRate, bucketMinutes, timeline, tokensPerDay, quota, topKeys, rows.Count == SeriesSampleLimit));
    }

    private static DateTime Floor(DateTime t, int minutes) =>
        new(t.Ticks - t.Ticks % TimeSpan.FromMinutes(minutes).Ticks, DateTimeKind.Utc);
}
