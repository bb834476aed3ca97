using GigaOffice.Data;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace GigaOffice.Admin;

public sealed record AdminRequestRow(
    Guid RequestId, string Status, string Category, string QueryText, string? CorrelationId, Guid? ClientKeyId, string? KeyName,
    string? ErrorCode, int TotalTokens, double? ProcessingMs, bool Cached, DateTime CreatedAt);

public sealed record FeedbackDay(DateOnly Day, int Count, double AverageRating, Dictionary<string, int> Ratings);
public sealed record LowRatedAnswer(Guid RequestId, int Rating, string? Comment, string Category, int? PromptVersion, string? QueryText, DateTime CreatedAt);
public sealed record AdminFeedback(int Count, double? AverageRating, List<FeedbackDay> Days, List<LowRatedAnswer> LowRated);

/// <summary>Request search and feedback for the console; both read across all clients.</summary>
public static class AdminRequestSearch
{
    public const int MaxResults = 200;

    internal static async Task<Results<Ok<List<AdminRequestRow>>, ValidationProblem>> SearchAsync(
        GigaOfficeDbContext db, TimeProvider time, string? id, string? correlation_id, string? key, string? status, string? category,
        string? period, int? limit, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        Guid? requestId = null;
        if (!string.IsNullOrWhiteSpace(id))
        {
            if (Guid.TryParse(id.Trim(), out var parsed)) requestId = parsed;
            else errors["id"] = ["Идентификатор запроса должен быть UUID."];
        }
        if (status is { Length: > 0 } && !RequestStatus.All.Contains(status)) errors["status"] = ["Допустимо: " + string.Join(", ", RequestStatus.All) + "."];
        var length = AdminDashboardEndpoints.PeriodLength(period);
        if (period is { Length: > 0 } && period != "all" && length is null) errors["period"] = ["Допустимо: 1h, 24h, 7d, 30d, all."];
        if (limit is < 1 or > MaxResults) errors["limit"] = [$"От 1 до {MaxResults}."];
        if (new[] { correlation_id, key, category }.Any(s => s is { Length: > 200 })) errors["query"] = ["Слишком длинное условие поиска."];
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "Запрос не прошёл проверку");

        var query = db.Requests.AsNoTracking().AsQueryable();
        if (requestId is { } rid) query = query.Where(r => r.Id == rid);
        if (!string.IsNullOrWhiteSpace(correlation_id)) query = query.Where(r => r.CorrelationId == correlation_id.Trim());
        if (!string.IsNullOrWhiteSpace(status)) query = query.Where(r => r.Status == status);
        if (!string.IsNullOrWhiteSpace(category)) query = query.Where(r => r.Category == category.Trim());
        if (!string.IsNullOrWhiteSpace(key))
        {
            var k = key.Trim();
            var keyIds = Guid.TryParse(k, out var keyGuid) ? [keyGuid]
                : await db.ClientKeys.AsNoTracking().Where(c => c.Prefix == k || c.Name == k).Select(c => c.Id).ToListAsync(ct);
            query = query.Where(r => r.ClientKeyId != null && keyIds.Contains(r.ClientKeyId.Value));
        }
        if (length is { } l)
        {
            var start = time.GetUtcNow().UtcDateTime - l;
            query = query.Where(r => r.CreatedAt >= start);
        }

        // Failed first: they are what an admin comes looking for.
        var rows = await query.OrderBy(r => r.Status == RequestStatus.Failed ? 0 : 1).ThenByDescending(r => r.CreatedAt).Take(limit ?? 50)
            .Select(r => new { r.Id, r.Status, r.Category, r.QueryText, r.CorrelationId, r.ClientKeyId, r.ErrorCode, r.TotalTokens, r.ProcessingMs, Cached = r.CachedFromId != null, r.CreatedAt })
            .ToListAsync(ct);
        var ids = rows.Where(r => r.ClientKeyId != null).Select(r => r.ClientKeyId!.Value).Distinct().ToList();
        var names = await db.ClientKeys.AsNoTracking().Where(c => ids.Contains(c.Id)).ToDictionaryAsync(c => c.Id, c => c.Name, ct);
        return TypedResults.Ok(rows.Select(r => new AdminRequestRow(r.Id, r.Status, r.Category, Shorten(r.QueryText), r.CorrelationId, r.ClientKeyId,
            r.ClientKeyId is { } kid ? names.GetValueOrDefault(kid) : null, r.ErrorCode, r.TotalTokens, r.ProcessingMs, r.Cached, r.CreatedAt)).ToList());
    }

    internal static async Task<Results<Ok<AdminFeedback>, ValidationProblem>> FeedbackAsync(
        GigaOfficeDbContext db, TimeProvider time, string? period, int? max_rating, CancellationToken ct)
    {
        if (AdminDashboardEndpoints.PeriodLength(period ?? "30d") is not { } length) return AdminDashboardEndpoints.InvalidPeriod();
        if (max_rating is < 1 or > 5)
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["max_rating"] = ["От 1 до 5."] }, title: "Запрос не прошёл проверку");
        var start = time.GetUtcNow().UtcDateTime - length;
        var ratings = await db.Feedback.AsNoTracking().Where(f => f.CreatedAt >= start).Select(f => new { f.CreatedAt, f.Rating }).ToListAsync(ct);
        var days = ratings.GroupBy(f => DateOnly.FromDateTime(f.CreatedAt)).OrderBy(g => g.Key)
            .Select(g => new FeedbackDay(g.Key, g.Count(), Math.Round(g.Average(f => f.Rating), 2),
                Enumerable.Range(1, 5).ToDictionary(r => r.ToString(System.Globalization.CultureInfo.InvariantCulture), r => g.Count(f => f.Rating == r))))
            .ToList();
        var threshold = max_rating ?? 2;
        var low = await db.Feedback.AsNoTracking().Where(f => f.CreatedAt >= start && f.Rating <= threshold)
            .OrderByDescending(f => f.CreatedAt).Take(MaxResults)
            .Select(f => new { f.RequestId, f.Rating, f.Comment, f.Category, f.PromptVersion, f.CreatedAt }).ToListAsync(ct);
        var lowIds = low.Select(f => f.RequestId).ToList();
        var queries = await db.Requests.AsNoTracking().Where(r => lowIds.Contains(r.Id)).ToDictionaryAsync(r => r.Id, r => r.QueryText, ct);
        return TypedResults.Ok(new AdminFeedback(ratings.Count, ratings.Count == 0 ? null : Math.Round(ratings.Average(f => f.Rating), 2), days,
            low.Select(f => new LowRatedAnswer(f.RequestId, f.Rating, f.Comment, f.Category, f.PromptVersion,
                queries.TryGetValue(f.RequestId, out var q) ? Shorten(q) : null, f.CreatedAt)).ToList()));
    }

    private static string Shorten(string text) => text.Length <= 300 ? text : text[..300] + "…";
}
