using System.Diagnostics;
using System.Globalization;

// The machine's own floor for "a short piece of work, p99": THREADS threads each wake every PERIOD
// ms and run a fixed amount of pure computation (calibrated to take WORK µs at the median), as the
// service's workers do between two GigaChat answers. No allocation after start-up (no GC), no
// I/O, no locks: whatever stretches a piece beyond its median is the scheduler, the other
// processes and the hypervisor. Also prints how late the threads woke from their sleep.
//   dotnet bench/Jitter/bin/Release/net10.0/Jitter.dll [threads 4] [work-µs 300] [period-ms 300] [seconds 60]
var inv = CultureInfo.InvariantCulture;
int threads = Arg(0, 4), workUs = Arg(1, 300), periodMs = Arg(2, 300), seconds = Arg(3, 60);

var iterations = Calibrate(workUs);
var samples = new List<(double WorkMs, double LateMs)>[threads];
var end = Stopwatch.GetTimestamp() + seconds * Stopwatch.Frequency;
var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
{
    var mine = samples[t] = new List<(double, double)>(seconds * 1000 / periodMs + 10);
    var random = new Random(t);
    Thread.Sleep(random.Next(periodMs)); // the workers are not in step
    while (Stopwatch.GetTimestamp() < end)
    {
        var due = Stopwatch.GetTimestamp() + periodMs * Stopwatch.Frequency / 1000;
        Thread.Sleep(periodMs);
        var woke = Stopwatch.GetTimestamp();
        Work(iterations);
        mine.Add((Stopwatch.GetElapsedTime(woke).TotalMilliseconds, Math.Max(0, (woke - due) * 1000.0 / Stopwatch.Frequency)));
    }
}) { IsBackground = true }).ToList();
workers.ForEach(w => w.Start());
workers.ForEach(w => w.Join());

var all = samples.SelectMany(s => s).ToList();
Console.WriteLine(string.Create(inv, $"{threads} threads, {all.Count} pieces of {workUs} µs work every {periodMs} ms over {seconds} s, {Environment.ProcessorCount} CPUs"));
Print("work ms", all.Select(s => s.WorkMs));
Print("woke late ms", all.Select(s => s.LateMs));
Console.WriteLine(string.Create(inv, $"RESULT work_p50_ms={Percentile(all.Select(s => s.WorkMs), 0.5):F3} work_p99_ms={Percentile(all.Select(s => s.WorkMs), 0.99):F3} over_1ms_pct={100.0 * all.Count(s => s.WorkMs > 1) / all.Count:F2} n={all.Count}"));
return 0;

void Print(string name, IEnumerable<double> values)
{
    var list = values.ToList();
    Console.WriteLine(string.Create(inv,
        $"{name}: p50 {Percentile(list, 0.5):F3}, p90 {Percentile(list, 0.9):F3}, p99 {Percentile(list, 0.99):F3}, p99.9 {Percentile(list, 0.999):F3}, max {list.Max():F3}; over 1 ms: {list.Count(v => v > 1)}"));
}

static double Percentile(IEnumerable<double> values, double q)
{
    var sorted = values.Order().ToList();
    return sorted[Math.Clamp((int)Math.Ceiling(sorted.Count * q) - 1, 0, sorted.Count - 1)];
}

// Iterations of Work that take workUs at the median on this machine.
static long Calibrate(int workUs)
{
    const long probe = 1_000_000;
    Work(probe); // JIT and caches
    var runs = Enumerable.Range(0, 21).Select(_ => { var t = Stopwatch.GetTimestamp(); Work(probe); return Stopwatch.GetElapsedTime(t).TotalMicroseconds; }).Order().ToList();
    return Math.Max(1, (long)(probe * workUs / runs[runs.Count / 2]));
}

static ulong Work(long iterations)
{
    ulong x = 88172645463325252UL;
    for (long i = 0; i < iterations; i++) { x ^= x << 13; x ^= x >> 7; x ^= x << 17; }
    if (x == 42) Console.Write(""); // keeps the loop
    return x;
}

int Arg(int index, int fallback) => args.Length > index ? int.Parse(args[index], inv) : fallback;
