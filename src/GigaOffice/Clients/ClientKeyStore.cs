using System.Security.Cryptography;
using System.Text;
using GigaOffice.Data;
using Microsoft.EntityFrameworkCore;

namespace GigaOffice.Clients;

/// <summary>A key as an admin sees it: everything but the secret.</summary>
public sealed record ClientKeyInfo(
    Guid Id, string Name, string Prefix, int RequestsPerMinute, long DailyTokenBudget,
    DateTime CreatedAt, DateTime? RevokedAt, long TokensUsedToday)
{
    public bool Active => RevokedAt is null;
}

/// <summary>A freshly created key: the only moment the secret exists outside the client.</summary>
public sealed record CreatedClientKey(ClientKeyInfo Info, string Key);

/// <summary>Creates, finds, lists and revokes client keys; shared by the admin API and the <c>keys</c> command.</summary>
public sealed class ClientKeyStore(GigaOfficeDbContext db, ClientKeyCache cache, TimeProvider time, ILogger<ClientKeyStore> logger)
{
    public const string KeyPrefix = "gok_";
    private const int PrefixLength = 12;

    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    public async Task<CreatedClientKey> CreateAsync(string name, int requestsPerMinute, long dailyTokenBudget, CancellationToken ct)
    {
        var key = KeyPrefix + System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        var entity = new ClientKey
        {
            Id = Guid.CreateVersion7(),
            Name = name.Trim(),
            Prefix = key[..PrefixLength],
            KeyHash = Hash(key),
            RequestsPerMinute = requestsPerMinute,
            DailyTokenBudget = dailyTokenBudget,
            CreatedAt = time.GetUtcNow().UtcDateTime,
        };
        db.ClientKeys.Add(entity);
        await db.SaveChangesAsync(ct);
        logger.LogInformation("Client key {KeyPrefix} created for {ClientName} ({ClientKeyId}): {RequestsPerMinute} requests/min, daily token budget {DailyTokenBudget}",
            entity.Prefix, entity.Name, entity.Id, requestsPerMinute, dailyTokenBudget);
        return new CreatedClientKey(Info(entity, 0), key);
    }

    /// <summary>The key with this secret, revoked or not; null when no key has it.</summary>
    public Task<ClientKey?> FindBySecretAsync(string key, CancellationToken ct) =>
        cache.FindAsync(Hash(key), hash => db.ClientKeys.AsNoTracking().FirstOrDefaultAsync(k => k.KeyHash == hash, ct));

    public async Task<IReadOnlyList<ClientKeyInfo>> ListAsync(CancellationToken ct)
    {
        var keys = await db.ClientKeys.AsNoTracking().OrderBy(k => k.CreatedAt).ToListAsync(ct);
        var dayStart = DayStart();
        var used = await db.Requests.Where(r => r.ClientKeyId != null && r.CreatedAt >= dayStart)
            .GroupBy(r => r.ClientKeyId!.Value)
            .Select(g => new { Id = g.Key, Tokens = g.Sum(r => (long)r.TotalTokens) })
            .ToDictionaryAsync(x => x.Id, x => x.Tokens, ct);
        var openAi = await db.OpenAiCalls.Where(c => c.ClientKeyId != null && c.CreatedAt >= dayStart)
            .GroupBy(c => c.ClientKeyId!.Value)
            .Select(g => new { Id = g.Key, Tokens = g.Sum(c => (long)c.TotalTokens) })
            .ToDictionaryAsync(x => x.Id, x => x.Tokens, ct);
        foreach (var (id, tokens) in openAi) used[id] = used.GetValueOrDefault(id) + tokens;
        return keys.Select(k => Info(k, used.GetValueOrDefault(k.Id))).ToList();
    }

    /// <summary>Finds a key by its id or its listed prefix (what an admin can copy from <c>keys list</c>).</summary>
    public async Task<ClientKey?> FindAsync(string idOrPrefix, CancellationToken ct)
    {
        if (Guid.TryParse(idOrPrefix, out var id)) return await db.ClientKeys.FirstOrDefaultAsync(k => k.Id == id, ct);
        var matches = await db.ClientKeys.Where(k => k.Prefix == idOrPrefix).Take(2).ToListAsync(ct);
        return matches.Count == 1 ? matches[0] : null;
    }

    /// <summary>Revokes the key; revoking twice keeps the first time. Null when there is no such key.</summary>
    public async Task<ClientKeyInfo?> RevokeAsync(string idOrPrefix, CancellationToken ct)
    {
        var key = await FindAsync(idOrPrefix, ct);
        if (key is null) return null;
        if (key.RevokedAt is null)
        {
            key.RevokedAt = time.GetUtcNow().UtcDateTime;
            await db.SaveChangesAsync(ct);
            await ChangedAsync(key, ct);
            logger.LogInformation("Client key {KeyPrefix} of {ClientName} ({ClientKeyId}) revoked", key.Prefix, key.Name, key.Id);
        }
        return Info(key, await TokensUsedTodayAsync(key.Id, ct));
    }

    /// <summary>Changes the key's name and limits; the next request with the key is held to them.</summary>
    public async Task<ClientKeyInfo> UpdateAsync(ClientKey key, string? name, int? requestsPerMinute, long? dailyTokenBudget, CancellationToken ct)
    {
        if (name is not null) key.Name = name.Trim();
        if (requestsPerMinute is { } rpm) key.RequestsPerMinute = rpm;
        if (dailyTokenBudget is { } budget) key.DailyTokenBudget = budget;
        await db.SaveChangesAsync(ct);
        await ChangedAsync(key, ct);
        logger.LogInformation("Client key {KeyPrefix} of {ClientName} ({ClientKeyId}) changed: {RequestsPerMinute} requests/min, daily token budget {DailyTokenBudget}",
            key.Prefix, key.Name, key.Id, key.RequestsPerMinute, key.DailyTokenBudget);
        return Info(key, await TokensUsedTodayAsync(key.Id, ct));
    }

    /// <summary>Tokens of the key's requests and OpenAI-compatible calls made today (UTC).</summary>
    public Task<long> TokensUsedTodayAsync(Guid keyId, CancellationToken ct) => TokenReservations.SpentTodayAsync(db, keyId, DayStart(), ct);

    /// <summary>The next request with the key is held to the change here at once, and on PostgreSQL on every instance.</summary>
    private async Task ChangedAsync(ClientKey key, CancellationToken ct)
    {
        cache.Forget(key.KeyHash);
        if (db.Database.IsNpgsql())
            await db.Database.ExecuteSqlAsync($"SELECT pg_notify({ClientKeyChanges.ChannelName}, {key.Id.ToString()})", ct);
    }

    /// <summary>Budgets are per UTC day, the same for every instance and every admin's time zone.</summary>
    public DateTime DayStart() => time.GetUtcNow().UtcDateTime.Date;

    public static ClientKeyInfo Info(ClientKey k, long tokensUsedToday) =>
        new(k.Id, k.Name, k.Prefix, k.RequestsPerMinute, k.DailyTokenBudget, k.CreatedAt, k.RevokedAt, tokensUsedToday);
}
