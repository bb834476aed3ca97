using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;

namespace GigaOffice.Data.Sqlite;

/// <summary>
/// The request store on SQLite, which takes one writer at a time and whose provider does its I/O
/// synchronously underneath the async methods. So the store's writes run one after another on a
/// thread of their own: a commit waiting for the disk (an accept batch) holds that thread, not one
/// of the thread pool's that requests need, and the writes never meet at the file's write lock,
/// where a waiting connection sleeps. Accepted requests go in through one connection with a
/// prepared INSERT, kept open, whose commits wait for the disk: a 202 is a promise.
/// </summary>
public sealed class SqliteRequestStore : RequestStore, IDisposable
{
    private readonly IServiceScopeFactory _scopes;
    private readonly BlockingCollection<Action> _writes = [];
    private readonly Thread _writer;
    private SqliteRequestInsert? _insert; // used on the writer thread only

    public SqliteRequestStore(IServiceScopeFactory scopes) : base(scopes)
    {
        _scopes = scopes;
        _writer = new Thread(() => { foreach (var write in _writes.GetConsumingEnumerable()) write(); })
        {
            IsBackground = true,
            Name = "SQLite writer",
        };
        _writer.Start();
    }

    public override int AcceptWriters => 1;

    // Queued and due, or processing with an expired lease.
    protected override string ClaimableWhere(string now) => $$"""
        (("Status" = 'queued' AND ("LeaseUntil" IS NULL OR "LeaseUntil" <= {{now}})) OR ("Status" = 'processing' AND "LeaseUntil" < {{now}}))
        """;

    // Processing under the attempt's number: a release or an expired lease keeps the number, any other claim raises it.
    // A claim's commit here survives anything the process survives, so no undone claim needs recognising.
    protected override string OwnedWhere(string id, string attempt) => $$"""
        ("Id" = {{id}} AND "Status" = 'processing' AND "Attempts" = {{attempt}})
        """;

    protected override string ClaimStatement => $$"""
        UPDATE "ai_requests" SET "Status" = 'processing', "StartedAt" = {2}, "LeaseUntil" = {3}, "Attempts" = "Attempts" + 1
        WHERE "Id" = {0} AND "Attempts" = {1} AND {{ClaimableWhere("{2}")}}
        """;

    // A write once queued is not given up: the caller decides before.
    protected override Task<int> ExecuteAsync(string sql, object?[] parameters, CancellationToken ct) =>
        OnWriterThread(() =>
        {
            using var scope = _scopes.CreateScope();
            return scope.ServiceProvider.GetRequiredService<GigaOfficeDbContext>().Database.ExecuteSqlRaw(sql, parameters!);
        });

    public override Task AcceptAsync(IReadOnlyList<AiRequest> batch, CancellationToken ct) =>
        OnWriterThread(() =>
        {
            try
            {
                if (_insert is null)
                {
                    using var scope = _scopes.CreateScope();
                    _insert = SqliteRequestInsert.Open(scope.ServiceProvider.GetRequiredService<GigaOfficeDbContext>());
                }
                _insert.Write(batch);
                return batch.Count;
            }
            catch
            {
                // The next batch starts on a fresh connection.
                _insert?.Dispose();
                _insert = null;
                throw;
            }
        });

    private Task<T> OnWriterThread<T>(Func<T> write)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        _writes.Add(() =>
        {
            try { done.SetResult(write()); }
            catch (Exception ex) { done.SetException(ex); }
        });
        return done.Task;
    }

    public void Dispose()
    {
        _writes.CompleteAdding();
        _writer.Join();
        _insert?.Dispose();
        _writes.Dispose();
    }
}
