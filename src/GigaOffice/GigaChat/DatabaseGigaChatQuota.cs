using GigaOffice.Configuration;
using GigaOffice.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace GigaOffice.GigaChat;

/// <summary>
/// The quota of the whole deployment: every instance records its grants in one table, and a
/// grant is only made while fewer than the limit exist in the rolling window. Check and insert
/// run under one lock held by the database: <c>pg_advisory_xact_lock</c> on PostgreSQL, the
/// write lock that SQLite's <c>BEGIN IMMEDIATE</c> takes. A grant counts for the window plus a
/// safety margin, which absorbs the time between the grant and the call reaching GigaChat.
/// </summary>
public sealed class DatabaseGigaChatQuota(
    IServiceScopeFactory scopes, IOptions<GigaChatOptions> options, TimeProvider time) : IGigaChatQuota
{
    // Any number works, as long as every instance uses the same one.
    private const long AdvisoryLockKey = 0x67_69_67_61_71_75_6f_74; // "gigaquot"

    private readonly int _limit = options.Value.MaxRequestsPerMinute;
    private readonly long _windowMs = options.Value.QuotaWindowSeconds * 1000L + options.Value.QuotaSafetyMarginMs;

    public async ValueTask AcquireAsync(CancellationToken cancellationToken)
    {
        while (await TryAcquireAsync(cancellationToken) is { } wait)
            // Jitter: instances waiting for the same freed slot should not all ask at the same instant.
            await Task.Delay(wait + TimeSpan.FromMilliseconds(Random.Shared.Next(5, 50)), time, cancellationToken);
    }

    public async ValueTask<TimeSpan?> TryAcquireAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GigaOfficeDbContext>();
        // PostgreSQL runs with retry-on-failure, which wants user transactions inside its strategy.
        return await db.Database.CreateExecutionStrategy().ExecuteAsync(db, TryAcquireOnceAsync, cancellationToken);
    }

    private async Task<TimeSpan?> TryAcquireOnceAsync(GigaOfficeDbContext db, CancellationToken cancellationToken)
    {
        db.ChangeTracker.Clear();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        long now;
        if (db.Database.IsNpgsql())
        {
            await db.Database.ExecuteSqlRawAsync("SELECT pg_advisory_xact_lock({0})", [AdvisoryLockKey], cancellationToken);
            // The database's clock: one clock for all instances, whatever their own drift.
            now = await db.Database.SqlQueryRaw<long>("SELECT (extract(epoch from clock_timestamp()) * 1000)::bigint AS \"Value\"")
                .SingleAsync(cancellationToken);
        }
        else
        {
            // SQLite: instances share the file, hence the host and its clock.
            now = time.GetUtcNow().ToUnixTimeMilliseconds();
        }

        var windowStart = now - _windowMs;
        await db.QuotaGrants.Where(g => g.GrantedAtMs <= windowStart).ExecuteDeleteAsync(cancellationToken);
        var granted = await db.QuotaGrants.Select(g => g.GrantedAtMs).OrderBy(t => t).ToListAsync(cancellationToken);
        if (granted.Count < _limit)
        {
            db.QuotaGrants.Add(new GigaChatQuotaGrant { GrantedAtMs = now });
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return null;
        }
        await transaction.CommitAsync(cancellationToken);
        // The slot frees when enough of the oldest grants leave the window (more than one if the limit was lowered).
        var frees = granted[granted.Count - _limit] + _windowMs - now;
        return TimeSpan.FromMilliseconds(Math.Max(1, frees));
    }
}
