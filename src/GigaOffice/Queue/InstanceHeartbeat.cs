using GigaOffice.Configuration;
using GigaOffice.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace GigaOffice.Queue;

/// <summary>This process as one instance of the deployment; a restart is a new instance.</summary>
public sealed class ThisInstance(TimeProvider time)
{
    public Guid Id { get; } = Guid.CreateVersion7();

    public DateTime StartedAt { get; } = time.GetUtcNow().UtcDateTime;
}

/// <summary>
/// With the in-process queue, keeps this instance's row in <c>service_instances</c> alive, so the
/// recovery sweeps of other instances on the same database leave its requests to it
/// (<see cref="RequestRecoveryService"/>). That makes a queued request of its own read by its
/// workers alone, which lets them call the model while the claim is written
/// (<see cref="Requests.RequestProcessor"/>). A graceful stop deletes the row, so the others take
/// up what is left at their next sweep; after a crash they wait for the heartbeat to lapse.
/// </summary>
public sealed class InstanceHeartbeat(
    IServiceScopeFactory scopes, ThisInstance instance, DatabaseReadiness database, IOptions<WorkerOptions> options,
    TimeProvider time, ILogger<InstanceHeartbeat> logger) : BackgroundService
{
    /// <summary>Instances dead this long are forgotten (their requests are taken up well before).</summary>
    private static readonly TimeSpan ForgetAfter = TimeSpan.FromHours(1);

    private TimeSpan Timeout => TimeSpan.FromSeconds(options.Value.InstanceTimeoutSeconds);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await database.WaitAsync(stoppingToken);
        var first = true;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await BeatAsync(forgetDead: first, stoppingToken);
                first = false;
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning("Instance heartbeat failed: {Error}; will try again", ex.Message);
            }
            try { await Task.Delay(Timeout / 4, time, stoppingToken); }
            catch (OperationCanceledException) { break; }
        }
    }

    public async Task BeatAsync(bool forgetDead, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GigaOfficeDbContext>();
        var now = time.GetUtcNow().UtcDateTime;
        var aliveUntil = now + Timeout;
        if (await db.Instances.Where(i => i.Id == instance.Id)
                .ExecuteUpdateAsync(s => s.SetProperty(i => i.AliveUntil, aliveUntil), cancellationToken) == 0)
        {
            db.Instances.Add(new ServiceInstance { Id = instance.Id, StartedAt = instance.StartedAt, AliveUntil = aliveUntil });
            await db.SaveChangesAsync(cancellationToken);
        }
        if (forgetDead)
        {
            var forgetBefore = now - ForgetAfter;
            await db.Instances.Where(i => i.AliveUntil < forgetBefore).ExecuteDeleteAsync(cancellationToken);
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (!database.IsReady) return;
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<GigaOfficeDbContext>();
            await db.Instances.Where(i => i.Id == instance.Id).ExecuteDeleteAsync(cancellationToken);
        }
        catch (Exception ex)
        {
            // The heartbeat lapses instead; the others take the requests up a little later.
            logger.LogWarning("Could not sign this instance off: {Error}", ex.Message);
        }
    }
}
