namespace GigaOffice.GigaChat;

/// <summary>
/// GigaChat's request-per-minute quota (<c>GIGACHAT_MAX_REQUESTS_PER_MINUTE</c>). Queue work waits
/// for a slot; synchronous calls take one or learn how long to wait.
/// </summary>
public interface IGigaChatQuota
{
    /// <summary>Waits until a call is allowed and takes the slot.</summary>
    ValueTask AcquireAsync(CancellationToken cancellationToken);

    /// <summary>Takes a slot if one is free now; otherwise says how long until one frees up.</summary>
    ValueTask<TimeSpan?> TryAcquireAsync(CancellationToken cancellationToken);
}

/// <summary>No limit: the dry-run model costs nothing.</summary>
public sealed class UnlimitedQuota : IGigaChatQuota
{
    public ValueTask AcquireAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;
    public ValueTask<TimeSpan?> TryAcquireAsync(CancellationToken cancellationToken) => ValueTask.FromResult<TimeSpan?>(null);
}

/// <summary>
/// An exact rolling window inside one process: a call is allowed when fewer than the limit were
/// granted in the last 60 seconds. Unlike a fixed window it never lets 2×limit through across a
/// window boundary.
/// </summary>
public sealed class LocalRollingWindowQuota(int perMinute, TimeProvider time) : IGigaChatQuota
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);
    private readonly Queue<DateTimeOffset> _granted = new();
    private readonly Lock _lock = new();

    public async ValueTask AcquireAsync(CancellationToken cancellationToken)
    {
        while (await TryAcquireAsync(cancellationToken) is { } wait)
            await Task.Delay(wait, time, cancellationToken);
    }

    public ValueTask<TimeSpan?> TryAcquireAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var now = time.GetUtcNow();
            while (_granted.Count > 0 && now - _granted.Peek() >= Window) _granted.Dequeue();
            if (_granted.Count < perMinute)
            {
                _granted.Enqueue(now);
                return ValueTask.FromResult<TimeSpan?>(null);
            }
            var wait = _granted.Peek() + Window - now;
            return ValueTask.FromResult<TimeSpan?>(wait < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : wait);
        }
    }
}
