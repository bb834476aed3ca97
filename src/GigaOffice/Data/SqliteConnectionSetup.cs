using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace GigaOffice.Data;

/// <summary>
/// Settings of every SQLite connection.
/// <para>busy_timeout: SQLite itself waits for the write lock. Without it Microsoft.Data.Sqlite
/// retries a locked write after a fixed 150 ms sleep, so a request that met the worker's update
/// (or another process on the same file) took 150 ms or more instead of a millisecond.</para>
/// <para>synchronous = NORMAL: in WAL mode a commit no longer waits for its own disk flush (3-11 ms
/// here); the file stays consistent and survives a crash of the process, and an operating system
/// crash can undo only the last moments of worker state changes, which the lease then repeats.
/// Accepting a request is the one write that must be on disk before it is answered:
/// <see cref="FullSync"/> makes the accept commits flush, and with them everything before.</para>
/// </summary>
public sealed class SqliteConnectionSetup : DbConnectionInterceptor
{
    public static readonly SqliteConnectionSetup Instance = new();
    public const string Pragmas = "PRAGMA busy_timeout = 30000; PRAGMA synchronous = NORMAL;";

    /// <summary>Run on an open connection before a commit that must be on disk when it returns.</summary>
    public const string FullSync = "PRAGMA synchronous = FULL;";

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        using var command = connection.CreateCommand();
        command.CommandText = Pragmas;
        command.ExecuteNonQuery();
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = Pragmas;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
