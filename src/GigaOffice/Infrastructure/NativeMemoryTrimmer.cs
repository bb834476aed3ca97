using System.Diagnostics;
using System.Runtime.InteropServices;
using GigaOffice.Configuration;
using GigaOffice.Metrics;
using Microsoft.Extensions.Options;

namespace GigaOffice.Infrastructure;

/// <summary>
/// Every <see cref="MemoryOptions.TrimIntervalSeconds"/>, hands the free pages inside glibc's malloc
/// arenas back to the system. glibc gives back only the top of its main heap by itself: pages freed
/// in the middle of an arena stay resident, so the native memory of SQLite, librdkafka and the
/// runtime kept whatever a burst had once used. One malloc_trim released 14 of the 27 MB held there
/// after three minutes of load (docs/benchmarks-history.md, change 36); it takes about a millisecond.
/// </summary>
public sealed class NativeMemoryTrimmer(IOptions<MemoryOptions> options, TimeProvider time, GigaOfficeMetrics metrics,
    ILogger<NativeMemoryTrimmer> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var seconds = options.Value.TrimIntervalSeconds;
        if (seconds == 0 || !OperatingSystem.IsLinux()) return;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(seconds), time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                var started = Stopwatch.GetTimestamp();
                if (!Trim())
                {
                    logger.LogInformation("Not glibc: native memory is left to the C library");
                    return;
                }
                var took = Stopwatch.GetElapsedTime(started);
                metrics.MemoryTrimmed(took);
                logger.LogDebug("Free native memory handed back to the system in {Milliseconds:F2} ms", took.TotalMilliseconds);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>One pass over all arenas; false where the C library is not glibc (musl has no malloc_trim).</summary>
    public static bool Trim()
    {
        try
        {
            malloc_trim(0);
            return true;
        }
        catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException)
        {
            return false;
        }
    }

    // DllImport rather than LibraryImport: its generated marshalling needs unsafe code, and an int and a size need no marshalling.
#pragma warning disable SYSLIB1054
    [DllImport("libc")]
    private static extern int malloc_trim(nuint pad);
#pragma warning restore SYSLIB1054
}
