namespace GigaOffice.Data;

/// <summary>
/// A request's life in the database: accepted, claimed by a worker's attempt, then completed,
/// failed or released back to the queue. Every write after the claim is fenced by the attempt
/// number, so a worker that lost its lease cannot overwrite the work of the one that took over.
/// One implementation per backend (<see cref="Sqlite.SqliteRequestStore"/>,
/// <see cref="Postgres.PostgresRequestStore"/>), each defining once which rows are claimable and
/// which are owned by an attempt.
/// </summary>
public interface IRequestStore
{
    /// <summary>How many batches of accepted requests may be written at the same time.</summary>
    int AcceptWriters { get; }

    /// <summary>Stores new requests in one transaction; returns once they are durable.</summary>
    Task AcceptAsync(IReadOnlyList<AiRequest> batch, CancellationToken ct);

    /// <summary>The request, if a worker may take it now.</summary>
    Task<AiRequest?> FindClaimableAsync(Guid id, DateTime now, CancellationToken ct);

    /// <summary>The request's status; null when there is no such request.</summary>
    Task<string?> FindStatusAsync(Guid id, CancellationToken ct);

    /// <summary>Takes the request for the attempt after <see cref="RequestClaim.SeenAttempts"/>; false if it is not claimable so.</summary>
    Task<bool> ClaimAsync(RequestClaim claim, CancellationToken ct);

    /// <summary>True if the row carries exactly this claim (a retried claim whose first try committed).</summary>
    Task<bool> HoldsClaimAsync(RequestClaim claim, CancellationToken ct);

    /// <summary>Stores the answer if the attempt still owns the request.</summary>
    Task<bool> CompleteAsync(Guid id, int attempt, CompletedRequest done, CancellationToken ct);

    /// <summary>Stores an earlier identical request's answer if the attempt still owns the request.</summary>
    Task<bool> CompleteFromCacheAsync(Guid id, int attempt, CachedCompletion done, CancellationToken ct);

    /// <summary>Stores the failure if the attempt still owns the request.</summary>
    Task<bool> FailAsync(Guid id, int attempt, FailedRequest failed, CancellationToken ct);

    /// <summary>Hands the request back, queued and due at <paramref name="notBefore"/> (now when null), and back in the outbox.</summary>
    Task<bool> ReleaseAsync(Guid id, int attempt, DateTime? notBefore, CancellationToken ct);

    /// <summary>True if the attempt already finished the request (a retried write whose first try committed).</summary>
    Task<bool> IsFinishedByAsync(Guid id, int attempt, CancellationToken ct);

    /// <summary>The newest answer stored under the cache key since <paramref name="notBefore"/>, other than <paramref name="except"/>'s own.</summary>
    Task<CacheSource?> FindCacheSourceAsync(string key, DateTime notBefore, Guid except, CancellationToken ct);

    /// <summary>Requests a worker may take, for sweeps to filter further (in <paramref name="db"/>, so within its transaction).</summary>
    IQueryable<AiRequest> Claimable(GigaOfficeDbContext db, DateTime now);

    /// <summary>
    /// Claimable requests nobody is working on, oldest first: with the in-process queue, queued ones
    /// accepted before <paramref name="queuedBefore"/> unless a live instance other than
    /// <paramref name="thisInstance"/> accepted them, and processing ones whose lease ran out.
    /// </summary>
    Task<IReadOnlyList<Guid>> FindRecoverableAsync(Guid thisInstance, DateTime now, DateTime queuedBefore, int limit, CancellationToken ct);

    /// <summary>With a durable queue: requests whose worker died, and those published before <paramref name="staleBefore"/>, go back into the outbox.</summary>
    Task<int> ReturnToOutboxAsync(DateTime now, DateTime staleBefore, CancellationToken ct);
}
