using System.Globalization;
using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Etlx;

/// <summary>
/// Who allocates: the sampled allocations (one event per ~100 KB) grouped by the service's own
/// frame that caused them (the innermost GigaOffice method on the stack) and by the library call
/// just below it, so that a change can be aimed at the call site rather than at a type.
/// </summary>
internal static class AllocationStacks
{
    public static int Print(string tracePath)
    {
        var inv = CultureInfo.InvariantCulture;
        using var log = new TraceLog(TraceLog.CreateFromEventPipeDataFile(tracePath));
        var bySite = new Dictionary<string, long>();
        var byOwner = new Dictionary<string, long>();
        long total = 0;
        var source = log.Events.GetSource();
        source.Clr.GCAllocationTick += e =>
        {
            total += e.AllocationAmount64;
            var frames = new List<string>();
            for (var frame = e.CallStack(); frame is not null && frames.Count < 60; frame = frame.Caller)
                frames.Add(Shorten(frame.CodeAddress.FullMethodName));
            var own = frames.FindIndex(f => f.StartsWith("GigaOffice.", StringComparison.Ordinal));
            var owner = own < 0 ? "(no GigaOffice frame) " + string.Join(" < ", frames.Where(f => f.Length > 0).Take(4)) : frames[own];
            var below = own > 0 ? frames[own - 1] : "";
            Add(byOwner, owner, e.AllocationAmount64);
            Add(bySite, $"{owner}  ->  {below}  [{e.TypeName}{Heap(e.AllocationKind)}]", e.AllocationAmount64);
        };
        source.Process();
        var seconds = Math.Max(1, log.SessionDuration.TotalSeconds);
        Console.WriteLine(string.Create(inv, $"allocated (sampled): {total / 1e6 / seconds:F2} MB/s over {seconds:F0} s"));
        Console.WriteLine("by the innermost GigaOffice frame:");
        foreach (var (key, bytes) in byOwner.OrderByDescending(a => a.Value).Take(25))
            Console.WriteLine(string.Create(inv, $"  {bytes / 1e6 / seconds,6:F3} MB/s  {100.0 * bytes / total,5:F1}%  {key}"));
        Console.WriteLine("by call site and type:");
        foreach (var (key, bytes) in bySite.OrderByDescending(a => a.Value).Take(40))
            Console.WriteLine(string.Create(inv, $"  {bytes / 1e6 / seconds,6:F3} MB/s  {100.0 * bytes / total,5:F1}%  {key}"));
        return 0;
    }

    /// <summary>Where the sampled object went: nothing for the small object heap, else " LOH" or " POH".</summary>
    private static string Heap(Microsoft.Diagnostics.Tracing.Parsers.Clr.GCAllocationKind kind) =>
        kind switch { Microsoft.Diagnostics.Tracing.Parsers.Clr.GCAllocationKind.Large => " LOH", Microsoft.Diagnostics.Tracing.Parsers.Clr.GCAllocationKind.Pinned => " POH", _ => "" };

    private static void Add(Dictionary<string, long> sums, string key, long bytes) => sums[key] = sums.GetValueOrDefault(key) + bytes;

    /// <summary>"Namespace.Type+&lt;Method&gt;d__12.MoveNext(...)" as "Namespace.Type.Method".</summary>
    private static string Shorten(string method)
    {
        if (string.IsNullOrEmpty(method)) return "";
        var name = method.Split('(')[0];
        var state = System.Text.RegularExpressions.Regex.Match(name, @"^(.*)\+<(\w+)>d__\d+\.MoveNext$");
        return state.Success ? $"{state.Groups[1].Value}.{state.Groups[2].Value}" : name;
    }
}
