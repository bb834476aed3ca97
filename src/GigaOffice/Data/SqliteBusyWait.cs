using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;

namespace GigaOffice.Data;

/// <summary>
/// How a connection waits for the write lock another connection holds. SQLite's own wait
/// (busy_timeout) sleeps 1, 2, 5, 10 ms... between tries, while a write here holds the lock for
/// about 0.05-0.2 ms: a worker whose claim met another worker's write waited 1-3 ms, most of the
/// worker's own time at p99 (docs/BENCHMARKS.md). This wait tries again every 50 µs for the first
/// 5 ms (a try costs a few microseconds; sleeping longer only adds to the wait, since a doubling
/// wait oversleeps the lock's release by up to as long as it has already waited), then doubles
/// the step up to 2 ms, and gives up (SQLITE_BUSY) after <see cref="Limit"/> in all, as
/// busy_timeout did.
/// </summary>
internal static unsafe partial class SqliteBusyWait
{
    public static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);
    private static long _waits;
    private static long _sleptMicroseconds;
    private const int FirstDelayMicroseconds = 50;
    private const int MaxDelayMicroseconds = 2_000;
    private const int ShortTries = 100;

    /// <summary>Waits so far in this process, on every connection.</summary>
    public static long Waits => Interlocked.Read(ref _waits);

    /// <summary>Time slept in those waits so far (the requested sleeps; the system may oversleep a little).</summary>
    public static TimeSpan Slept => TimeSpan.FromMicroseconds(Interlocked.Read(ref _sleptMicroseconds));

    /// <summary>Replaces the connection's busy handler (and any busy_timeout) with this wait.</summary>
    public static void Install(SqliteConnection connection)
    {
        var rc = sqlite3_busy_handler(connection.Handle!.DangerousGetHandle(), &OnBusy, 0);
        if (rc != 0) throw new SqliteException($"sqlite3_busy_handler failed ({rc})", rc);
    }

    /// <summary>The delay before try <paramref name="count"/> + 2 (SQLite counts the waits of one lock attempt from 0).</summary>
    internal static int DelayMicroseconds(int count) =>
        count < ShortTries ? FirstDelayMicroseconds
            : Math.Min(MaxDelayMicroseconds, FirstDelayMicroseconds << Math.Min(6, count - ShortTries + 1));

    /// <summary>Total of the delays before try <paramref name="count"/> + 2: 50 µs each for 5 ms, 100, 200, ... µs, then 2 ms each.</summary>
    internal static long WaitedMicroseconds(int count)
    {
        const int growing = ShortTries + 6; // after these every delay is the maximum
        long total = 0;
        for (var i = 0; i < Math.Min(count, growing); i++) total += DelayMicroseconds(i);
        return total + Math.Max(0, count - growing) * (long)MaxDelayMicroseconds;
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int OnBusy(nint state, int count)
    {
        if (WaitedMicroseconds(count) >= Limit.Ticks / TimeSpan.TicksPerMicrosecond) return 0;
        var delay = DelayMicroseconds(count);
        Interlocked.Increment(ref _waits);
        Interlocked.Add(ref _sleptMicroseconds, delay);
        if (OperatingSystem.IsWindows()) Thread.Sleep(Math.Max(1, delay / 1000)); // no finer sleep there
        else usleep((uint)delay);
        return 1;
    }

    [LibraryImport("e_sqlite3")]
    private static partial int sqlite3_busy_handler(nint db, delegate* unmanaged[Cdecl]<nint, int, int> handler, nint state);

    [LibraryImport("libc")]
    private static partial int usleep(uint microseconds);
}
