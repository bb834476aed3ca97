using Microsoft.EntityFrameworkCore;

namespace GigaOffice.Data;

/// <summary>
/// The statements of <see cref="IRequestStore"/> over a backend's two conditions,
/// <see cref="ClaimableWhere"/> and <see cref="OwnedWhere"/>, which each backend defines once.
/// The writes are plain SQL with EF's parameter mappings (the columns' own), so values are stored as
/// EF stores them; EF cannot compile an ExecuteUpdate, and building its tree on every call cost more
/// than the database's work.
/// </summary>
public abstract class RequestStore(IServiceScopeFactory scopes) : IRequestStore
{
    public abstract int AcceptWriters { get; }

    public abstract Task AcceptAsync(IReadOnlyList<AiRequest> batch, CancellationToken ct);

    /// <summary>SQL condition: a worker may take the row now (queued and due, or processing with an expired lease).</summary>
    /// <param name="now">The placeholder of the current time, e.g. "{2}".</param>
    protected abstract string ClaimableWhere(string now);

    /// <summary>SQL condition: the row while attempt <paramref name="attempt"/> owns it.</summary>
    protected abstract string OwnedWhere(string id, string attempt);

    /// <summary>The claim; parameters {0} id, {1} attempts seen, {2} now, {3} lease end.</summary>
    protected abstract string ClaimStatement { get; }

    /// <summary>Runs one write statement; a backend with one writer at a time runs them one after another.</summary>
    protected virtual async Task<int> ExecuteAsync(string sql, object?[] parameters, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<GigaOfficeDbContext>().Database.ExecuteSqlRawAsync(sql, parameters!, ct);
    }

    protected async Task<T> ReadAsync<T>(Func<GigaOfficeDbContext, Task<T>> read)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await read(scope.ServiceProvider.GetRequiredService<GigaOfficeDbContext>());
    }

    // The statements as text, built once from the backend's conditions (plain strings: nothing of a caller's goes into them).
    private string? _selectClaimable, _selectOwned;
    private string SelectClaimable => _selectClaimable ??= $$"""SELECT * FROM "ai_requests" WHERE {{ClaimableWhere("{0}")}}""";
    private string SelectOwned => _selectOwned ??= $$"""SELECT * FROM "ai_requests" WHERE {{OwnedWhere("{0}", "{1}")}}""";

    public IQueryable<AiRequest> Claimable(GigaOfficeDbContext db, DateTime now) =>
        db.Requests.FromSqlRaw(SelectClaimable, now).AsNoTracking();

    public Task<AiRequest?> FindClaimableAsync(Guid id, DateTime now, CancellationToken ct) =>
        ReadAsync(db => Claimable(db, now).Where(r => r.Id == id).FirstOrDefaultAsync(ct));

    public Task<string?> FindStatusAsync(Guid id, CancellationToken ct) =>
        ReadAsync(db => db.Requests.AsNoTracking().Where(r => r.Id == id).Select(r => r.Status).FirstOrDefaultAsync(ct));

    public async Task<bool> ClaimAsync(RequestClaim claim, CancellationToken ct) =>
        await ExecuteAsync(ClaimStatement, [claim.Id, claim.SeenAttempts, claim.StartedAt, claim.LeaseUntil], ct) == 1;

    public Task<bool> HoldsClaimAsync(RequestClaim claim, CancellationToken ct) =>
        ReadAsync(db => db.Requests.FromSqlRaw(SelectOwned, claim.Id, claim.Attempt)
            .AnyAsync(r => r.Status == RequestStatus.Processing && r.StartedAt == claim.StartedAt && r.LeaseUntil == claim.LeaseUntil, ct));

    public async Task<bool> CompleteAsync(Guid id, int attempt, CompletedRequest done, CancellationToken ct) =>
        await ExecuteAsync($$"""
            UPDATE "ai_requests" SET "Status" = 'completed', "Attempts" = {1}, "CompletedAt" = {2}, "LeaseUntil" = NULL,
              "ResultJson" = {3}, "CacheKey" = {4}, "Model" = {5}, "PromptVersion" = {6},
              "PromptTokens" = {7}, "CompletionTokens" = {8}, "TotalTokens" = {9},
              "ProcessingMs" = {10}, "GigaChatMs" = {11}, "PrecachedPromptTokens" = {12}
            WHERE {{OwnedWhere("{0}", "{1}")}}
            """, [id, attempt, done.CompletedAt, done.ResultJson, done.CacheKey, done.Model, done.PromptVersion,
                done.PromptTokens, done.CompletionTokens, done.TotalTokens, done.ProcessingMs, done.GigaChatMs, done.PrecachedPromptTokens], ct) == 1;

    public async Task<bool> CompleteFromCacheAsync(Guid id, int attempt, CachedCompletion done, CancellationToken ct) =>
        await ExecuteAsync($$"""
            UPDATE "ai_requests" SET "Status" = 'completed', "Attempts" = {1}, "CompletedAt" = {2}, "LeaseUntil" = NULL,
              "ResultJson" = {3}, "CachedFromId" = {4}, "CacheKey" = {5}, "Model" = {6}, "PromptVersion" = {7},
              "PromptTokens" = 0, "CompletionTokens" = 0, "TotalTokens" = 0, "ProcessingMs" = {8}, "GigaChatMs" = NULL
            WHERE {{OwnedWhere("{0}", "{1}")}}
            """, [id, attempt, done.CompletedAt, done.Source.ResultJson, done.Source.Id, done.CacheKey, done.Source.Model,
                done.PromptVersion, done.ProcessingMs], ct) == 1;

    public async Task<bool> FailAsync(Guid id, int attempt, FailedRequest failed, CancellationToken ct) =>
        await ExecuteAsync($$"""
            UPDATE "ai_requests" SET "Status" = 'failed', "Attempts" = {1}, "CompletedAt" = {2}, "LeaseUntil" = NULL,
              "ErrorCode" = {3}, "ErrorMessage" = {4}, "RawAnswer" = {5}, "Model" = {6}, "PromptVersion" = {7},
              "PromptTokens" = {8}, "CompletionTokens" = {9}, "TotalTokens" = {10},
              "ProcessingMs" = {11}, "GigaChatMs" = {12}, "PrecachedPromptTokens" = {13}
            WHERE {{OwnedWhere("{0}", "{1}")}}
            """, [id, attempt, failed.CompletedAt, failed.ErrorCode, failed.ErrorMessage, failed.RawAnswer, failed.Model, failed.PromptVersion,
                failed.PromptTokens, failed.CompletionTokens, failed.TotalTokens, failed.ProcessingMs, failed.GigaChatMs, failed.PrecachedPromptTokens], ct) == 1;

    public async Task<bool> ReleaseAsync(Guid id, int attempt, DateTime? notBefore, CancellationToken ct) =>
        await ExecuteAsync($$"""
            UPDATE "ai_requests" SET "Status" = 'queued', "Attempts" = {1}, "LeaseUntil" = {2}, "PublishedAt" = NULL
            WHERE {{OwnedWhere("{0}", "{1}")}}
            """, [id, attempt, notBefore], ct) == 1;

    public Task<bool> IsFinishedByAsync(Guid id, int attempt, CancellationToken ct) =>
        ReadAsync(db => db.Requests.AnyAsync(r => r.Id == id && r.Attempts == attempt
            && (r.Status == RequestStatus.Completed || r.Status == RequestStatus.Failed), ct));

    /// <summary>Completed answers under a cache key, newest first (index: CacheKey, CompletedAt).</summary>
    public static IQueryable<AiRequest> CacheSources(GigaOfficeDbContext db, string key, DateTime notBefore, Guid except) =>
        db.Requests.AsNoTracking()
            .Where(r => r.CacheKey == key && r.Status == RequestStatus.Completed && r.CachedFromId == null && r.CompletedAt >= notBefore && r.Id != except)
            .OrderByDescending(r => r.CompletedAt);

    public Task<CacheSource?> FindCacheSourceAsync(string key, DateTime notBefore, Guid except, CancellationToken ct) =>
        ReadAsync(db => CacheSources(db, key, notBefore, except).Where(r => r.ResultJson != null)
            .Select(r => new CacheSource(r.Id, r.ResultJson!, r.Model)).FirstOrDefaultAsync(ct));

    public async Task<IReadOnlyList<Guid>> FindRecoverableAsync(Guid thisInstance, DateTime now, DateTime queuedBefore, int limit, CancellationToken ct) =>
        await ReadAsync(db =>
        {
            var othersAlive = db.Instances.Where(i => i.AliveUntil >= now && i.Id != thisInstance).Select(i => (Guid?)i.Id);
            return Claimable(db, now)
                .Where(r => r.Status != RequestStatus.Queued || r.CreatedAt < queuedBefore)
                .Where(r => r.Status != RequestStatus.Queued || r.AcceptedBy == null || !othersAlive.Contains(r.AcceptedBy))
                .OrderBy(r => r.CreatedAt).Select(r => r.Id).Take(limit)
                .ToListAsync(ct);
        });

    public async Task<int> ReturnToOutboxAsync(DateTime now, DateTime staleBefore, CancellationToken ct) =>
        await ExecuteAsync($$"""
            UPDATE "ai_requests" SET "Status" = 'queued', "LeaseUntil" = NULL, "PublishedAt" = NULL
            WHERE "Status" = 'processing' AND {{ClaimableWhere("{0}")}}
            """, [now], ct)
        + await ExecuteAsync($$"""
            UPDATE "ai_requests" SET "PublishedAt" = NULL WHERE "PublishedAt" < {1} AND {{ClaimableWhere("{0}")}}
            """, [now, staleBefore], ct);
}
