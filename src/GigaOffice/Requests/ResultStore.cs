using System.Collections.Concurrent;
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
/// SQLite: the same statement, prepared once on connections kept open for it, one per worker writing
/// at the same moment. A worker writes every few hundred milliseconds, and by then EF's pipeline and
/// SQLite's parser have gone cold: through EF the write cost 0.4-0.5 ms, here 0.2 ms
/// (bench/StoreCost), half of the worker's own time at the median. The connections come from
/// Microsoft.Data.Sqlite's pool and get its settings (<see cref="SqliteConnectionSetup"/>), as EF's do.
/// </summary>
public sealed class SqliteResultStore(string connectionString) : IResultStore, IDisposable
{
    private readonly ConcurrentBag<PreparedCompletion> _idle = [];
    private volatile bool _disposed;

    public Task<int> CompleteAsync(GigaOfficeDbContext db, Guid id, int attempt, CompletedRequest done, CancellationToken ct)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        // Microsoft.Data.Sqlite runs its async methods synchronously anyway.
        var statement = _idle.TryTake(out var idle) ? idle : new PreparedCompletion(connectionString);
        int stored;
        try
        {
            stored = statement.Execute(id, attempt, done);
        }
        catch
        {
            statement.Dispose(); // a connection that failed (disk error, file gone) is not reused
            throw;
        }
        _idle.Add(statement);
        if (_disposed) Dispose(); // stopped while this write ran
        return Task.FromResult(stored);
    }

    public void Dispose()
    {
        _disposed = true;
        while (_idle.TryTake(out var statement)) statement.Dispose();
    }

    private sealed class PreparedCompletion : IDisposable
    {
        private readonly SqliteConnection _connection;
        private readonly SqliteCommand _command;
        private readonly SqliteParameter _id, _attempt, _previousAttempt, _completedAt, _resultJson, _cacheKey, _model,
            _promptVersion, _promptTokens, _completionTokens, _totalTokens, _processingMs, _gigaChatMs;

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
                      "ProcessingMs" = $processingMs, "GigaChatMs" = $gigaChatMs
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
                _processingMs = Add("$processingMs", SqliteType.Real);
                _gigaChatMs = Add("$gigaChatMs", SqliteType.Real);
                _command.Prepare();
            }
            catch
            {
                _connection.Dispose();
                throw;
            }
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
            _processingMs.Value = done.ProcessingMs;
            _gigaChatMs.Value = done.GigaChatMs;
            return _command.ExecuteNonQuery();
        }

        public void Dispose()
        {
            _command.Dispose();
            _connection.Dispose();
        }
    }
}
