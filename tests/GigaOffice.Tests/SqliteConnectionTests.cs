using GigaOffice.Data;
using GigaOffice.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace GigaOffice.Tests;

/// <summary>How the service's SQLite connections are set up (SqliteConnectionSetup, SqliteBusyWait, SqliteFunctionlessConnection).</summary>
public sealed class SqliteConnectionTests(EmbeddedBackend backends) : IClassFixture<EmbeddedBackend>
{
    [Fact]
    public async Task A_write_blocked_by_another_connection_waits_in_short_steps_and_goes_through_once_the_lock_is_free()
    {
        var source = $"Data Source={TempPaths.NewDatabase()}";
        await using var holder = new SqliteConnection(source);
        holder.Open();
        Execute(holder, "PRAGMA journal_mode = WAL; CREATE TABLE t (x INTEGER);");
        await using var waiter = new SqliteConnection(source);
        waiter.Open();
        SqliteConnectionSetup.Configure(waiter);

        await using (var transaction = holder.BeginTransaction())
        {
            Execute(holder, "INSERT INTO t VALUES (1);", transaction);
            var waitsBefore = SqliteBusyWait.Waits;
            var blocked = Task.Run(() => Execute(waiter, "INSERT INTO t VALUES (2);"));
            // Without this handler Microsoft.Data.Sqlite would sleep 150 ms between tries and count nothing here.
            await Eventually.WaitAsync(() => Task.FromResult(SqliteBusyWait.Waits - waitsBefore), waits => waits >= 5, TimeSpan.FromSeconds(10));
            Assert.False(blocked.IsCompleted);
            transaction.Commit();
            await blocked.WaitAsync(TimeSpan.FromSeconds(10));
        }
        await using var count = holder.CreateCommand();
        count.CommandText = "SELECT COUNT(*) FROM t";
        Assert.Equal(2L, count.ExecuteScalar());
    }

    [Fact]
    public void The_wait_gives_up_after_the_limit_as_busy_timeout_did()
    {
        Assert.Equal([50, 100, 200, 400, 800, 1600, 2000, 2000], Enumerable.Range(0, 8).Select(SqliteBusyWait.DelayMicroseconds));
        var limit = SqliteBusyWait.Limit.Ticks / TimeSpan.TicksPerMicrosecond;
        var lastTry = Enumerable.Range(0, 100_000).First(n => SqliteBusyWait.WaitedMicroseconds(n) >= limit);
        Assert.InRange(SqliteBusyWait.WaitedMicroseconds(lastTry - 1), limit - 2000, limit - 1);
    }

    [Fact]
    public async Task EF_opens_its_SQLite_connections_without_EF_functions()
    {
        await using var app = (await backends.CreateAsync()).CreateApp();
        app.CreateClient();
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GigaOfficeDbContext>();

        Assert.Equal(1, await db.Database.SqlQueryRaw<int>("SELECT 1 AS \"Value\"").SingleAsync());
        var error = await Assert.ThrowsAsync<SqliteException>(() => db.Database.SqlQueryRaw<int>("SELECT ef_compare(1, 2) AS \"Value\"").SingleAsync());
        Assert.Contains("no such function", error.Message);
    }

    private static void Execute(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        command.ExecuteNonQuery();
    }
}
