using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace GigaOffice.Data;

/// <summary>
/// Settings of every SQLite connection.
/// <para>busy_timeout: SQLite itself waits for another connection's write lock (its own sleeps of
/// 1, 2, 5, 10 ms and up). Without it Microsoft.Data.Sqlite retries a locked write after a fixed
/// 150 ms sleep. The request store's writes wait for each other before they reach SQLite
/// (<see cref="Sqlite.SqliteRequestStore"/>), so this wait is for the rest: another instance on
/// the same file, the checkpointer, the admin's and the heartbeat's writes.</para>
/// <para>synchronous = NORMAL: in WAL mode a commit no longer waits for its own disk flush (3-11 ms
/// here); the file stays consistent and survives a crash of the process, and an operating system
/// crash can undo only the last moments of worker state changes, which the lease then repeats.
/// Accepting a request is the one write that must be on disk before it is answered:
/// <see cref="FullSync"/> makes the accept commits flush, and with them everything before.</para>
/// <para>Both stay on the native connection while it rests in Microsoft.Data.Sqlite's pool, so
/// they are applied once per native connection, not on every open: EF opens a connection for each
/// query (four for a processed request, one for each status poll), and each open ran the pragmas again.</para>
/// <para>No mmap_size: pages read through a mapping count in the process's RSS once per connection
/// (peak +47 MB at 1,500 accepts/s, over the 250 MB target), a disk read error under a mapping
/// arrives as SIGBUS and kills the process, and the worker's tail did not measurably improve
/// (docs/benchmarks-history.md, seventeenth pass).</para>
/// </summary>
public sealed class SqliteConnectionSetup : DbConnectionInterceptor
{
    // The extra pragmas applied to each native connection (the pool reuses them).
    private static readonly ConditionalWeakTable<SQLitePCL.sqlite3, string> Applied = new();

    public static readonly SqliteConnectionSetup Instance = new();
    /// <summary>
    /// journal_size_limit: whichever commit starts the log over cuts a file longer than this back to
    /// it (64 MiB, <see cref="SqliteCheckpointer.LongLogFrames"/> pages), so a log that once grew
    /// does not keep its size on disk.
    /// </summary>
    public const string Pragmas = "PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 0; PRAGMA journal_size_limit = 67108864; PRAGMA busy_timeout = 30000;";

    /// <summary>How long a write waits for another connection's write lock (the busy_timeout in <see cref="Pragmas"/>).</summary>
    public static readonly TimeSpan BusyTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Run on an open connection before a commit that must be on disk when it returns.</summary>
    public const string FullSync = "PRAGMA synchronous = FULL;";

    /// <summary><see cref="Pragmas"/>, on a connection just opened.</summary>
    public static void Configure(SqliteConnection connection, string extraPragmas = "")
    {
        var handle = connection.Handle!;
        if (Applied.TryGetValue(handle, out var applied) && applied == extraPragmas) return;
        using var command = connection.CreateCommand();
        command.CommandText = Pragmas + extraPragmas;
        command.ExecuteNonQuery();
        Applied.AddOrUpdate(handle, extraPragmas);
    }

    /// <summary>Sets how long the connection's writes wait for another connection's write lock.</summary>
    public static void SetBusyTimeout(SqliteConnection connection, TimeSpan timeout)
    {
        using var command = connection.CreateCommand();
        command.CommandText = $"PRAGMA busy_timeout = {(long)timeout.TotalMilliseconds};";
        command.ExecuteNonQuery();
    }

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) =>
        Configure((SqliteConnection)connection);

    // Microsoft.Data.Sqlite's async methods run synchronously anyway.
    public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Configure((SqliteConnection)connection);
        return Task.CompletedTask;
    }
}
