using GigaOffice.Configuration;
using GigaOffice.Data;
using GigaOffice.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace GigaOffice.Retention;

public sealed record RetentionResult(int RequestsDeleted, int LogFilesDeleted);

/// <summary>
/// Deletes finished requests (with their results) and log files older than RETENTION_DAYS, so
/// tables and disks do not grow without bound. Several instances may purge at once: deleting
/// what is already gone is harmless. Requests still queued or in work are never touched.
/// </summary>
public sealed class RetentionService(
    IServiceScopeFactory scopes, DatabaseReadiness database, IOptions<RetentionOptions> options, LogSettings logs,
    TimeProvider time, ILogger<RetentionService> logger) : BackgroundService
{
    /// <summary>Small batches keep each delete's locks short on a busy table.</summary>
    private const int BatchSize = 1000;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Value.Days == 0)
        {
            logger.LogInformation("Retention is off (RETENTION_DAYS=0): requests and logs are kept forever");
            return;
        }
        try { await database.WaitAsync(stoppingToken); }
        catch (OperationCanceledException) { return; }
        var interval = TimeSpan.FromMinutes(options.Value.IntervalMinutes);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var result = await PurgeAsync(stoppingToken);
                if (result.RequestsDeleted + result.LogFilesDeleted > 0)
                    logger.LogInformation("Retention removed {Requests} requests and {Files} log files older than {Days} days",
                        result.RequestsDeleted, result.LogFilesDeleted, options.Value.Days);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(ex, "Retention purge failed; will try again");
            }
            try { await Task.Delay(interval, time, stoppingToken); }
            catch (OperationCanceledException) { break; }
        }
    }

    public async Task<RetentionResult> PurgeAsync(CancellationToken cancellationToken)
    {
        if (options.Value.Days == 0) return new RetentionResult(0, 0);
        var cutoff = time.GetUtcNow().UtcDateTime.AddDays(-options.Value.Days);

        var requests = 0;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<GigaOfficeDbContext>();
            int deleted;
            do
            {
                deleted = await db.Requests
                    .Where(r => r.CreatedAt < cutoff && (r.Status == RequestStatus.Completed || r.Status == RequestStatus.Failed))
                    .OrderBy(r => r.CreatedAt).Take(BatchSize)
                    .ExecuteDeleteAsync(cancellationToken);
                requests += deleted;
            } while (deleted == BatchSize);
            // The OpenAI-compatible API's call records age out with the requests.
            do
            {
                deleted = await db.OpenAiCalls.Where(c => c.CreatedAt < cutoff).OrderBy(c => c.CreatedAt).Take(BatchSize)
                    .ExecuteDeleteAsync(cancellationToken);
            } while (deleted == BatchSize);
        }
        return new RetentionResult(requests, PurgeLogFiles(cutoff));
    }

    /// <summary>Rolled files only; the file being written today is always newer than the cutoff.</summary>
    private int PurgeLogFiles(DateTime cutoff)
    {
        if (!Directory.Exists(logs.Directory)) return 0;
        var count = 0;
        foreach (var file in Directory.EnumerateFiles(logs.Directory, "gigaoffice*.log"))
        {
            if (File.GetLastWriteTimeUtc(file) >= cutoff) continue;
            try
            {
                File.Delete(file);
                count++;
            }
            catch (IOException ex)
            {
                logger.LogWarning("Could not delete old log file {File}: {Error}", Path.GetFileName(file), ex.Message);
            }
            catch (UnauthorizedAccessException ex)
            {
                logger.LogWarning("Could not delete old log file {File}: {Error}", Path.GetFileName(file), ex.Message);
            }
        }
        return count;
    }
}

public static class RetentionSetup
{
    public static void AddGigaOfficeRetention(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<RetentionOptions>().Bind(builder.Configuration.GetSection(RetentionOptions.Section)).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<RetentionOptions>, OperationsOptionsValidation>();
        builder.Services.AddSingleton<RetentionService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<RetentionService>());
    }
}
