using System.Threading.Channels;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using GigaOffice.Configuration;
using GigaOffice.Data;
using GigaOffice.Requests;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace GigaOffice.Queue.Kafka;

/// <summary>
/// The transactional outbox's relay: publishes a notice for every committed request whose
/// <see cref="AiRequest.PublishedAt"/> is null (and that is due), then marks it published. While the
/// broker is down the rows simply wait; nothing accepted is lost. Instances sharing a PostgreSQL
/// database take turns through an advisory lock, so a backlog is not published once per instance.
/// </summary>
public sealed class OutboxRelay(
    IServiceScopeFactory scopes, IRequestStore store, KafkaProducer producer, OutboxSignal signal, DatabaseReadiness database,
    IOptions<KafkaOptions> options, TimeProvider time, ILogger<OutboxRelay> logger) : BackgroundService
{
    private const int BatchSize = 500;
    /// <summary>Arbitrary but fixed: the advisory lock's key ("GigaOutb").</summary>
    private const long LockKey = 0x476967614F757462;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await database.WaitAsync(stoppingToken);
        await KafkaTopics.EnsureAsync(options.Value, logger, stoppingToken);
        var poll = TimeSpan.FromMilliseconds(options.Value.OutboxPollMs);
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                while (await PublishBatchAsync(stoppingToken) == BatchSize) { }
                if (failures > 0) logger.LogInformation("Outbox relay is publishing again after {Failures} failed rounds", failures);
                failures = 0;
                signal.LastError = null;
                signal.FailingSince = null;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                failures++;
                signal.LastError = ex is ProduceException<string, string> p ? "kafka: " + p.Error.Reason : ex.GetType().Name;
                signal.FailingSince ??= time.GetUtcNow().UtcDateTime;
                // Requests keep waiting in the outbox; one warning per outage is enough at this level.
                logger.Log(failures == 1 ? LogLevel.Warning : LogLevel.Debug,
                    "Outbox relay could not publish ({Error}); {Backlog} requests wait in the outbox, retrying", signal.LastError, signal.Backlog);
            }
            try
            {
                if (failures == 0) await signal.WaitAsync(poll, stoppingToken);
                else await Task.Delay(TimeSpan.FromSeconds(Math.Min(10, failures)), time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    /// <summary>Publishes up to one batch; returns how many were published.</summary>
    public async Task<int> PublishBatchAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GigaOfficeDbContext>();
        // The retrying strategy replays the whole unit; a replay may publish a notice twice, which consumers tolerate.
        return await db.Database.CreateExecutionStrategy().ExecuteAsync(async ct =>
        {
            var postgres = db.Database.IsNpgsql();
            await using var transaction = postgres ? await db.Database.BeginTransactionAsync(ct) : null;
            if (postgres && !await db.Database.SqlQuery<bool>($"SELECT pg_try_advisory_xact_lock({LockKey}) AS \"Value\"").SingleAsync(ct))
                return 0; // another instance is publishing right now

            var now = time.GetUtcNow().UtcDateTime;
            var unpublished = store.Claimable(db, now).Where(r => r.PublishedAt == null);
            var batch = await unpublished.OrderBy(r => r.CreatedAt).Select(r => new { r.Id, r.CreatedAt, r.Attempts }).Take(BatchSize).ToListAsync(ct);
            signal.Backlog = batch.Count < BatchSize ? batch.Count : await unpublished.LongCountAsync(ct);
            if (batch.Count == 0) return 0;

            var topic = options.Value.TopicRequests;
            var deliveries = batch.Select(r => producer.ProduceAsync(topic, KafkaMessages.Request(r.Id, r.CreatedAt), ct)).ToList();
            try { await Task.WhenAll(deliveries); }
            catch (Exception) when (deliveries.Any(d => d.IsCompletedSuccessfully)) { }
            var delivered = batch.Where((_, i) => deliveries[i].IsCompletedSuccessfully).ToList();

            // Only rows nobody claimed meanwhile: a worker may already have taken the notice, failed and
            // put the request back into the outbox, and that later entry must stay.
            foreach (var sameAttempts in delivered.GroupBy(r => r.Attempts))
            {
                var ids = sameAttempts.Select(r => r.Id).ToList();
                await db.Requests.Where(r => ids.Contains(r.Id) && r.Attempts == sameAttempts.Key && r.PublishedAt == null)
                    .ExecuteUpdateAsync(s => s.SetProperty(r => r.PublishedAt, now), ct);
            }
            if (transaction is not null) await transaction.CommitAsync(ct);
            signal.Backlog -= delivered.Count;
            if (delivered.Count < batch.Count)
                await deliveries.First(d => !d.IsCompletedSuccessfully); // rethrows the broker's error
            return delivered.Count;
        }, cancellationToken);
    }
}
