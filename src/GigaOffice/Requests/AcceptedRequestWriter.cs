using System.Reflection;
using System.Threading.Channels;
using GigaOffice.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using NpgsqlTypes;

namespace GigaOffice.Requests;

/// <summary>
/// Group commit for accepted requests: concurrent POSTs share one transaction, so one disk flush.
/// A commit waits for its flush (about 3 ms on this kind of disk), and SQLite has a single writer,
/// so one commit per request capped accepting near 300/s; a batch per flush lifts that by the
/// batch size. Each caller still answers 202 only after its own row is committed.
/// Neither backend goes through EF's SaveChanges here: at a moderate rate a batch holds one to three
/// rows, and SaveChanges' fixed cost per batch (a DI scope, change tracking, a command built for the
/// batch) made the median SQLite batch take 1.15 ms, most of a request's wait (docs/BENCHMARKS.md).
/// </summary>
public sealed class AcceptedRequestWriter : IAsyncDisposable
{
    private const int MaxBatch = 256;
    private readonly Channel<Pending> _pending = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = false });
    private readonly IServiceScopeFactory _scopes;
    private readonly ILogger<AcceptedRequestWriter> _logger;
    private readonly Task[] _loops;
    // Used only by the single SQLite loop.
    private SqliteRequestInsert? _sqliteInsert;

    public AcceptedRequestWriter(IServiceScopeFactory scopes, Microsoft.Extensions.Options.IOptions<Configuration.DatabaseOptions> database, ILogger<AcceptedRequestWriter> logger)
    {
        _scopes = scopes;
        _logger = logger;
        // SQLite takes one writer at a time; PostgreSQL overlaps flushes of concurrent transactions.
        _loops = Enumerable.Range(0, database.Value.UsePostgres ? 4 : 1).Select(_ => Task.Run(RunAsync)).ToArray();
    }

    /// <summary>Completes once the request's row is committed; throws what the database threw.</summary>
    public Task SaveAsync(AiRequest request)
    {
        var pending = new Pending(request, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_pending.Writer.TryWrite(pending)) throw new ObjectDisposedException(nameof(AcceptedRequestWriter));
        return pending.Done.Task;
    }

    private async Task RunAsync()
    {
        var batch = new List<Pending>(MaxBatch);
        while (await _pending.Reader.WaitToReadAsync())
        {
            while (batch.Count < MaxBatch && _pending.Reader.TryRead(out var next)) batch.Add(next);
            if (batch.Count == 0) continue;
            await WriteAsync(batch);
            batch.Clear();
        }
    }

    private async Task WriteAsync(IReadOnlyList<Pending> batch)
    {
        try
        {
            if (_sqliteInsert is not null) _sqliteInsert.Write(batch.Select(p => p.Request));
            else
            {
                await using var scope = _scopes.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<GigaOfficeDbContext>();
                if (db.Database.IsNpgsql()) await RequestRowCopy.WriteAsync(db, batch.Select(p => p.Request));
                else (_sqliteInsert = SqliteRequestInsert.Open(db)).Write(batch.Select(p => p.Request));
            }
            foreach (var p in batch) p.Done.TrySetResult();
        }
        catch (Exception ex) when (batch.Count > 1)
        {
            ResetSqliteInsert();
            // One bad row must not fail its neighbours: write them one by one.
            _logger.LogWarning(ex, "Writing a batch of {Count} accepted requests failed; writing them one by one", batch.Count);
            foreach (var p in batch) await WriteAsync([p]);
        }
        catch (Exception ex)
        {
            ResetSqliteInsert();
            batch[0].Done.TrySetException(ex);
        }
    }

    /// <summary>After a failure the next write starts on a fresh connection.</summary>
    private void ResetSqliteInsert()
    {
        _sqliteInsert?.Dispose();
        _sqliteInsert = null;
    }

    public async ValueTask DisposeAsync()
    {
        _pending.Writer.TryComplete();
        await Task.WhenAll(_loops);
        ResetSqliteInsert();
    }

    private sealed record Pending(AiRequest Request, TaskCompletionSource Done);
}

/// <summary>
/// SQLite: one connection and one prepared INSERT, kept open by the single writer loop, and one
/// transaction per batch. Parameters come from EF's type mappings for the model's columns, so the
/// rows are stored exactly as SaveChanges would store them (GUIDs and times as EF reads them back).
/// </summary>
internal sealed class SqliteRequestInsert : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly SqliteCommand _insert;
    private readonly (PropertyInfo Property, RelationalTypeMapping Mapping, string Name)[] _columns;

    private SqliteRequestInsert(SqliteConnection connection, SqliteCommand insert, (PropertyInfo, RelationalTypeMapping, string)[] columns)
    {
        _connection = connection;
        _insert = insert;
        _columns = columns;
    }

    public static SqliteRequestInsert Open(GigaOfficeDbContext db)
    {
        var entity = db.Model.FindEntityType(typeof(AiRequest))!;
        var columns = entity.GetProperties()
            .Select((p, i) => (p.PropertyInfo!, (RelationalTypeMapping)p.GetRelationalTypeMapping(), $"$p{i}")).ToArray();
        var connection = new SqliteConnection(db.Database.GetConnectionString());
        try
        {
            connection.Open();
            // The settings of every connection, except that a 202 is a promise: these commits wait for the disk.
            SqliteConnectionSetup.Configure(connection, SqliteConnectionSetup.FullSync);
            var insert = connection.CreateCommand();
            insert.CommandText = $"INSERT INTO \"{entity.GetTableName()}\" ({string.Join(", ", entity.GetProperties().Select(p => $"\"{p.GetColumnName()}\""))}) " +
                                 $"VALUES ({string.Join(", ", columns.Select(c => c.Item3))})";
            return new SqliteRequestInsert(connection, insert, columns);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    public void Write(IEnumerable<AiRequest> requests)
    {
        using var transaction = _connection.BeginTransaction();
        _insert.Transaction = transaction;
        foreach (var request in requests)
        {
            _insert.Parameters.Clear();
            foreach (var (property, mapping, name) in _columns)
                _insert.Parameters.Add(mapping.CreateParameter(_insert, name, property.GetValue(request)));
            _insert.ExecuteNonQuery();
        }
        transaction.Commit();
    }

    public void Dispose()
    {
        _insert.Dispose();
        _connection.Dispose();
    }
}

/// <summary>
/// PostgreSQL's binary COPY for a batch of new requests: one statement, committed on its own, and
/// several times cheaper in CPU than EF's batched INSERT with a parameter per column (the accepting
/// path's largest cost on PostgreSQL, docs/BENCHMARKS.md). Columns come from the EF model, so a new
/// property is copied without a change here.
/// </summary>
internal static class RequestRowCopy
{
    private sealed record Column(string Name, PropertyInfo Property, Func<object?, object?>? Convert, NpgsqlDbType Type);

    private static Column[]? _columns;

    public static async Task WriteAsync(GigaOfficeDbContext db, IEnumerable<AiRequest> requests)
    {
        var columns = _columns ??= ColumnsOf(db);
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync();
        try
        {
            var command = $"COPY ai_requests ({string.Join(", ", columns.Select(c => $"\"{c.Name}\""))}) FROM STDIN (FORMAT BINARY)";
            await using var importer = await connection.BeginBinaryImportAsync(command);
            foreach (var request in requests)
            {
                await importer.StartRowAsync();
                foreach (var column in columns)
                {
                    var value = column.Property.GetValue(request);
                    if (column.Convert is not null) value = column.Convert(value);
                    if (value is not null) await importer.WriteAsync(value, column.Type);
                    else await importer.WriteNullAsync();
                }
            }
            await importer.CompleteAsync();
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    private static Column[] ColumnsOf(GigaOfficeDbContext db)
    {
        var entity = db.Model.FindEntityType(typeof(AiRequest))!;
        // The model's converters (UTC for times) apply as they would to an INSERT.
        return entity.GetProperties().Select(p => new Column(p.GetColumnName(), p.PropertyInfo!, p.GetValueConverter()?.ConvertToProvider,
            (Nullable.GetUnderlyingType(p.ClrType) ?? p.ClrType) switch
            {
                var t when t == typeof(string) => NpgsqlDbType.Text,
                var t when t == typeof(Guid) => NpgsqlDbType.Uuid,
                var t when t == typeof(bool) => NpgsqlDbType.Boolean,
                var t when t == typeof(int) => NpgsqlDbType.Integer,
                var t when t == typeof(long) => NpgsqlDbType.Bigint,
                var t when t == typeof(double) => NpgsqlDbType.Double,
                var t when t == typeof(DateTime) => NpgsqlDbType.TimestampTz,
                var t when t == typeof(byte[]) => NpgsqlDbType.Bytea,
                var t => throw new NotSupportedException($"ai_requests.{p.Name}: no COPY type for {t}"),
            })).ToArray();
    }
}
