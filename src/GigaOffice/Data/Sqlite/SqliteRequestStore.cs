namespace GigaOffice.Data.Sqlite;

/// <summary>
/// The request store on SQLite, which takes one writer at a time. The store's writes wait for
/// each other here, asynchronously, instead of meeting at the file's write lock, where a waiting
/// connection sleeps its thread (Microsoft.Data.Sqlite's calls are synchronous underneath).
/// Accepted requests go in through one connection with a prepared INSERT, kept open, whose commits
/// wait for the disk: a 202 is a promise.
/// </summary>
public sealed class SqliteRequestStore(IServiceScopeFactory scopes) : RequestStore(scopes), IDisposable
{
    private readonly IServiceScopeFactory _scopes = scopes;
    private readonly SemaphoreSlim _writer = new(1, 1);
    private SqliteRequestInsert? _insert;

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

    protected override async Task<T> WriteAsync<T>(Func<GigaOfficeDbContext, Task<T>> write, CancellationToken ct)
    {
        await _writer.WaitAsync(CancellationToken.None); // a write once begun is not given up: the caller decides before
        try
        {
            return await base.WriteAsync(write, ct);
        }
        finally
        {
            _writer.Release();
        }
    }

    public override async Task AcceptAsync(IReadOnlyList<AiRequest> batch, CancellationToken ct)
    {
        await _writer.WaitAsync(ct);
        try
        {
            if (_insert is null)
            {
                await using var scope = _scopes.CreateAsyncScope();
                _insert = SqliteRequestInsert.Open(scope.ServiceProvider.GetRequiredService<GigaOfficeDbContext>());
            }
            _insert.Write(batch);
        }
        catch
        {
            // The next batch starts on a fresh connection.
            _insert?.Dispose();
            _insert = null;
            throw;
        }
        finally
        {
            _writer.Release();
        }
    }

    public void Dispose()
    {
        _insert?.Dispose();
        _writer.Dispose();
    }
}
