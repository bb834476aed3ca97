using GigaOffice.Configuration;
using GigaOffice.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using GigaOffice.Data.Postgres;

namespace GigaOffice.Events;

/// <summary>
/// PostgreSQL: a trigger on ai_requests NOTIFYs every status change (migration
/// OpenAiCallsAndStatusEvents), whichever instance or path made it; <see cref="PostgresNotifications"/>
/// passes them here and this wakes the streams. After a lost connection every stream re-reads its
/// status, as notifications sent meanwhile are gone.
/// </summary>
public sealed class PostgresStatusListener(RequestEventHub hub) : IPostgresNotificationHandler
{
    public string Channel => "gigaoffice_request_status";

    public void Notified(string payload)
    {
        if (Guid.TryParse(payload, out var id)) hub.Changed(id);
    }

    public void Resubscribed() => hub.ChangedAll();
}

/// <summary>
/// SQLite (the embedded, single-instance default): this instance's worker wakes streams when it
/// finishes a request; every poll interval the statuses of the watched requests are read in one
/// query, which catches the rest (a request taken into work, returned to the queue).
/// </summary>
public sealed class SqliteStatusWatcher(
    RequestEventHub hub, IServiceScopeFactory scopes, IOptions<EventsOptions> options, DatabaseReadiness readiness,
    ILogger<SqliteStatusWatcher> logger) : BackgroundService
{
    private const int Batch = 500;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await readiness.WaitAsync(stoppingToken);
        var known = new Dictionary<Guid, (string Status, int Attempts)>();
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(options.Value.PollMilliseconds));
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            var watched = hub.Watched.ToList();
            foreach (var gone in known.Keys.Except(watched).ToList()) known.Remove(gone);
            if (watched.Count == 0) continue;
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<GigaOfficeDbContext>();
                foreach (var chunk in watched.Chunk(Batch))
                {
                    var rows = await db.Requests.AsNoTracking().Where(r => chunk.Contains(r.Id))
                        .Select(r => new { r.Id, r.Status, r.Attempts }).ToListAsync(stoppingToken);
                    foreach (var row in rows)
                    {
                        var now = (row.Status, row.Attempts);
                        if (known.TryGetValue(row.Id, out var before) && before == now) continue;
                        // A first sighting wakes too: the change may have come between the stream's read and this one.
                        known[row.Id] = now;
                        hub.Changed(row.Id);
                    }
                }
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogDebug("Could not read watched request statuses: {Error}", ex.GetType().Name);
            }
        }
    }
}
