using GigaOffice.Configuration;
using GigaOffice.Data;
using GigaOffice.Requests;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace GigaOffice.Queue;

/// <summary>Feeds queue notices to the request processor once the database is ready.</summary>
public sealed class QueueWorker(
    IRequestQueue queue, RequestProcessor processor, Events.RequestEventHub events, DatabaseReadiness database, IOptions<WorkerOptions> options, ILogger<QueueWorker> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await database.WaitAsync(stoppingToken);
        logger.LogInformation("Worker consuming from the {Queue} queue with concurrency {Concurrency}", queue.Name, options.Value.Concurrency);
        await queue.ConsumeAsync(async (id, ct) =>
        {
            var outcome = await processor.ProcessAsync(id, ct);
            events.Processed(id); // streams here learn the outcome at once, without waiting for a poll or a notification
            return outcome;
        }, options.Value.Concurrency, stoppingToken);
    }
}
