using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace GigaOffice.Data;

/// <summary>
/// Lets SQLite itself wait for the write lock. Without a busy timeout, Microsoft.Data.Sqlite
/// retries a locked write after a fixed 150 ms sleep, so a request that met the worker's
/// update (or another process on the same file) took 150 ms or more instead of a millisecond.
/// </summary>
public sealed class SqliteConnectionSetup : DbConnectionInterceptor
{
    public static readonly SqliteConnectionSetup Instance = new();
    private const string Pragmas = "PRAGMA busy_timeout = 30000;";

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
