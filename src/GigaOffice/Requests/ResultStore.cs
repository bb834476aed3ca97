using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.ExceptionServices;
using GigaOffice.Data;
using Microsoft.Data.Sqlite;

namespace GigaOffice.Requests;

/// <summary>
/// Stores a worker's answer if the worker still owns the request (attempt <c>attempt</c>, as
/// RequestProcessor.Owned: also when a crash undid the claim); 1 when stored. The one database
/// write inside the worker's own time (docs/BENCHMARKS.md).
/// </summary>
public interface IResultStore
{
    Task<int> CompleteAsync(GigaOfficeDbContext db, Guid id, int attempt, CompletedRequest done, CancellationToken ct);
}

/// <summary>PostgreSQL: the statement through the request's context (Npgsql prepares it per connection).</summary>
public sealed class EfResultStore : IResultStore
{
    public Task<int> CompleteAsync(GigaOfficeDbContext db, Guid id, int attempt, CompletedRequest done, CancellationToken ct) =>
        WorkerQueries.CompleteAsync(db, id, attempt, done, ct);
}

/// <summary>
/// SQLite: the same statement, prepared once on one connection kept open for it. A worker writes
/// every few hundred milliseconds, and by then EF's pipeline and SQLite's parser have gone cold:
/// through EF the write cost 0.4-0.5 ms, here 0.2 ms (bench/StoreCost, change 31). SQLite has one
/// write lock, so workers answered at the same moment wrote one after another, each paying the cold
/// write; now whoever holds the lock also writes the results queued behind it, in the same
/// transaction (group commit, change 33), and their workers find them stored. The connection comes
/// from Microsoft.Data.Sqlite's pool and gets its settings (<see cref="SqliteConnectionSetup"/>), as EF's do.
/// </summary>
public sealed class SqliteResultStore(string connectionString) : IResultStore, IDisposable
{
    private readonly ConcurrentQueue<QueuedResult> _queued = new();
    private readonly object _writer = new(); // held while a transaction of results is written
    private readonly List<QueuedResult> _batch = [];
    private PreparedCompletion? _statement;
    private long _transactions;
    private volatile bool _disposed;

    /// <summary>Transactions written so far (results per transaction: stored results / this).</summary>
    public long Transactions => Interlocked.Read(ref _transactions);

    public Task<int> CompleteAsync(GigaOfficeDbContext db, Guid id, int attempt, CompletedRequest done, CancellationToken ct)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        // Microsoft.Data.Sqlite runs its async methods synchronously anyway.
        var result = new QueuedResult(id, attempt, done);
        _queued.Enqueue(result);
        WriteOrWaitFor(result);
        result.Error?.Throw();
        return Task.FromResult(result.Stored);
    }

    /// <summary>
    /// Takes the writer's place, or waits until the worker holding it has written this result too.
    /// The wait gives the CPU away and tries again at once, as SqliteBusyWait does and for as long,
    /// before it blocks: a blocked thread on this VM wakes more than 1 ms late once in a hundred.
    /// </summary>
    private void WriteOrWaitFor(QueuedResult result)
    {
        var started = Stopwatch.GetTimestamp();
        while (!Monitor.TryEnter(_writer))
        {
            if (result.Done) return;
            if (Stopwatch.GetElapsedTime(started) < SqliteBusyWait.YieldPhase)
            {
                Thread.Yield();
                continue;
            }
            Monitor.Enter(_writer);
            break;
        }
        try
        {
            if (!result.Done) WriteQueued();
        }
        finally
        {
            Monitor.Exit(_writer);
        }
    }

    /// <summary>Writes every queued result in one transaction; those queued while it runs ride along.</summary>
    private void WriteQueued()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _batch.Clear();
        var begun = false;
        try
        {
            _statement ??= new PreparedCompletion(connectionString);
            _statement.Begin();
            begun = true;
            while (_queued.TryDequeue(out var result))
            {
                _batch.Add(result);
                result.Stored = _statement.Execute(result.Id, result.Attempt, result.Completed);
            }
            _statement.Commit();
            Interlocked.Increment(ref _transactions);
        }
        catch (Exception ex)
        {
            Discard(); // a connection that failed (disk error, file gone) is not reused
            while (_queued.TryDequeue(out var result)) _batch.Add(result);
            // The lock never came (busy for SqliteBusyWait.Limit): all of them would wait for it again.
            // Otherwise one result's failure is not the others': each is written alone.
            if (!begun || _batch.Count == 1)
            {
                var error = ExceptionDispatchInfo.Capture(ex);
                foreach (var result in _batch) result.Error = error;
            }
            else WriteEachAlone();
        }
        foreach (var result in _batch) result.Done = true;
    }

    private void WriteEachAlone()
    {
        foreach (var result in _batch)
        {
            try
            {
                _statement ??= new PreparedCompletion(connectionString);
                result.Stored = _statement.Execute(result.Id, result.Attempt, result.Completed);
                Interlocked.Increment(ref _transactions);
            }
            catch (Exception ex)
            {
                Discard();
                result.Error = ExceptionDispatchInfo.Capture(ex);
            }
        }
    }

    private void Discard()
    {
        _statement?.RollBackQuietly(); // the connection goes back to the pool: no transaction left open
        _statement?.Dispose();
        _statement = null;
    }

    public void Dispose()
    {
        _disposed = true;
        lock (_writer) Discard();
    }

    private sealed class QueuedResult(Guid id, int attempt, CompletedRequest completed)
    {
        public Guid Id { get; } = id;
        public int Attempt { get; } = attempt;
        public CompletedRequest Completed { get; } = completed;
        public int Stored;
        public ExceptionDispatchInfo? Error;
        public volatile bool Done; // set last: Stored and Error are read after it
    }

    private sealed class PreparedCompletion : IDisposable
    {
        private readonly SqliteConnection _connection;
        private readonly SqliteCommand _command, _begin, _commit, _rollback;
        private readonly SqliteParameter _id, _attempt, _previousAttempt, _completedAt, _resultJson, _cacheKey, _model,
            _promptVersion, _promptTokens, _completionTokens, _totalTokens, _precachedTokens, _processingMs, _gigaChatMs;

        public PreparedCompletion(string connectionString)
        {
            _connection = new SqliteConnection(connectionString);
            try
            {
                _connection.Open();
                SqliteConnectionSetup.Configure(_connection);
                _command = _connection.CreateCommand();
                _command.CommandText = """
                    UPDATE "ai_requests" SET "Status" = 'completed', "Attempts" = $attempt, "CompletedAt" = $completedAt, "LeaseUntil" = NULL,
                      "ResultJson" = $resultJson, "CacheKey" = $cacheKey, "Model" = $model, "PromptVersion" = $promptVersion,
                      "PromptTokens" = $promptTokens, "CompletionTokens" = $completionTokens, "TotalTokens" = $totalTokens,
                      "PrecachedPromptTokens" = $precachedTokens, "ProcessingMs" = $processingMs, "GigaChatMs" = $gigaChatMs
                    WHERE "Id" = $id AND (("Status" = 'processing' AND "Attempts" = $attempt) OR ("Status" = 'queued' AND "Attempts" = $previousAttempt))
                    """;
                // The types EF maps these columns to, so the values are written as EF writes them:
                // a Guid as upper-case text, a DateTime as "yyyy-MM-dd HH:mm:ss.FFFFFFF".
                _id = Add("$id", SqliteType.Text);
                _attempt = Add("$attempt", SqliteType.Integer);
                _previousAttempt = Add("$previousAttempt", SqliteType.Integer);
                _completedAt = Add("$completedAt", SqliteType.Text);
                _resultJson = Add("$resultJson", SqliteType.Text);
                _cacheKey = Add("$cacheKey", SqliteType.Text);
                _model = Add("$model", SqliteType.Text);
                _promptVersion = Add("$promptVersion", SqliteType.Integer);
                _promptTokens = Add("$promptTokens", SqliteType.Integer);
                _completionTokens = Add("$completionTokens", SqliteType.Integer);
                _totalTokens = Add("$totalTokens", SqliteType.Integer);
                _precachedTokens = Add("$precachedTokens", SqliteType.Integer);
                _processingMs = Add("$processingMs", SqliteType.Real);
                _gigaChatMs = Add("$gigaChatMs", SqliteType.Real);
                _command.Prepare();
                // Plain statements rather than BeginTransaction: Microsoft.Data.Sqlite would then want the
                // transaction set on the prepared command. IMMEDIATE takes the write lock at BEGIN.
                _begin = Prepared("BEGIN IMMEDIATE");
                _commit = Prepared("COMMIT");
                _rollback = Prepared("ROLLBACK");
            }
            catch
            {
                _connection.Dispose();
                throw;
            }
        }

        private SqliteCommand Prepared(string sql)
        {
            var command = _connection.CreateCommand();
            command.CommandText = sql;
            command.Prepare();
            return command;
        }

        public void Begin() => _begin.ExecuteNonQuery();

        public void Commit() => _commit.ExecuteNonQuery();

        public void RollBackQuietly()
        {
            try { _rollback.ExecuteNonQuery(); }
            catch (SqliteException) { /* none open, or the connection is broken: closing ends it */ }
        }

        private SqliteParameter Add(string name, SqliteType type) => _command.Parameters.Add(name, type);

        public int Execute(Guid id, int attempt, CompletedRequest done)
        {
            _id.Value = id;
            _attempt.Value = attempt;
            _previousAttempt.Value = attempt - 1;
            _completedAt.Value = done.CompletedAt;
            _resultJson.Value = done.ResultJson;
            _cacheKey.Value = done.CacheKey;
            _model.Value = done.Model;
            _promptVersion.Value = done.PromptVersion;
            _promptTokens.Value = done.PromptTokens;
            _completionTokens.Value = done.CompletionTokens;
            _totalTokens.Value = done.TotalTokens;
            _precachedTokens.Value = done.PrecachedPromptTokens;
            _processingMs.Value = done.ProcessingMs;
            _gigaChatMs.Value = done.GigaChatMs;
            return _command.ExecuteNonQuery();
        }

        public void Dispose()
        {
            _command.Dispose();
            _begin.Dispose();
            _commit.Dispose();
            _rollback.Dispose();
            _connection.Dispose();
        }
    }
}
