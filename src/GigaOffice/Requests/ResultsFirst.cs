using System.Diagnostics;

namespace GigaOffice.Requests;

/// <summary>
/// On SQLite every write takes the one write lock of the file. Workers answered at the same moment
/// then queued their results behind each other's quota grants and claims for the next request:
/// most of the worker's own time at p99 (docs/BENCHMARKS.md, change 32). A result is what a client
/// is waiting for; a grant or an overlapped claim can wait a moment. So while a result is on its way
/// to the database, the next request's grant and overlapped claim hold back, for
/// <see cref="DefaultMaxHoldBack"/> at most so that they are never starved. They sleep while they
/// wait: spinning took CPU from the very result writes they wait for. On PostgreSQL writes to
/// different rows do not queue, and nothing holds back.
/// </summary>
public sealed class ResultsFirst(bool enabled, TimeSpan? maxHoldBack = null)
{
    public static readonly TimeSpan DefaultMaxHoldBack = TimeSpan.FromMilliseconds(2);
    private readonly TimeSpan _maxHoldBack = maxHoldBack ?? DefaultMaxHoldBack;
    private readonly object _gate = new(); // Monitor.Wait needs a monitor, not a System.Threading.Lock
    private int _coming;

    /// <summary>Marks a result on its way to the database until disposed.</summary>
    public Coming ResultComing()
    {
        if (!enabled) return default;
        lock (_gate) _coming++;
        return new Coming(this);
    }

    /// <summary>Waits while a result is on its way; true if it waited.</summary>
    public bool HoldBack()
    {
        if (Volatile.Read(ref _coming) == 0) return false;
        var started = Stopwatch.GetTimestamp();
        lock (_gate)
        {
            while (_coming > 0)
            {
                var left = _maxHoldBack - Stopwatch.GetElapsedTime(started);
                if (left <= TimeSpan.Zero) break;
                Monitor.Wait(_gate, left);
            }
        }
        return true;
    }

    private void Stored()
    {
        lock (_gate)
            if (--_coming == 0) Monitor.PulseAll(_gate);
    }

    public readonly struct Coming(ResultsFirst? owner) : IDisposable
    {
        public void Dispose() => owner?.Stored();
    }
}
