using GigaOffice.Configuration;
using GigaOffice.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace GigaOffice.GigaChat;

/// <summary>
/// The quota of the whole deployment: every instance records its grants in one table, and a
/// grant is only made while fewer than the limit exist in the rolling window. Check and insert
/// run under one lock held by the database: <c>pg_advisory_xact_lock</c> on PostgreSQL, the
/// write lock SQLite takes for one statement. A grant counts for the window plus a
/// safety margin, which absorbs the time between the grant and the call reaching GigaChat.
/// </summary>
public sealed class DatabaseGigaChatQuota(
    IServiceScopeFactory scopes, IOptions<GigaChatOptions> options, TimeProvider time) : IGigaChatQuota
{
    // Any number works, as long as every instance uses the same one.
    private const long AdvisoryLockKey = 0x67_69_67_61_71_75_6f_74; // "gigaquot"

    private readonly int _limit = options.Value.MaxRequestsPerMinute;
    private readonly long _windowMs = options.Value.QuotaWindowSeconds * 1000L + options.Value.QuotaSafetyMarginMs;

    public async ValueTask<QuotaSlot> AcquireAsync(CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        for (var first = true; ; first = false)
        {
            var (grantId, wait) = await TryTakeAsync(cancellationToken);
            if (grantId is not null) return new QuotaSlot(grantId, first ? TimeSpan.Zero : time.GetElapsedTime(started));
            // Jitter: instances waiting for the same freed slot should not all ask at the same instant.
            await Task.Delay(wait + TimeSpan.FromMilliseconds(Random.Shared.Next(5, 50)), time, cancellationToken);
        }
    }

    public async ValueTask<TimeSpan?> TryAcquireAsync(CancellationToken cancellationToken)
    {
        var (grantId, wait) = await TryTakeAsync(cancellationToken);
        return grantId is null ? wait : null;
    }

    public async ValueTask ReturnAsync(QuotaSlot slot, CancellationToken cancellationToken)
    {
        if (slot.GrantId is not { } id) return;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GigaOfficeDbContext>();
        await db.QuotaGrants.Where(g => g.Id == id).ExecuteDeleteAsync(cancellationToken);
    }

    /// <summary>The new grant's id, or how long until a slot frees up.</summary>
    private async Task<(long? GrantId, TimeSpan Wait)> TryTakeAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GigaOfficeDbContext>();
        // PostgreSQL runs with retry-on-failure, which wants user transactions inside its strategy.
        return await db.Database.CreateExecutionStrategy().ExecuteAsync(db, TryTakeOnceAsync, cancellationToken);
    }

    private async Task<(long? GrantId, TimeSpan Wait)> TryTakeOnceAsync(GigaOfficeDbContext db, CancellationToken cancellationToken)
    {
        db.ChangeTracker.Clear();
        if (!db.Database.IsNpgsql()) return await TryTakeOnSqliteAsync(db, cancellationToken);

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        // The lock first (the FROM clause runs before the select list), then the database's clock:
        // one clock for all instances, whatever their own drift. One round trip for both.
        var now = await db.Database.SqlQueryRaw<long>(
                "SELECT (extract(epoch from clock_timestamp()) * 1000)::bigint AS \"Value\" FROM (SELECT pg_advisory_xact_lock({0})) AS l",
                AdvisoryLockKey)
            .SingleAsync(cancellationToken);
        // Sweep, count and grant in one statement, while the lock is held: a round trip each (and
        // SaveChanges' savepoint) kept every instance's grants waiting on this one. A count, not the
        // rows: with a high limit the window holds thousands of grants. The count skips expired
        // grants itself, as it sees the table from before the sweep.
        var windowStart = now - _windowMs;
        var grantIds = await db.Database.SqlQuery<long>($"""
            WITH "Expired" AS (DELETE FROM gigachat_quota_grants WHERE "GrantedAtMs" <= {windowStart})
            INSERT INTO gigachat_quota_grants ("GrantedAtMs")
            SELECT {now} WHERE (SELECT COUNT(*) FROM gigachat_quota_grants WHERE "GrantedAtMs" > {windowStart}) < {_limit}
            RETURNING "Id" AS "Value"
            """).ToListAsync(cancellationToken);
        var wait = grantIds.Count > 0 ? TimeSpan.Zero
            : await UntilSlotFreesAsync(db, now, await db.QuotaGrants.CountAsync(g => g.GrantedAtMs > windowStart, cancellationToken), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return grantIds.Count > 0 ? (grantIds[0], TimeSpan.Zero) : (null, wait);
    }

    /// <summary>
    /// SQLite: check and insert are one statement, which SQLite runs under the write lock of the
    /// file, shared by every process on it. A transaction of four round trips held that lock so
    /// long that the workers' claims and results queued behind it (docs/BENCHMARKS.md). The
    /// statement goes to the connection as it is: through EF's query pipeline it cost more than
    /// SQLite's work. Instances share the file, hence the host and its clock.
    /// </summary>
    private async Task<(long? GrantId, TimeSpan Wait)> TryTakeOnSqliteAsync(GigaOfficeDbContext db, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var windowStart = now - _windowMs;
        long? grantId;
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            await using var insert = db.Database.GetDbConnection().CreateCommand();
            insert.CommandText = """
                INSERT INTO gigachat_quota_grants ("GrantedAtMs") SELECT $now
                WHERE (SELECT COUNT(*) FROM gigachat_quota_grants WHERE "GrantedAtMs" > $windowStart) < $limit
                RETURNING "Id"
                """;
            AddParameter(insert, "$now", now);
            AddParameter(insert, "$windowStart", windowStart);
            AddParameter(insert, "$limit", _limit);
            grantId = await insert.ExecuteScalarAsync(cancellationToken) is long id ? id : null;
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
        if (grantId is { } granted)
        {
            // Grants that left the window only take space (the count above skips them): sweep them
            // now and then rather than with a second write on every grant.
            if (granted % ExpiredSweepEvery == 0)
                await db.QuotaGrants.Where(g => g.GrantedAtMs <= windowStart).ExecuteDeleteAsync(cancellationToken);
            return (granted, TimeSpan.Zero);
        }
        var inWindow = await db.QuotaGrants.CountAsync(g => g.GrantedAtMs > windowStart, cancellationToken);
        return (null, await UntilSlotFreesAsync(db, now, inWindow, cancellationToken));
    }

    private const int ExpiredSweepEvery = 64;

    private static void AddParameter(System.Data.Common.DbCommand command, string name, long value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }

    /// <summary>
    /// When enough of the oldest grants in the window leave it for a slot to free (more than one
    /// if the limit was lowered).
    /// </summary>
    private async Task<TimeSpan> UntilSlotFreesAsync(GigaOfficeDbContext db, long now, int granted, CancellationToken cancellationToken)
    {
        var freeingGrant = await db.QuotaGrants.Where(g => g.GrantedAtMs > now - _windowMs).OrderBy(g => g.GrantedAtMs)
            .Skip(Math.Max(0, granted - _limit)).Select(g => g.GrantedAtMs).FirstOrDefaultAsync(cancellationToken);
        return TimeSpan.FromMilliseconds(Math.Max(1, freeingGrant + _windowMs - now));
    }
}
