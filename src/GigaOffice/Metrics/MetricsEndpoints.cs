using GigaOffice.Clients;
using GigaOffice.Data;
using GigaOffice.Prompts;
using GigaOffice.Queue;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace GigaOffice.Metrics;

public sealed record MetricsPeriod(DateTime? From, DateTime To);
public sealed record CategoryCounts(int Total, int Completed, int Failed, int InProgress);
public sealed record DurationSummary(int Count, double? Average, double? P50, double? P95, double? P99, double? Max);
public sealed record TokenTotals(long Prompt, long Completion, long Total)
{
    /// <summary>The part of <see cref="Prompt"/> GigaChat served from its session cache (X-Session-ID): what the caching saves.</summary>
    public long Precached { get; init; }
}

public sealed record MetricsSummary(
    MetricsPeriod Period, int TotalRequests, Dictionary<string, int> ByStatus, Dictionary<string, CategoryCounts> ByCategory,
    DurationSummary ProcessingTimeMs, DurationSummary GigaChatTimeMs, TokenTotals Tokens, Dictionary<string, int> Errors, long QueueDepth)
{
    /// <summary>Requests answered from the result cache (no GigaChat call, no tokens).</summary>
    public int CacheHits { get; init; }
    /// <summary>Tokens spent classifying requests with GigaChat (not part of <see cref="Tokens"/>).</summary>
    public long ClassificationTokens { get; init; }
    /// <summary>
    /// Requests by who chose their category: client (named it), offline (no GigaChat call), model
    /// (a classification call), function (the answering call chose).
    /// </summary>
    public Dictionary<string, int> ClassifiedBy { get; init; } = [];
    /// <summary>User ratings given in the period, per category and prompt version.</summary>
    public List<FeedbackSummary> Feedback { get; init; } = [];
    /// <summary>Calls of the OpenAI-compatible API (/v1) in the period.</summary>
    [System.Text.Json.Serialization.JsonPropertyName("openai")]
    public OpenAi.OpenAiUsageSummary? OpenAi { get; init; }
}

public sealed record FeedbackSummary(string Category, int? PromptVersion, int Count, double AverageRating, Dictionary<string, int> Ratings);

/// <summary>
/// A usage summary computed from the stored requests, so it survives restarts and covers every
/// instance that shares the database.
/// </summary>
public static class MetricsEndpoints
{
    /// <summary>Percentiles are computed over at most this many latest requests of the period.</summary>
    private const int DurationSampleLimit = 100_000;

    public static IEndpointRouteBuilder MapUsageMetrics(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/metrics").WithTags("Метрики").RequireClientAccess().WithClientLimits();
        group.MapGet("", SummaryAsync).Free()
            .WithSummary("Статистика использования")
            .WithDescription("period: 1h, 24h (по умолчанию), 7d, 30d или all; либо from/to в ISO 8601 (UTC).");
        return app;
    }

    internal static async Task<Results<Ok<MetricsSummary>, ValidationProblem>> SummaryAsync(
        GigaOfficeDbContext db, IRequestQueue queue, TimeProvider time, HttpContext http, string? period, DateTime? from, DateTime? to, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        DateTime? start = period?.Trim().ToLowerInvariant() switch
        {
            null or "" => from is null && to is null ? now.AddHours(-24) : null,
            "1h" => now.AddHours(-1),
            "24h" or "1d" => now.AddHours(-24),
            "7d" => now.AddDays(-7),
            "30d" => now.AddDays(-30),
            "all" => null,
            _ => DateTime.MaxValue,
        };
        if (start == DateTime.MaxValue)
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["period"] = ["Допустимо: 1h, 24h, 7d, 30d, all."] });
        start = from?.ToUniversalTime() ?? start;
        var end = to?.ToUniversalTime() ?? now;
        if (start > end)
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["from"] = ["Начало периода позже его конца."] });

        // A client sees its own usage; without authentication the summary covers everyone.
        var scope = db.Requests.AsNoTracking().ForClient(http).Where(r => r.CreatedAt <= end);
        if (start is { } s) scope = scope.Where(r => r.CreatedAt >= s);

        var groups = await scope.GroupBy(r => new { r.Category, r.Status }).Select(g => new { g.Key.Category, g.Key.Status, Count = g.Count() }).ToListAsync(ct);
        var byStatus = RequestStatus.All.ToDictionary(st => st, st => groups.Where(g => g.Status == st).Sum(g => g.Count));
        var byCategory = groups.GroupBy(g => g.Category).ToDictionary(g => g.Key, g => new CategoryCounts(
            g.Sum(x => x.Count),
            g.Where(x => x.Status == RequestStatus.Completed).Sum(x => x.Count),
            g.Where(x => x.Status == RequestStatus.Failed).Sum(x => x.Count),
            g.Where(x => x.Status is RequestStatus.Queued or RequestStatus.Processing).Sum(x => x.Count)));
        var errors = await scope.Where(r => r.ErrorCode != null).GroupBy(r => r.ErrorCode!)
            .Select(g => new { Code = g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Code, g => g.Count, ct);
        var tokens = await scope.GroupBy(_ => 1).Select(g => new TokenTotals(
            g.Sum(r => (long)r.PromptTokens), g.Sum(r => (long)r.CompletionTokens), g.Sum(r => (long)r.TotalTokens))
            { Precached = g.Sum(r => (long)r.PrecachedPromptTokens) }).FirstOrDefaultAsync(ct);
        var durations = await scope.Where(r => r.ProcessingMs != null).OrderByDescending(r => r.CreatedAt).Take(DurationSampleLimit)
            .Select(r => new { Total = r.ProcessingMs!.Value, GigaChat = r.GigaChatMs }).ToListAsync(ct);

        // The shared queue's depth would tell a client about the others' traffic: it sees its own queued requests.
        var queueDepth = http.GetClient() is null ? queue.ApproximateDepth
            : await db.Requests.ForClient(http).LongCountAsync(r => r.Status == RequestStatus.Queued, ct);
        var cacheHits = await scope.CountAsync(r => r.CachedFromId != null, ct);
        var classificationTokens = await scope.SumAsync(r => (long)r.ClassificationTokens, ct);
        var sources = await scope.GroupBy(r => r.ClassifiedBy).Select(g => new { Source = g.Key, Count = g.Count() }).ToListAsync(ct);
        // Rows from before the source was recorded for every request have none: their client named the category.
        var classifiedBy = new[] { ClassificationSource.Client, ClassificationSource.Offline, ClassificationSource.Model, ClassificationSource.Function }
            .ToDictionary(source => source, source => sources.Where(x => (x.Source ?? ClassificationSource.Client) == source).Sum(x => x.Count));
        foreach (var other in sources.Where(x => x.Source is not null && !classifiedBy.ContainsKey(x.Source)))
            classifiedBy[other.Source!] = other.Count;
        var feedback = db.Feedback.AsNoTracking().Where(f => f.CreatedAt <= end);
        // Ratings of the caller's own requests only.
        if (http.GetClient() is { } client) feedback = feedback.Where(f => db.Requests.Any(r => r.Id == f.RequestId && r.ClientKeyId == client.Id));
        if (start is { } fs) feedback = feedback.Where(f => f.CreatedAt >= fs);
        var ratings = await feedback.GroupBy(f => new { f.Category, f.PromptVersion, f.Rating })
            .Select(g => new { g.Key.Category, g.Key.PromptVersion, g.Key.Rating, Count = g.Count() }).ToListAsync(ct);
        var feedbackSummary = ratings.GroupBy(r => (r.Category, r.PromptVersion)).OrderBy(g => g.Key.Category).ThenBy(g => g.Key.PromptVersion)
            .Select(g => new FeedbackSummary(g.Key.Category, g.Key.PromptVersion, g.Sum(x => x.Count),
                Math.Round(g.Sum(x => (double)x.Rating * x.Count) / g.Sum(x => x.Count), 2),
                Enumerable.Range(1, 5).ToDictionary(r => r.ToString(System.Globalization.CultureInfo.InvariantCulture), r => g.Where(x => x.Rating == r).Sum(x => x.Count))))
            .ToList();

        return TypedResults.Ok(new MetricsSummary(
            new MetricsPeriod(start, end), groups.Sum(g => g.Count), byStatus, byCategory,
            Summarize(durations.Select(d => d.Total)), Summarize(durations.Where(d => d.GigaChat.HasValue).Select(d => d.GigaChat!.Value)),
            tokens ?? new TokenTotals(0, 0, 0), errors, queueDepth)
        {
            CacheHits = cacheHits,
            ClassificationTokens = classificationTokens,
            ClassifiedBy = classifiedBy,
            Feedback = feedbackSummary,
            OpenAi = await global::GigaOffice.OpenAi.OpenAiCallLog.SummaryAsync(db, http, start, end, ct),
        });
    }

    private static DurationSummary Summarize(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0) return new DurationSummary(0, null, null, null, null, null);
        double P(double q) => Math.Round(sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)], 2);
        return new DurationSummary(sorted.Length, Math.Round(sorted.Average(), 2), P(0.5), P(0.95), P(0.99), Math.Round(sorted[^1], 2));
    }
}
