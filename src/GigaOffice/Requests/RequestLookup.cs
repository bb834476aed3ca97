using System.Collections.Concurrent;
using GigaOffice.Clients;
using GigaOffice.Data;
using Microsoft.EntityFrameworkCore;

namespace GigaOffice.Requests;

/// <summary>
/// A request by id, as its client may see it (<see cref="ClientIdentityExtensions.ForClient"/>):
/// the reads behind status and result polls, the service's most frequent queries. Compiled once,
/// because building and parameterising the LINQ tree on every call allocated more than the rest
/// of a poll; and a status poll reads only the status columns, not the request's table and answer
/// (docs/BENCHMARKS.md).
/// </summary>
internal static class RequestLookup
{
    // A compiled query keeps the executor of the provider it first ran on: one set per context type.
    private static readonly ConcurrentDictionary<Type, Queries> ByContextType = new();

    /// <summary>The whole stored request.</summary>
    public static Task<AiRequest?> FindAsync(GigaOfficeDbContext db, Guid id, HttpContext http, CancellationToken ct) =>
        For(db).ById(db, id, http.GetClient()?.Id, ct);

    /// <summary>What a status poll answers.</summary>
    public static Task<RequestStatusResponse?> StatusAsync(GigaOfficeDbContext db, Guid id, HttpContext http, CancellationToken ct) =>
        For(db).StatusById(db, id, http.GetClient()?.Id, ct);

    private static Queries For(GigaOfficeDbContext db) => ByContextType.GetOrAdd(db.GetType(), static _ => new Queries());

    private sealed class Queries
    {
        public readonly Func<GigaOfficeDbContext, Guid, Guid?, CancellationToken, Task<AiRequest?>> ById =
            EF.CompileAsyncQuery((GigaOfficeDbContext db, Guid id, Guid? clientId, CancellationToken ct) =>
                db.Requests.AsNoTracking().FirstOrDefault(r => r.Id == id && (clientId == null || r.ClientKeyId == clientId)));

        public readonly Func<GigaOfficeDbContext, Guid, Guid?, CancellationToken, Task<RequestStatusResponse?>> StatusById =
            EF.CompileAsyncQuery((GigaOfficeDbContext db, Guid id, Guid? clientId, CancellationToken ct) =>
                db.Requests.Where(r => r.Id == id && (clientId == null || r.ClientKeyId == clientId))
                    .Select(r => new RequestStatusResponse(r.Id, r.Status, r.Category, r.CreatedAt, r.StartedAt, r.CompletedAt, r.Attempts,
                        r.ErrorCode == null ? null : new RequestError(r.ErrorCode, r.ErrorMessage ?? ""), r.CorrelationId))
                    .FirstOrDefault());
    }
}
