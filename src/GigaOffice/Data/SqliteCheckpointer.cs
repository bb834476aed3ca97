using Microsoft.Data.Sqlite;

namespace GigaOffice.Data;

/// <summary>
/// Moves the SQLite write-ahead log into the database file in the background. The service's
/// connections do not checkpoint themselves (wal_autocheckpoint = 0 in
/// <see cref="SqliteConnectionSetup.Pragmas"/>): SQLite would run the checkpoint inside whichever
/// commit crossed 1,000 pages, and that worker's or that accept batch's commit would copy and
/// flush megabytes before it returned. Without any checkpoint the log would grow for as long as
/// the process runs. A passive checkpoint waits for nobody and blocks nobody; once it has copied
/// the whole log, the next commit starts the log over from its beginning, so it stays a few
/// seconds of writes long.
/// </summary>
public sealed class SqliteCheckpointer(string connectionString, DatabaseReadiness readiness, TimeProvider time,
    ILogger<SqliteCheckpointer> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await readiness.WaitAsync(stoppingToken);
            using var timer = new PeriodicTimer(Interval, time);
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    Checkpoint();
                }
                catch (SqliteException ex)
                {
                    // The next tick tries again; the log only grows meanwhile.
                    logger.LogWarning("SQLite checkpoint failed: {Error}", ex.Message);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>One passive checkpoint: (frames in the log, frames now in the database file).</summary>
    public (long LogFrames, long Checkpointed) Checkpoint()
    {
        // A passive checkpoint never calls the busy handler: it copies what it can and returns.
        using var connection = new SqliteConnection(connectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA wal_checkpoint(PASSIVE);";
        using var reader = command.ExecuteReader();
        reader.Read();
        return (reader.GetInt64(1), reader.GetInt64(2));
    }
}
