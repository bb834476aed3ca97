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
    List<DailyTokens> TokensPerDay, QuotaUse Quota, List<TopKey> TopKeys);

/// <summary>The admin dashboard: the usage summary of /api/metrics for all clients, plus series for charts.</summary>
public static class AdminDashboardEndpoints
{
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

        // Series are grouped by the database, so a month of requests never comes into memory.
        var inPeriod = db.Requests.AsNoTracking().Where(r => r.CreatedAt >= start && r.CreatedAt <= now);
        var bucketMinutes = length.TotalHours switch { <= 1 => 5, <= 24 => 60, <= 24 * 7 => 360, _ => 1440 };
        // From the bucket holding the period's start to the one holding now, so every request of the period has its bucket.
        var firstBucket = Floor(start, bucketMinutes);
        var bucketCount = (int)((Floor(now, bucketMinutes) - firstBucket).TotalMinutes / bucketMinutes) + 1;
        var timeline = Enumerable.Range(0, bucketCount).Select(i => new TimelineBucket(firstBucket.AddMinutes(i * bucketMinutes), 0, 0, 0, 0)).ToList();
        foreach (var row in await BucketsAsync(inPeriod, bucketMinutes, ct))
        {
            var index = (int)Math.Floor((row.Day.AddMinutes(row.Minutes) - firstBucket).TotalMinutes / bucketMinutes);
            if (index < 0 || index >= timeline.Count) continue;
            var b = timeline[index];
            timeline[index] = row.Status switch
            {
                RequestStatus.Completed => b with { Completed = b.Completed + row.Count, CacheHits = b.CacheHits + row.CacheHits },
                RequestStatus.Failed => b with { Failed = b.Failed + row.Count },
                _ => b with { Pending = b.Pending + row.Count },
            };
        }

        var daily = await inPeriod.GroupBy(r => r.CreatedAt.Date)
            .Select(g => new { Day = g.Key, Billed = g.Sum(r => (long)r.TotalTokens), Precached = g.Sum(r => (long)r.PrecachedPromptTokens), Classification = g.Sum(r => (long)r.ClassificationTokens) })
            .ToDictionaryAsync(x => DateOnly.FromDateTime(x.Day), ct);
        var tokensPerDay = Enumerable.Range(0, (int)Math.Ceiling(length.TotalDays) + 1).Select(i => DateOnly.FromDateTime(start.Date.AddDays(i)))
            .Where(d => d <= DateOnly.FromDateTime(now))
            .Select(d => daily.TryGetValue(d, out var t) ? new DailyTokens(d, t.Billed, t.Precached, t.Classification) : new DailyTokens(d, 0, 0, 0)).ToList();

        // Model calls per minute, against GIGACHAT_MAX_REQUESTS_PER_MINUTE: the busiest minute of the period and the last minute.
        var peak = await inPeriod.Where(r => r.GigaChatMs != null && r.CompletedAt != null)
            .GroupBy(r => new { r.CompletedAt!.Value.Date, r.CompletedAt!.Value.Hour, r.CompletedAt!.Value.Minute })
            .Select(g => new { g.Key.Date, g.Key.Hour, g.Key.Minute, Count = g.Count() })
            .OrderByDescending(x => x.Count).FirstOrDefaultAsync(ct);
        var windowStartMs = time.GetUtcNow().AddMinutes(-1).ToUnixTimeMilliseconds();
        var grantedLastMinute = await db.QuotaGrants.CountAsync(g => g.GrantedAtMs >= windowStartMs, ct);
        var quota = new QuotaUse(gigaChat.Value.MaxRequestsPerMinute, grantedLastMinute, peak?.Count ?? 0,
            peak is null ? null : DateTime.SpecifyKind(peak.Date.AddHours(peak.Hour).AddMinutes(peak.Minute), DateTimeKind.Utc));

        var byKey = await inPeriod.GroupBy(r => r.ClientKeyId).Select(g => new { Id = g.Key, Requests = g.Count(), Tokens = g.Sum(r => (long)r.TotalTokens + r.ClassificationTokens) })
            .OrderByDescending(g => g.Tokens).Take(10).ToListAsync(ct);
        var ids = byKey.Where(k => k.Id != null).Select(k => k.Id!.Value).ToList();
        var names = await db.ClientKeys.AsNoTracking().Where(k => ids.Contains(k.Id)).ToDictionaryAsync(k => k.Id, k => (k.Name, k.Prefix), ct);
        var topKeys = byKey.Select(k => k.Id is { } id && names.TryGetValue(id, out var n)
            ? new TopKey(id, n.Name, n.Prefix, k.Requests, k.Tokens)
            : new TopKey(k.Id, k.Id is null ? "без ключа" : "удалённый ключ", null, k.Requests, k.Tokens)).ToList();

        var finished = summary.ByStatus.GetValueOrDefault(RequestStatus.Completed) + summary.ByStatus.GetValueOrDefault(RequestStatus.Failed);
        double? successRate = finished == 0 ? null : Math.Round(100.0 * summary.ByStatus.GetValueOrDefault(RequestStatus.Completed) / finished, 1);
        return TypedResults.Ok(new AdminDashboard(summary, successRate, bucketMinutes, timeline, tokensPerDay, quota, topKeys));
    }

    private sealed record BucketRow(DateTime Day, int Minutes, string Status, int Count, int CacheHits);

    /// <summary>Requests per status in buckets of 5 minutes, an hour, 6 hours or a day (minutes from the day's start).</summary>
    private static Task<List<BucketRow>> BucketsAsync(IQueryable<AiRequest> requests, int bucketMinutes, CancellationToken ct) => bucketMinutes switch
    {
        5 => requests.GroupBy(r => new { r.CreatedAt.Date, r.CreatedAt.Hour, Part = r.CreatedAt.Minute / 5, r.Status })
            .Select(g => new BucketRow(g.Key.Date, g.Key.Hour * 60 + g.Key.Part * 5, g.Key.Status, g.Count(), g.Sum(r => r.CachedFromId != null ? 1 : 0))).ToListAsync(ct),
        60 => requests.GroupBy(r => new { r.CreatedAt.Date, r.CreatedAt.Hour, r.Status })
            .Select(g => new BucketRow(g.Key.Date, g.Key.Hour * 60, g.Key.Status, g.Count(), g.Sum(r => r.CachedFromId != null ? 1 : 0))).ToListAsync(ct),
        360 => requests.GroupBy(r => new { r.CreatedAt.Date, Part = r.CreatedAt.Hour / 6, r.Status })
            .Select(g => new BucketRow(g.Key.Date, g.Key.Part * 360, g.Key.Status, g.Count(), g.Sum(r => r.CachedFromId != null ? 1 : 0))).ToListAsync(ct),
        _ => requests.GroupBy(r => new { r.CreatedAt.Date, r.Status })
            .Select(g => new BucketRow(g.Key.Date, 0, g.Key.Status, g.Count(), g.Sum(r => r.CachedFromId != null ? 1 : 0))).ToListAsync(ct),
    };

    private static DateTime Floor(DateTime t, int minutes) =>
        new(t.Ticks - t.Ticks % TimeSpan.FromMinutes(minutes).Ticks, DateTimeKind.Utc);
}
