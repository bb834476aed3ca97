using GigaOffice.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace GigaOffice.Tests.Data;

/// <summary>How the service's SQLite connections are set up (SqliteConnectionSetup, SqliteCheckpointer).</summary>
public sealed class SqliteConnectionTests(EmbeddedBackend backends) : IClassFixture<EmbeddedBackend>
{
    [Fact]
    public async Task A_write_blocked_by_another_connection_waits_and_goes_through_once_the_lock_is_free()
    {
        var source = $"Data Source={TempPaths.NewDatabase()}";
        await using var holder = new SqliteConnection(source);
        holder.Open();
        Execute(holder, "PRAGMA journal_mode = WAL; CREATE TABLE t (x INTEGER);");
        await using var waiter = new SqliteConnection(source);
        waiter.Open();
        SqliteConnectionSetup.Configure(waiter);

        await AssertWritesWaitForTheLockAsync(holder, waiter);
    }

    [Fact]
    public async Task A_pooled_connection_keeps_its_settings_when_opened_again()
    {
        var source = $"Data Source={TempPaths.NewDatabase()}";
        await using var holder = new SqliteConnection(source);
        holder.Open();
        Execute(holder, "PRAGMA journal_mode = WAL; CREATE TABLE t (x INTEGER);");
        SQLitePCL.sqlite3 native;
        await using (var accepting = new SqliteConnection(source))
        {
            accepting.Open();
            native = accepting.Handle!;
            SqliteConnectionSetup.Configure(accepting, SqliteConnectionSetup.FullSync);
            Assert.Equal(2L, Scalar(accepting, "PRAGMA synchronous")); // FULL
        }

        // Back from the pool for EF: the accept writer's FULL is undone, the rest stays.
        await using var reopened = new SqliteConnection(source);
        reopened.Open();
        Assert.Same(native, reopened.Handle);
        SqliteConnectionSetup.Configure(reopened);
        Assert.Equal(1L, Scalar(reopened, "PRAGMA synchronous")); // NORMAL
        reopened.Close();

        // Opened again, Configure finds it set up and runs nothing: the settings are still there.
        reopened.Open();
        Assert.Same(native, reopened.Handle);
        SqliteConnectionSetup.Configure(reopened);
        Assert.Equal(1L, Scalar(reopened, "PRAGMA synchronous"));
        Assert.Equal(0L, Scalar(reopened, "PRAGMA wal_autocheckpoint"));
        Assert.Equal(64L << 20, Scalar(reopened, "PRAGMA journal_size_limit"));
        await AssertWritesWaitForTheLockAsync(holder, reopened);
    }

    [Fact]
    public async Task The_write_ahead_log_is_moved_into_the_database_file_and_then_reused_while_the_service_runs()
    {
        var backend = await backends.CreateAsync();
        var path = backend["Database:SqlitePath"]!;
        await using var app = backend.CreateApp();
        app.CreateClient();
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GigaOfficeDbContext>();
        await db.Database.ExecuteSqlRawAsync("CREATE TABLE filler (x BLOB)");
        const long written = 2_000 * 4_096;
        var fill = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) INSERT INTO filler SELECT randomblob(4096) FROM n";

        // The service's connections do not checkpoint (wal_autocheckpoint = 0): only the background
        // checkpointer brings these pages from the log into the database file.
        var before = new FileInfo(path).Length;
        await db.Database.ExecuteSqlRawAsync(fill);
        await Eventually.WaitAsync(() => Task.FromResult(new FileInfo(path).Length), length => length >= before + written, TimeSpan.FromSeconds(15));

        // A fully checkpointed log starts over: the second batch reuses it instead of growing it to twice the size.
        await Task.Delay(SqliteCheckpointer.Interval * 2);
        await db.Database.ExecuteSqlRawAsync(fill);
        await Eventually.WaitAsync(() => Task.FromResult(new FileInfo(path).Length), length => length >= before + 2 * written, TimeSpan.FromSeconds(15));
        Assert.InRange(new FileInfo(path + "-wal").Length, 1, written * 3 / 2);
    }

    [Fact]
    public void The_checkpointer_starts_a_fully_copied_log_over_itself_so_no_worker_commit_flushes_its_header()
    {
        var connectionString = new SqliteConnectionStringBuilder { DataSource = TempPaths.NewDatabase(), Pooling = false }.ToString();
        // Open throughout: the last connection to close would checkpoint and delete the log itself.
        using var writer = new SqliteConnection(connectionString);
        writer.Open();
        Execute(writer, "PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0; PRAGMA user_version = 7;");
        Execute(writer, "CREATE TABLE t (x BLOB); INSERT INTO t SELECT randomblob(4096) FROM (WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50) SELECT i FROM n);");
        var readiness = new DatabaseReadiness();
        readiness.MarkReady();
        var checkpointer = new SqliteCheckpointer(connectionString, readiness, TimeProvider.System,
            Microsoft.Extensions.Logging.Abstractions.NullLogger<SqliteCheckpointer>.Instance);

        var (logFrames, checkpointed) = checkpointer.Checkpoint();
        Assert.True(logFrames > 50, $"{logFrames} frames in the log");
        Assert.Equal(logFrames, checkpointed);

        // The log now holds the checkpointer's one page, written from its beginning: the next commit appends.
        using var observer = new SqliteConnection(connectionString);
        observer.Open();
        using (var command = observer.CreateCommand())
        {
            command.CommandText = "PRAGMA wal_checkpoint(PASSIVE);";
            using var reader = command.ExecuteReader();
            reader.Read();
            Assert.Equal((1L, 1L), (reader.GetInt64(1), reader.GetInt64(2)));
        }
        Assert.Equal(7L, Scalar(observer, "PRAGMA user_version"));
        Assert.Equal(50L, Scalar(observer, "SELECT COUNT(*) FROM t"));
    }

    [Fact]
    public async Task A_log_that_readers_keep_from_starting_over_is_forced_over_and_cut_back_on_disk()
    {
        var path = TempPaths.NewDatabase();
        var connectionString = new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString();
        using var writer = new SqliteConnection(connectionString);
        writer.Open();
        Execute(writer, "PRAGMA journal_mode = WAL; CREATE TABLE t (x BLOB);");
        SqliteConnectionSetup.Configure(writer);
        // A log longer than the limit, as a minute of load leaves it when it is never started over.
        Execute(writer, $"INSERT INTO t SELECT randomblob(3000) FROM (WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {SqliteCheckpointer.LongLogFrames + 2_000}) SELECT i FROM n);");
        var longLog = new FileInfo(path + "-wal").Length;
        Assert.True(longLog > 64 << 20, $"log of {longLog} bytes");

        // Load that keeps it from starting over: commits all the time, and readers that overlap, each
        // on a snapshot a few commits old. A passive checkpoint then stops a few pages short, and when
        // it does copy everything, a reader is still on the log, so the next commit appends to it:
        // without the forced checkpoint the log kept growing through all 20 ticks (checked).
        using var stop = new CancellationTokenSource();
        long written = 0, readersBegun = 0;
        var writes = Task.Run(() =>
        {
            for (; !stop.IsCancellationRequested; Interlocked.Increment(ref written)) Execute(writer, "INSERT INTO t VALUES (randomblob(100));");
        });
        var reads = Task.Run(() =>
        {
            var readers = new[] { new SqliteConnection(connectionString), new SqliteConnection(connectionString) };
            var open = new SqliteTransaction?[2];
            try
            {
                for (var turn = 0; !stop.IsCancellationRequested; turn ^= 1)
                {
                    if (readers[turn].State != System.Data.ConnectionState.Open) readers[turn].Open();
                    open[turn] = readers[turn].BeginTransaction(deferred: true);
                    Execute(readers[turn], "SELECT COUNT(*) FROM t WHERE rowid < 10;", open[turn]); // takes the snapshot
                    Interlocked.Increment(ref readersBegun);
                    open[turn ^ 1]?.Dispose(); // the older reader leaves only after the newer one came
                    Thread.Sleep(1);
                }
            }
            finally
            {
                foreach (var transaction in open) transaction?.Dispose();
                foreach (var reader in readers) reader.Dispose();
            }
        });
        var readiness = new DatabaseReadiness();
        readiness.MarkReady();
        var checkpointer = new SqliteCheckpointer(connectionString, readiness, TimeProvider.System,
            Microsoft.Extensions.Logging.Abstractions.NullLogger<SqliteCheckpointer>.Instance);
        try
        {
            await Eventually.WaitAsync(() => Task.FromResult(Math.Min(Interlocked.Read(ref written), 10 * Interlocked.Read(ref readersBegun))),
                n => n >= 500, TimeSpan.FromSeconds(30));
            // The service checkpoints every second; a forced checkpoint that met a slow reader tries again.
            // Each returns the log it found: after the forced one, the next finds it short.
            var frames = long.MaxValue;
            for (var tick = 0; tick < 20 && (frames = checkpointer.Checkpoint().LogFrames) >= SqliteCheckpointer.LongLogFrames; tick++)
                await Task.Delay(50);
            Assert.True(frames < SqliteCheckpointer.LongLogFrames, $"{frames} frames in the log");
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(writes, reads);
        }

        // Started over: the writes since are a short log, and the file was cut back to journal_size_limit.
        var (logFrames, _) = checkpointer.Checkpoint();
        Assert.InRange(logFrames, 0, SqliteCheckpointer.LongLogFrames / 2);
        Assert.InRange(new FileInfo(path + "-wal").Length, 0, (64 << 20) + 4 * 4_096);
        Assert.Equal(SqliteCheckpointer.LongLogFrames + 2_000L, (long)Scalar(writer, "SELECT COUNT(*) FROM t WHERE length(x) = 3000")!);
    }

    /// <summary>A write of <paramref name="waiter"/> blocked by <paramref name="holder"/>'s transaction waits (busy_timeout), then goes through.</summary>
    private static async Task AssertWritesWaitForTheLockAsync(SqliteConnection holder, SqliteConnection waiter)
    {
        Assert.Equal((long)SqliteConnectionSetup.BusyTimeout.TotalMilliseconds, Scalar(waiter, "PRAGMA busy_timeout"));
        var rowsBefore = (long)Scalar(holder, "SELECT COUNT(*) FROM t")!;
        await using (var transaction = holder.BeginTransaction())
        {
            Execute(holder, "INSERT INTO t VALUES (1);", transaction);
            var blocked = Task.Run(() => Execute(waiter, "INSERT INTO t VALUES (2);"));
            await Task.Delay(200);
            Assert.False(blocked.IsCompleted);
            transaction.Commit();
            await blocked.WaitAsync(TimeSpan.FromSeconds(10));
        }
        Assert.Equal(rowsBefore + 2, Scalar(holder, "SELECT COUNT(*) FROM t"));
    }

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    private static void Execute(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        command.ExecuteNonQuery();
    }
}
