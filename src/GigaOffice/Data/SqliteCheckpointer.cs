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
/// it: it set the worker's own time at p99 (docs/benchmarks-history.md, change 30).
/// <para>A passive checkpoint cannot copy past a reader still on an older snapshot, and the log is
/// not started over while any reader uses it. At 100 requests/s that was, now and then, every tick
/// for a minute (the log grew to 447 MB); at 1,500 accepts/s always (2.7 GB in 40 s); and a log file
/// never shrinks by itself (change 37). So a log of <see cref="LongLogFrames"/> or more is started
/// over by a RESTART checkpoint, which holds new writes back while it copies the rest and waits for
/// the readers, for <see cref="ForcedWait"/> at most; and the pragma journal_size_limit
/// (<see cref="SqliteConnectionSetup.Pragmas"/>) cuts the file back once the log starts over.</para>
/// </summary>
public sealed class SqliteCheckpointer(string connectionString, DatabaseReadiness readiness, TimeProvider time,
    ILogger<SqliteCheckpointer> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    /// <summary>64 MiB of 4 KiB pages; under load a log that is started over holds up to ~7,000.</summary>
    public const long LongLogFrames = 16_384;

    /// <summary>How long a RESTART checkpoint waits for the write lock and the readers (writes wait meanwhile).</summary>
    public static readonly TimeSpan ForcedWait = TimeSpan.FromMilliseconds(5);

    private static long _logFrames;

    /// <summary>Frames in the log at the last checkpoint of this process (fewer once it starts over).</summary>
    public static long LogFrames => Interlocked.Read(ref _logFrames);

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
    /// whole log was copied, the log is started over here. A log that has grown long is forced
    /// over (<see cref="ForceLogOver"/>).
    /// </summary>
    public (long LogFrames, long Checkpointed) Checkpoint()
    {
        using var connection = new SqliteConnection(connectionString);
        connection.Open();
        SqliteConnectionSetup.Configure(connection);
        // A passive checkpoint never calls the busy handler: it copies what it can and returns.
        var (_, logFrames, checkpointed) = ExecuteCheckpoint(connection, "PASSIVE");
        Interlocked.Exchange(ref _logFrames, logFrames);
        // A long log is forced over even when this checkpoint copied all of it: it grew because the
        // commits that would have started it over found readers on it, and so would this one's.
        if (logFrames >= LongLogFrames) ForceLogOver(connection, logFrames);
        else if (logFrames > 0 && checkpointed == logFrames) StartLogOver(connection);
        return (logFrames, checkpointed);
    }

    /// <summary>
    /// A RESTART checkpoint copies the rest and waits until no reader uses the log, so that the next
    /// commit starts it over: this one's, as in <see cref="Checkpoint"/>. It gives up (busy) after
    /// <see cref="ForcedWait"/>; the next tick tries again.
    /// </summary>
    private void ForceLogOver(SqliteConnection connection, long logFrames)
    {
        SqliteConnectionSetup.SetBusyTimeout(connection, ForcedWait);
        try
        {
            var (busy, _, _) = ExecuteCheckpoint(connection, "RESTART");
            if (busy) return;
        }
        finally
        {
            SqliteConnectionSetup.SetBusyTimeout(connection, SqliteConnectionSetup.BusyTimeout); // the connection goes back to the pool, to EF
        }
        StartLogOver(connection);
        // Routine at high write rates (every other second at 1,500 accepts/s): the gauge tells the rest.
        logger.LogDebug("SQLite's write-ahead log had grown to {Frames} pages while readers kept it in use; it was started over", logFrames);
    }

    private static (bool Busy, long LogFrames, long Checkpointed) ExecuteCheckpoint(SqliteConnection connection, string mode)
    {
        using var command = connection.CreateCommand();
        command.CommandText = $"PRAGMA wal_checkpoint({mode});";
        using var reader = command.ExecuteReader();
        reader.Read();
        return (reader.GetInt64(0) != 0, reader.GetInt64(1), reader.GetInt64(2));
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
