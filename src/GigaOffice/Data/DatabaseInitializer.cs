using GigaOffice.Configuration;
using GigaOffice.Prompts;
using GigaOffice.Data.Postgres;
using GigaOffice.Data.Sqlite;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace GigaOffice.Data;

/// <summary>
/// Migrates and seeds at start. The first try blocks start-up briefly so that a healthy setup is
/// ready when it begins listening; if the database is down the service starts anyway, reports
/// unhealthy and keeps trying in the background.
/// </summary>
public sealed class DatabaseInitializer(IServiceProvider services, DatabaseReadiness readiness,
    Microsoft.Extensions.Options.IOptions<DatabaseOptions> options, ILogger<DatabaseInitializer> logger) : IHostedService
{
    private readonly CancellationTokenSource _stopping = new();
    private Task? _retrying;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.MigrateOnStart)
        {
            readiness.MarkReady();
            return;
        }
        if (await TryOnceAsync(cancellationToken)) return;
        _retrying = Task.Run(() => RetryAsync(_stopping.Token), CancellationToken.None);
    }

    private async Task RetryAsync(CancellationToken cancellationToken)
    {
        var delay = TimeSpan.FromSeconds(1);
        while (!cancellationToken.IsCancellationRequested)
        {
            try { await Task.Delay(delay, cancellationToken); }
            catch (OperationCanceledException) { return; }
            if (await TryOnceAsync(cancellationToken)) return;
            delay = TimeSpan.FromSeconds(Math.Min(30, delay.TotalSeconds * 2));
        }
    }

    private async Task<bool> TryOnceAsync(CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await DatabaseSetup.MigrateAndSeedAsync(services, cancellationToken);
                readiness.LastError = null;
                readiness.MarkReady();
                logger.LogInformation("Database is migrated and prompts are seeded");
                return true;
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && attempt < 3 && DatabaseErrors.IsUniqueViolation(ex))
            {
                // Instances started together on an empty database seed the same prompts; one wins,
                // the others see its rows on the next pass. Not an outage, so not an error.
                logger.LogInformation("Another instance seeded the prompts at the same time; seeding again");
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                readiness.LastError = ex.GetType().Name;
                logger.LogError(ex, "Database is not available yet; retrying in the background");
                return false;
            }
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        if (_retrying is not null) await _retrying.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }
}
