using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;

namespace GigaOffice.Data;

/// <summary>
/// How a connection waits for the write lock another connection holds. SQLite's own wait
/// (busy_timeout) sleeps 1, 2, 5, 10 ms... between tries, while a write here holds the lock for
/// about 0.05-0.2 ms: a worker whose claim met another worker's write waited 1-3 ms, most of the
/// worker's own time at p99 (docs/BENCHMARKS.md). This wait first gives the CPU away and tries
/// again at once for <see cref="YieldPhase"/>: any timed sleep, however short, on this VM wakes
/// more than 1 ms late about once in a hundred (bench/Jitter). Then it sleeps 50 µs between tries
/// up to 5 ms in all (a try costs a few microseconds; a doubling wait oversleeps the release by
/// up to as long as it has already waited), then doubles the step up to 2 ms, and gives up
/// (SQLITE_BUSY) after <see cref="Limit"/>, as busy_timeout did.
/// </summary>
internal static unsafe partial class SqliteBusyWait
{
    public static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan YieldPhase = TimeSpan.FromMicroseconds(300);
    private static long _waits;
    private static long _waitedTicks;
    private const int FirstDelayMicroseconds = 50;
    private const int MaxDelayMicroseconds = 2_000;
    private const int ShortSleeps = 100;

    // The lock attempt this thread is waiting in: when it began and how many times it has slept.
    [ThreadStatic] private static long _attemptStarted;
    [ThreadStatic] private static int _sleeps;

    /// <summary>Waits so far in this process, on every connection (each yield or sleep counts once).</summary>
    public static long Waits => Interlocked.Read(ref _waits);

    /// <summary>Time spent in those waits so far.</summary>
    public static TimeSpan Waited => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _waitedTicks));

    /// <summary>
    /// Replaces the connection's busy handler (and any busy_timeout) with this wait, giving up after
    /// <paramref name="limit"/> (<see cref="Limit"/> when not given).
    /// </summary>
    public static void Install(SqliteConnection connection, TimeSpan? limit = null)
    {
        // The limit travels as the handler's state, in microseconds; 0 stands for Limit.
        var rc = sqlite3_busy_handler(connection.Handle!.DangerousGetHandle(), &OnBusy, (nint)(limit?.TotalMicroseconds ?? 0));
        if (rc != 0) throw new SqliteException($"sqlite3_busy_handler failed ({rc})", rc);
    }

    /// <summary>The delay before the try after sleep number <paramref name="sleep"/> (from 0) of one lock attempt.</summary>
    internal static int DelayMicroseconds(int sleep) =>
        sleep < ShortSleeps ? FirstDelayMicroseconds
            : Math.Min(MaxDelayMicroseconds, FirstDelayMicroseconds << Math.Min(6, sleep - ShortSleeps + 1));

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int OnBusy(nint state, int count)
    {
        var now = Stopwatch.GetTimestamp();
        if (count == 0)
        {
            _attemptStarted = now;
            _sleeps = 0;
        }
        var waited = Stopwatch.GetElapsedTime(_attemptStarted, now);
        if (waited >= (state == 0 ? Limit : TimeSpan.FromMicroseconds(state))) return 0;
        Interlocked.Increment(ref _waits);
        if (waited < YieldPhase) Thread.Yield();
        else if (OperatingSystem.IsWindows()) Thread.Sleep(Math.Max(1, DelayMicroseconds(_sleeps++) / 1000)); // no finer sleep there
        else usleep((uint)DelayMicroseconds(_sleeps++));
        Interlocked.Add(ref _waitedTicks, Stopwatch.GetTimestamp() - now);
        return 1;
    }

    [LibraryImport("e_sqlite3")]
    private static partial int sqlite3_busy_handler(nint db, delegate* unmanaged[Cdecl]<nint, int, int> handler, nint state);

    [LibraryImport("libc")]
    private static partial int usleep(uint microseconds);
}
