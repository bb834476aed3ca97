using System.Text.Json;

namespace LoadGen;

/// <summary>
/// Summarises a dotnet-trace "dotnet-sampled-thread-time" profile converted to speedscope JSON.
/// Each sample ends in a pseudo-frame: CPU_TIME (managed code running) or UNMANAGED_CODE_TIME
/// (native code: SQLite's engine, sockets, but also every blocked wait). Printed, summed over
/// all threads: managed CPU by method (self and inclusive), and native time by the managed
/// method that called into it, so that SQLite work and waiting stand apart.
/// </summary>
public static class SpeedscopeTop
{
    public static int Run(string path, int top, string? filter)
    {
        using var document = JsonDocument.Parse(File.OpenRead(path));
        var frames = document.RootElement.GetProperty("shared").GetProperty("frames").EnumerateArray()
            .Select(f => f.GetProperty("name").GetString() ?? "?").ToArray();
        var cpu = Array.IndexOf(frames, "CPU_TIME");
        var native = Array.IndexOf(frames, "UNMANAGED_CODE_TIME");
        var cpuSelf = new double[frames.Length];
        var cpuInclusive = new double[frames.Length];
        var nativeByCaller = new double[frames.Length];
        double cpuTotal = 0, nativeTotal = 0;

        foreach (var profile in document.RootElement.GetProperty("profiles").EnumerateArray())
        {
            if (profile.GetProperty("type").GetString() != "evented") continue;
            var stack = new List<int>();
            var seen = new HashSet<int>();
            var last = profile.GetProperty("startValue").GetDouble();
            foreach (var e in profile.GetProperty("events").EnumerateArray())
            {
                var at = e.GetProperty("at").GetDouble();
                var dt = at - last;
                last = at;
                if (stack.Count >= 2 && dt > 0)
                {
                    var leaf = stack[^1];
                    var caller = stack[^2];
                    if (leaf == cpu)
                    {
                        cpuTotal += dt;
                        cpuSelf[caller] += dt;
                        seen.Clear();
                        foreach (var f in stack) if (seen.Add(f)) cpuInclusive[f] += dt;
                    }
                    else if (leaf == native)
                    {
                        nativeTotal += dt;
                        nativeByCaller[caller] += dt;
                    }
                }
                var frame = e.GetProperty("frame").GetInt32();
                if (e.GetProperty("type").GetString() == "O") stack.Add(frame);
                else if (stack.Count > 0) stack.RemoveAt(stack.Count - 1);
            }
        }

        bool Wanted(int i) => i != cpu && i != native && (filter is null || frames[i].Contains(filter, StringComparison.OrdinalIgnoreCase));
        void Print(string title, double[] values, double total)
        {
            Console.WriteLine($"{title}:");
            foreach (var i in Enumerable.Range(0, frames.Length).Where(Wanted).OrderByDescending(i => values[i]).Take(top).Where(i => values[i] > 0))
                Console.WriteLine($"  {values[i],9:F0} ms {100 * values[i] / total,5:F1}%  {Shorten(frames[i])}");
        }
        Console.WriteLine($"managed CPU {cpuTotal:F0} ms, native (engine, I/O and waits) {nativeTotal:F0} ms, all threads");
        Print("managed CPU, self", cpuSelf, cpuTotal);
        Print("managed CPU, inclusive", cpuInclusive, cpuTotal);
        Print("native time by calling method (waits included)", nativeByCaller, nativeTotal);
        return 0;
    }

    private static string Shorten(string name)
    {
        var bang = name.IndexOf('!');
        var shortName = bang >= 0 ? name[(bang + 1)..] : name;
        return shortName.Length > 150 ? shortName[..150] + "…" : shortName;
    }
}
