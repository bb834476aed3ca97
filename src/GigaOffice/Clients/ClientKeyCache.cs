using GigaOffice.Configuration;
using GigaOffice.Data;
using GigaOffice.Data.Postgres;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace GigaOffice.Clients;

/// <summary>
/// Keys found by their secret's hash, kept for CLIENT_KEY_CACHE_SECONDS so a call does not wait for a
/// database read before its own work (it was the largest part of the OpenAI-compatible gateway's
/// overhead, docs/BENCHMARKS.md). A change made through <see cref="ClientKeyStore"/> (revoke, new
/// limits) drops the key here at once and, on PostgreSQL, on every other instance
/// (<see cref="ClientKeyChanges"/>); the time limit bounds anything else, such as a change by hand in
/// the database. Unknown secrets are not kept: a key created on another instance works at once.
/// </summary>
public sealed class ClientKeyCache(IOptions<AuthOptions> options) : IDisposable
{
    private readonly TimeSpan _keepFor = TimeSpan.FromSeconds(options.Value.KeyCacheSeconds);
    // One entry per key in use; the limit only guards against a flood of distinct valid keys.
    private readonly MemoryCache _keys = new(new MemoryCacheOptions { SizeLimit = 10_000 });

    public async Task<ClientKey?> FindAsync(string hash, Func<string, Task<ClientKey?>> read)
    {
        if (_keepFor <= TimeSpan.Zero) return await read(hash);
        if (_keys.TryGetValue(hash, out ClientKey? known)) return known;
        var key = await read(hash);
        if (key is not null) _keys.Set(hash, key, new MemoryCacheEntryOptions { AbsoluteExpirationRelativeToNow = _keepFor, Size = 1 });
        return key;
    }

    public void Forget(string hash) => _keys.Remove(hash);

    /// <summary>After a key changed somewhere, or notifications may have been missed.</summary>
    public void ForgetAll() => _keys.Clear();

    public void Dispose() => _keys.Dispose();
}

/// <summary>
/// PostgreSQL: a key changed by any instance or by the <c>keys</c> command drops the cached keys of
/// every instance. The payload is the key's id; keys change seldom, so all are dropped.
/// </summary>
public sealed class ClientKeyChanges(ClientKeyCache cache) : IPostgresNotificationHandler
{
    public const string ChannelName = "gigaoffice_client_keys";

    public string Channel => ChannelName;

    public void Notified(string payload) => cache.ForgetAll();

    public void Resubscribed() => cache.ForgetAll();
}
