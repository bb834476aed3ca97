using System.Diagnostics;
using System.Runtime.InteropServices;

namespace LoadGen;

/// <summary>
/// Open-loop pacing: request i is started at start + i/rate by a dedicated thread that sleeps with
/// microsecond resolution. The earlier loop on the thread pool woke through Task.Delay(1) (timer
/// granularity plus a pool hop) and dispatched 80% of requests more than 1 ms late at 500/s; that
/// lateness counts in the measured latency (it is measured from the intended time), so it was the
/// generator's error charged to the service.
/// </summary>
public static class Pacer
{
    /// <summary>Calls <paramref name="fire"/>(index, intended timestamp) for each of <paramref name="total"/> requests.</summary>
    public static Task<List<Task>> RunAsync(long total, double rate, Func<long, long, Task> fire)
    {
        var done = new TaskCompletionSource<List<Task>>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            var inFlight = new List<Task>();
            var start = Stopwatch.GetTimestamp();
            for (long i = 0; i < total; i++)
            {
                var intended = start + (long)(i / rate * Stopwatch.Frequency);
                var wait = intended - Stopwatch.GetTimestamp();
                if (wait > 0) usleep((uint)(wait * 1_000_000 / Stopwatch.Frequency));
                // Runs on this thread up to the request's first wait (connection or response).
                inFlight.Add(fire(i, intended));
                if (inFlight.Count > 4096) inFlight.RemoveAll(t => t.IsCompleted);
            }
            done.SetResult(inFlight);
        }) { IsBackground = true, Name = "pacer" };
        thread.Start();
        return done.Task;
    }

    [DllImport("libc")]
    private static extern int usleep(uint microseconds);
}
