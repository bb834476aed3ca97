using Microsoft.Data.Sqlite;

namespace GigaOffice.Data;

/// <summary>
/// Moves the SQLite write-ahead log into the database file in the background. The service's
/// connections do not checkpoint themselves (wal_autocheckpoint = 0 in
/// <see cref="SqliteConnectionSetup.Pragmas"/>): SQLite would run the checkpoint inside whichever
/// commit crossed 1,000 pages, and that worker's or that accept batch's commit would copy and
/// flush megabytes before it returned. Without any checkpoint the log would grow for as long as
/// the process runs. A passive checkpoint waits for nobody and blocks nobody. Once it has copied
/// the whole log, the log is started over from its beginning, so it stays a second of writes long;
/// the checkpointer does that itself with a one-page write (<see cref="StartLogOver"/>), because
/// the commit that starts the log over flushes the log's new header to disk, with the write lock
/// held, even at synchronous = NORMAL. Left to the next commit, that flush (0.3-1.8 ms here) fell
/// once a second into a worker's commit, and the workers committing at the same moment waited for
/// it: it set the worker's own time at p99 (docs/BENCHMARKS.md, change 30).
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

    /// <summary>
    /// One passive checkpoint: (frames in the log, frames now in the database file); when the
    /// whole log was copied, the log is started over here.
    /// </summary>
    public (long LogFrames, long Checkpointed) Checkpoint()
    {
        using var connection = new SqliteConnection(connectionString);
        connection.Open();
        SqliteConnectionSetup.Configure(connection);
        // A passive checkpoint never calls the busy handler: it copies what it can and returns.
        var (logFrames, checkpointed) = ExecutePassiveCheckpoint(connection);
        if (logFrames > 0 && checkpointed == logFrames) StartLogOver(connection);
        return (logFrames, checkpointed);
    }

    private static (long LogFrames, long Checkpointed) ExecutePassiveCheckpoint(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA wal_checkpoint(PASSIVE);";
        using var reader = command.ExecuteReader();
        reader.Read();
        return (reader.GetInt64(1), reader.GetInt64(2));
    }

    /// <summary>
    /// Commits one page (the header's user_version, rewritten unchanged; nothing reads it): a
    /// commit that begins on a fully copied log starts it over, and flushes its header. Should a
    /// commit come in between, it simply appends, and the next checkpoint tries again.
    /// </summary>
    private static void StartLogOver(SqliteConnection connection)
    {
        using var transaction = connection.BeginTransaction(deferred: false);
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "PRAGMA user_version;";
        var version = Convert.ToInt64(command.ExecuteScalar());
        command.CommandText = $"PRAGMA user_version = {version};";
        command.ExecuteNonQuery();
        transaction.Commit();
    }
}
