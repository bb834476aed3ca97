using System.Collections.Concurrent;
using System.Net;

namespace GigaOffice.Clients;

/// <summary>
/// Slows key guessing: after <see cref="MaxFailures"/> wrong client or admin keys from one source
/// address within <see cref="Window"/>, that address gets 429 with Retry-After for every key attempt
/// until the window has passed, before any key is checked. Logs one warning per blocked period with
/// the count, not a line per attempt.
/// </summary>
public sealed class KeyGuessThrottle(TimeProvider time, ILogger<KeyGuessThrottle> logger)
{
    public const int MaxFailures = 10;
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(1);
    private const int MaxTrackedAddresses = 100_000;
    /// <summary>Marks a request with a wrong key: the request log writes it at debug level (the summary is the warning).</summary>
    public const string FailureItem = "gigaoffice:key-failure";

    private sealed class Entry
    {
        public DateTimeOffset WindowStart;
        public int Failures;
        public int Refused;
        public DateTimeOffset? BlockedUntil;
    }

    private readonly ConcurrentDictionary<IPAddress, Entry> _entries = new();

    /// <summary>How long the address must wait, or null when it may try a key.</summary>
    public TimeSpan? RetryAfter(HttpContext http)
    {
        var address = Address(http);
        if (!_entries.TryGetValue(address, out var entry)) return null;
        http.Items[FailureItem] = true;
        var now = time.GetUtcNow();
        lock (entry)
        {
            if (entry.BlockedUntil is not { } until) return null;
            if (now >= until)
            {
                if (entry.Refused > 0)
                    logger.LogWarning("Key guessing from {Address}: {Refused} more attempts refused while blocked", address, entry.Refused);
                _entries.TryRemove(address, out _);
                return null;
            }
            entry.Refused++;
            return until - now;
        }
    }

    /// <summary>Counts a wrong key from this request's address; blocks the address at the limit.</summary>
    public void Failed(HttpContext http, string what)
    {
        var address = Address(http);
        http.Items[FailureItem] = true;
        if (_entries.Count > MaxTrackedAddresses) Prune();
        var now = time.GetUtcNow();
        var entry = _entries.GetOrAdd(address, _ => new Entry { WindowStart = now });
        lock (entry)
        {
            if (now - entry.WindowStart > Window)
            {
                entry.WindowStart = now;
                entry.Failures = 0;
            }
            entry.Failures++;
            if (entry.Failures < MaxFailures || entry.BlockedUntil is not null) return;
            entry.BlockedUntil = now + Window;
            logger.LogWarning("Key guessing from {Address}: {Failures} wrong {What} keys within {Window}; key attempts refused for {Seconds} s",
                address, entry.Failures, what, Window, (int)Window.TotalSeconds);
        }
    }

    /// <summary>The connection's address (an in-process test server has none: one bucket for all).</summary>
    private static IPAddress Address(HttpContext http) => http.Connection.RemoteIpAddress switch
    {
        null => IPAddress.None,
        { IsIPv4MappedToIPv6: true } ip => ip.MapToIPv4(),
        var ip => ip,
    };

    /// <summary>Forgets addresses whose window and block are over (a flood of addresses cannot grow memory without end).</summary>
    private void Prune()
    {
        var now = time.GetUtcNow();
        foreach (var (address, entry) in _entries)
            if (now - entry.WindowStart > Window && (entry.BlockedUntil is null || entry.BlockedUntil <= now))
                _entries.TryRemove(address, out _);
    }
}
