namespace GigaOffice.Data.Postgres;

/// <summary>
/// The request store on PostgreSQL: writes to different rows do not wait for each other, so
/// several batches of accepted requests are written at once, each with one binary COPY.
/// </summary>
public sealed class PostgresRequestStore(IServiceScopeFactory scopes) : RequestStore(scopes)
{
    private readonly IServiceScopeFactory _scopes = scopes;

    public override int AcceptWriters => 4;

    // Queued and due, or processing with an expired lease.
    protected override string ClaimableWhere(string now) => $$"""
        (("Status" = 'queued' AND ("LeaseUntil" IS NULL OR "LeaseUntil" <= {{now}})) OR ("Status" = 'processing' AND "LeaseUntil" < {{now}}))
        """;

    // Processing under the attempt's number, or queued one attempt earlier, which only a claim undone by a
    // server crash leaves behind (see NotFlushed). A release or an expired lease keeps the number, any other claim raises it.
    protected override string OwnedWhere(string id, string attempt) => $$"""
        ("Id" = {{id}} AND (("Status" = 'processing' AND "Attempts" = {{attempt}}) OR ("Status" = 'queued' AND "Attempts" = {{attempt}} - 1)))
        """;

    protected override string ClaimStatement => $$"""
        UPDATE "ai_requests" SET "Status" = 'processing', "StartedAt" = {2}, "LeaseUntil" = {3}, "Attempts" = "Attempts" + 1
        FROM {{NotFlushed}}
        WHERE "Id" = {0} AND "Attempts" = {1} AND {{ClaimableWhere("{2}")}}
        """;

    /// <summary>
    /// The claim's commit returns without waiting for the server to flush its log: the flush and the
    /// wake-ups around it were most of the worker's own time here. Only a server crash within a
    /// fraction of a second can undo such a commit, and that loses nothing: the row is queued again
    /// one attempt back, and the worker still stores its answer (<see cref="OwnedWhere"/>); should
    /// another worker take the row meanwhile, the request goes to GigaChat twice and one answer is
    /// stored. Answers are written durably, and PostgreSQL flushes every earlier commit with them.
    /// The setting is local to the statement's transaction, so the pooled connection keeps flushing
    /// every other commit.
    /// </summary>
    public const string NotFlushed = "(SELECT set_config('synchronous_commit', 'off', true)) AS \"NotFlushed\"";

    public override async Task AcceptAsync(IReadOnlyList<AiRequest> batch, CancellationToken ct)
    {
        await using var scope = _scopes.CreateAsyncScope();
        await PostgresRequestCopy.WriteAsync(scope.ServiceProvider.GetRequiredService<GigaOfficeDbContext>(), batch, ct);
    }
}
