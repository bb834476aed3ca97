using System.Collections.Concurrent;
using GigaOffice.Data;
using Microsoft.EntityFrameworkCore;

namespace GigaOffice.Requests;

/// <summary>
/// The statements every processed request runs: read it, claim it, store its answer. Building
/// and parameterising their LINQ trees on every call cost more CPU and allocated more than the
/// database's own work (docs/BENCHMARKS.md), so the reads are compiled once and the two writes
/// are plain SQL (EF cannot compile an ExecuteUpdate). The SQL is the same on SQLite and
/// PostgreSQL but for the claim's commit (<see cref="NotFlushedOnPostgres"/>); parameters take
/// EF's default mappings, which are the columns' mappings here.
/// </summary>
internal static class WorkerQueries
{
    // A compiled query keeps the executor of the provider it first ran on: one per context type.
    private static readonly ConcurrentDictionary<Type, Func<GigaOfficeDbContext, Guid, DateTime, CancellationToken, Task<AiRequest?>>> FindClaimableByContext = new();

    /// <summary>The request, if a worker may take it now (<see cref="RequestProcessor.Claimable"/>).</summary>
    public static Task<AiRequest?> FindClaimableAsync(GigaOfficeDbContext db, Guid id, DateTime now, CancellationToken ct) =>
        FindClaimableByContext.GetOrAdd(db.GetType(), static _ => EF.CompileAsyncQuery((GigaOfficeDbContext db, Guid id, DateTime now, CancellationToken ct) =>
            db.Requests.AsNoTracking().FirstOrDefault(r => r.Id == id
                && ((r.Status == RequestStatus.Queued && (r.LeaseUntil == null || r.LeaseUntil <= now))
                    || (r.Status == RequestStatus.Processing && r.LeaseUntil < now)))))(db, id, now, ct);

    /// <summary>Claims the request as it was read (<paramref name="seenAttempts"/>); 1 when this worker got it.</summary>
    public static Task<int> ClaimAsync(GigaOfficeDbContext db, Guid id, int seenAttempts, DateTime now, DateTime leaseUntil, CancellationToken ct) =>
        db.Database.ExecuteSqlRawAsync(db.Database.IsNpgsql() ? ClaimOnPostgres : ClaimOnSqlite, [id, seenAttempts, now, leaseUntil], ct);

    private const string ClaimSet = """
        UPDATE "ai_requests" SET "Status" = 'processing', "StartedAt" = {2}, "LeaseUntil" = {3}, "Attempts" = "Attempts" + 1
        """;

    private const string ClaimWhere = """

        WHERE "Id" = {0} AND "Attempts" = {1}
          AND (("Status" = 'queued' AND ("LeaseUntil" IS NULL OR "LeaseUntil" <= {2})) OR ("Status" = 'processing' AND "LeaseUntil" < {2}))
        """;

    private const string ClaimOnSqlite = ClaimSet + ClaimWhere;

    private const string ClaimOnPostgres = ClaimSet + "\nFROM " + NotFlushedOnPostgres + ClaimWhere;

    /// <summary>
    /// On PostgreSQL the claim's commit returns without waiting for the server to flush its log:
    /// the flush and the wake-ups around it were most of the worker's own time there
    /// (docs/BENCHMARKS.md). Only a server crash within a fraction of a second can undo such a
    /// commit, and that loses nothing: the row is queued again one attempt back, and the worker
    /// still stores its answer (RequestProcessor.Owned recognises the undone claim); should another
    /// worker take the row meanwhile, the request goes to GigaChat twice and one answer is stored.
    /// The answer is written durably, and PostgreSQL flushes every earlier commit with it. The setting is made
    /// inside the statement and is local to its transaction, so the pooled connection keeps
    /// flushing every other commit.
    /// </summary>
    internal const string NotFlushedOnPostgres = "(SELECT set_config('synchronous_commit', 'off', true)) AS \"NotFlushed\"";

    /// <summary>
    /// Stores the answer if this worker still owns the request (attempt <paramref name="attempt"/>,
    /// as RequestProcessor.Owned: also when a crash undid the claim); 1 when stored.
    /// </summary>
    public static Task<int> CompleteAsync(GigaOfficeDbContext db, Guid id, int attempt, CompletedRequest done, CancellationToken ct) =>
        db.Database.ExecuteSqlAsync($"""
            UPDATE "ai_requests" SET "Status" = 'completed', "Attempts" = {attempt}, "CompletedAt" = {done.CompletedAt}, "LeaseUntil" = NULL,
              "ResultJson" = {done.ResultJson}, "CacheKey" = {done.CacheKey}, "Model" = {done.Model}, "PromptVersion" = {done.PromptVersion},
              "PromptTokens" = {done.PromptTokens}, "CompletionTokens" = {done.CompletionTokens}, "TotalTokens" = {done.TotalTokens},
              "PrecachedPromptTokens" = {done.PrecachedPromptTokens}, "ProcessingMs" = {done.ProcessingMs}, "GigaChatMs" = {done.GigaChatMs}
            WHERE "Id" = {id} AND (("Status" = 'processing' AND "Attempts" = {attempt}) OR ("Status" = 'queued' AND "Attempts" = {attempt - 1}))
            """, ct);
}

/// <summary>What a completed request stores.</summary>
public sealed record CompletedRequest(
    DateTime CompletedAt, string ResultJson, string CacheKey, string Model, int PromptVersion,
    int PromptTokens, int CompletionTokens, int TotalTokens, double ProcessingMs, double GigaChatMs)
{
    /// <summary>The part of the prompt GigaChat served from its session cache.</summary>
    public int PrecachedPromptTokens { get; init; }
}
