using System.Globalization;
using System.Threading.RateLimiting;
using GigaOffice.Configuration;
using GigaOffice.Data;
using GigaOffice.Metrics;
using GigaOffice.Prompts;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace GigaOffice.Clients;

/// <summary>
/// Each key's own limits on accepting requests: requests per minute (a sliding window per key, in
/// this instance; nginx routes a key to one instance, see deploy/nginx) and a daily token budget
/// (from the database, so it holds across instances and restarts).
/// </summary>
public static class ClientLimits
{
    public const string RateLimitPolicy = "client-key";

    public static void AddClientRateLimiting(this IServiceCollection services) =>
        services.AddRateLimiter(o =>
        {
            o.AddPolicy(RateLimitPolicy, http => http.GetClient() is { } client && http.IsLimited()
                // The limit is part of the partition key, so a changed limit takes effect at once.
                ? RateLimitPartition.GetSlidingWindowLimiter($"{client.Id:N}:{client.RequestsPerMinute}", _ => new SlidingWindowRateLimiterOptions
                {
                    PermitLimit = client.RequestsPerMinute,
                    Window = TimeSpan.FromMinutes(1),
                    SegmentsPerWindow = 6,
                    QueueLimit = 0,
                })
                : RateLimitPartition.GetNoLimiter("open"));
            o.OnRejected = async (context, cancellationToken) =>
            {
                // A sliding window frees permits segment by segment: one segment is the honest hint.
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(10);
                var http = context.HttpContext;
                http.RequestServices.GetRequiredService<GigaOfficeMetrics>().ClientRejected("requests_per_minute");
                await TooManyRequests(http, retryAfter, "Превышен лимит запросов в минуту",
                    $"Ключу разрешено {http.GetClient()?.RequestsPerMinute} запросов в минуту.").ExecuteAsync(http);
            };
        });

    public static ProblemHttpResult TooManyRequests(HttpContext http, TimeSpan retryAfter, string title, string detail)
    {
        var seconds = (long)Math.Max(1, Math.Ceiling(retryAfter.TotalSeconds));
        http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        return TypedResults.Problem(title: title, detail: detail, statusCode: StatusCodes.Status429TooManyRequests,
            type: "https://gigaoffice/problems/client-limit",
            extensions: new Dictionary<string, object?> { ["retry_after_seconds"] = seconds });
    }
}

/// <summary>
/// Refuses new work once the key's requests created today (UTC) used or reserved its daily token
/// budget (<see cref="TokenReservations"/>, plus <see cref="UnrecordedTokens"/> in this instance). The
/// check and the accept run under the key's lock, so parallel requests see each other's reservations;
/// a chat call lets go of the lock once it has reserved its estimate (<see cref="BudgetHold"/>).
/// </summary>
public sealed class DailyTokenBudgetFilter(
    ClientKeyStore keys, GigaOfficeDbContext db, PromptCatalog prompts, ClientKeyLocks locks, UnrecordedTokens unrecorded, IOptions<GigaChatOptions> gigaChat,
    TimeProvider time, GigaOfficeMetrics metrics)
    : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (http.GetClient() is not { DailyTokenBudget: > 0 } client || !http.IsLimited()) return await next(context);
        long committed;
        var gate = locks.For(client.Id);
        await gate.WaitAsync(http.RequestAborted);
        var hold = new BudgetHold(gate, unrecorded, client.Id);
        try
        {
            var snapshot = await prompts.GetAsync(http.RequestAborted);
            committed = await TokenReservations.CommittedTodayAsync(db, snapshot, client.Id, keys.DayStart(), gigaChat.Value.MaxTokensPerRequest, http.RequestAborted)
                        + unrecorded.Of(client.Id);
            if (committed < client.DailyTokenBudget)
            {
                http.Features.Set(hold);
                return await next(context);
            }
        }
        finally
        {
            hold.Release();
        }

        metrics.ClientRejected("daily_token_budget");
        var untilMidnight = keys.DayStart().AddDays(1) - time.GetUtcNow().UtcDateTime;
        return ClientLimits.TooManyRequests(http, untilMidnight, "Исчерпан дневной бюджет токенов",
            $"Ключ израсходовал или зарезервировал {committed} из {client.DailyTokenBudget} токенов за сегодня (UTC). Бюджет обновится в полночь UTC.");
    }
}
