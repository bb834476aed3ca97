using GigaOffice.Configuration;
using GigaOffice.Data;
using GigaOffice.Requests;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace GigaOffice.Queue;

/// <summary>
/// Finds requests that should be in work but are not: queued ones whose notice was lost (the
/// process died after the commit) or whose retry is due, and processing ones whose worker died
/// (expired lease). With the in-process queue it publishes them again, queued ones only if they
/// are this instance's or their instance is dead; with a durable queue it puts them back into the
/// outbox once, for the relay to publish. The conditional claim makes repeats harmless.
/// </summary>
public sealed class RequestRecoveryService(
    IServiceScopeFactory scopes, IRequestStore store, IRequestQueue queue, DatabaseReadiness database, IOptions<WorkerOptions> options,
    IOptions<KafkaOptions> kafka, ThisInstance instance, TimeProvider time, ILogger<RequestRecoveryService> logger) : BackgroundService
{
    /// <summary>Freshly accepted requests were just published by the API; leave them alone a moment.</summary>
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(2);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await database.WaitAsync(stoppingToken);
        var interval = TimeSpan.FromSeconds(Math.Max(1, options.Value.RecoveryIntervalSeconds));
        var first = true;
        while (!stoppingToken.IsCancellationRequested)
        {
            var wait = interval;
            try
            {
                var count = await SweepAsync(includeFresh: first, stoppingToken);
                if (count > 0) logger.LogInformation("Recovery sweep re-published {Count} requests", count);
                first = false;
                // A silent instance's requests are taken up as soon as its heartbeat lapses, not up to
                // an interval later: after a crash and restart, the new process waits for the old one's.
                if (!queue.IsDurable && await NextLapseAsync(stoppingToken) is { } lapse)
                {
                    var untilLapse = lapse - time.GetUtcNow().UtcDateTime + LapseMargin;
                    if (untilLapse < wait) wait = untilLapse < LapseMargin ? LapseMargin : untilLapse;
                }
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(ex, "Recovery sweep failed; will try again");
            }
            try { await Task.Delay(wait, time, stoppingToken); }
            catch (OperationCanceledException) { break; }
        }
    }

    private static readonly TimeSpan LapseMargin = TimeSpan.FromMilliseconds(100);

    /// <summary>When the first other live instance that holds queued requests stops counting as alive, if it holds any.</summary>
    public async Task<DateTime?> NextLapseAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GigaOfficeDbContext>();
        var now = time.GetUtcNow().UtcDateTime;
        return await db.Instances
            .Where(i => i.Id != instance.Id && i.AliveUntil >= now
                && db.Requests.Any(r => r.AcceptedBy == i.Id && r.Status == RequestStatus.Queued))
            .Select(i => (DateTime?)i.AliveUntil).MinAsync(cancellationToken);
    }

    public async Task<int> SweepAsync(bool includeFresh, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        if (queue.IsDurable)
            // Published notices survive in the broker, so only requests nobody will pick up again go
            // back into the outbox (the relay polls it): a dead worker's, queued again once, and, as a
            // safety net, queued ones whose notice the broker should have delivered long ago.
            return await store.ReturnToOutboxAsync(now, now.AddMinutes(-Math.Max(1, kafka.Value.RepublishAfterMinutes)), cancellationToken);
        // Queued requests of other live instances are theirs (InstanceHeartbeat); one whose worker died
        // while processing is anyone's once its lease runs out.
        var ids = await store.FindRecoverableAsync(instance.Id, now, includeFresh ? now.AddYears(1) : now - Grace, 1000, cancellationToken);
        foreach (var id in ids) await queue.PublishAsync(id, cancellationToken);
        return ids.Count;
    }
}
