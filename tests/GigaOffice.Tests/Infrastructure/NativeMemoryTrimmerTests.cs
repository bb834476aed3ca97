using System.Runtime.InteropServices;
using GigaOffice.Infrastructure;
using GigaOffice.Testing;

namespace GigaOffice.Tests.Infrastructure;

/// <summary>Free native memory goes back to the system (change 36).</summary>
public sealed class NativeMemoryTrimmerTests
{
    [Fact]
    public async Task Trim_hands_back_memory_freed_in_the_middle_of_a_heap()
    {
        // 64 MiB of small blocks, each touched, then all freed but the last: the free space lies below
        // a block in use, where glibc never gives it back by itself. Its own thread, so the blocks
        // share one arena and no other test's allocations sit in between.
        var freedKiB = await Task.Factory.StartNew(() =>
        {
            const int blockSize = 4096, blocks = 16_384;
            var held = new nint[blocks];
            var ones = Enumerable.Repeat((byte)1, blockSize).ToArray();
            for (var i = 0; i < blocks; i++)
            {
                held[i] = Marshal.AllocHGlobal(blockSize);
                Marshal.Copy(ones, 0, held[i], blockSize);
            }
            for (var i = 0; i < blocks - 1; i++) Marshal.FreeHGlobal(held[i]);
            var before = RssAnonKiB();
            Assert.True(NativeMemoryTrimmer.Trim());
            var after = RssAnonKiB();
            Marshal.FreeHGlobal(held[^1]);
            return before - after;
        }, TaskCreationOptions.LongRunning);
        Assert.True(freedKiB >= 32 * 1024, $"RssAnon fell by {freedKiB} KiB");
    }

    [Theory]
    [InlineData("1", true)]
    [InlineData("0", false)]
    public async Task The_service_trims_every_interval_unless_it_is_0(string interval, bool trims)
    {
        await using var service = ServiceProcess.Start($"trim{interval}", new Dictionary<string, string?>
        {
            ["Database:SqlitePath"] = TempPaths.NewDatabase(),
            ["Memory:TrimIntervalSeconds"] = interval,
        });
        await service.WaitReadyAsync();
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        var metrics = await service.Client.GetStringAsync("/metrics");
        var count = metrics.Split('\n').Where(l => l.StartsWith("gigaoffice_memory_trim_duration_seconds_count"))
            .Select(l => long.Parse(l[(l.LastIndexOf(' ') + 1)..])).SingleOrDefault();
        Assert.True(trims ? count >= 1 : count == 0, $"trims after 2.5 s with an interval of {interval} s: {count}");
    }

    [Fact]
    public async Task A_wrong_interval_is_refused_by_name()
    {
        await using var service = ServiceProcess.Start("trim-refused", new Dictionary<string, string?>
        {
            ["Database:SqlitePath"] = TempPaths.NewDatabase(),
            ["Memory:TrimIntervalSeconds"] = "-5",
        });
        Assert.Equal(1, await service.WaitForExitAsync(TimeSpan.FromMinutes(1)));
        Assert.Contains("MEMORY_TRIM_INTERVAL_SECONDS=-5 must be 0 (never) or between 1 and 3600 seconds.", service.Tail(200));
    }

    private static long RssAnonKiB() =>
        long.Parse(File.ReadLines("/proc/self/status").Single(l => l.StartsWith("RssAnon:")).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
}
