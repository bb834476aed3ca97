using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace LoadGen;

public static class Scenarios
{
    /// <summary>
    /// Saturation: each connection sends its next request as soon as the previous one is
    /// answered. The figure is throughput; latency here measures the queueing on 2 cores.
    /// </summary>
    public static Task<int> AcceptClosedLoopAsync(ServiceClient service, Options o) =>
        ClosedLoopAsync("accept", "accepted", o, _ => service.SubmitAsync(readBody: false), r => r.Accepted, "");

    /// <summary>
    /// A fixed offered rate. Request i is due at start + i/rate; its latency counts from then,
    /// so time spent waiting for a connection or for a stalled dispatcher is included.
    /// </summary>
    public static Task<int> AcceptOpenLoopAsync(ServiceClient service, Options o) =>
        OpenLoopAsync("accept-rate", "accepted", o, _ => service.SubmitAsync(readBody: false), r => r.Accepted, "");

    /// <summary>
    /// Status polls, as the plugin sends them while its requests wait: M requests are submitted
    /// first, then GET /api/ai/status goes through them in turn while the workers run. With
    /// --rate 0, a closed loop (throughput at saturation); otherwise open loop at that rate.
    /// </summary>
    public static async Task<int> PollAsync(ServiceClient service, Options o)
    {
        var (ids, refused) = await SubmitAllAsync(service, o.Requests, Math.Min(o.Connections, 32));
        Console.WriteLine($"submitted {ids.Count} for polling ({refused.Values.Sum()} refused)");
        if (ids.Count == 0) return 1;
        Task<Outcome> Poll(long index) => service.PollAsync(ids[(int)(index % ids.Count)]);
        var extra = $"polled_requests={ids.Count}";
        return o.Rate > 0
            ? await OpenLoopAsync("poll-rate", "answered", o, Poll, r => r.Status == 200, extra)
            : await ClosedLoopAsync("poll", "answered", o, Poll, r => r.Status == 200, extra);
    }

    private static async Task<int> ClosedLoopAsync(string scenario, string verb, Options o, Func<long, Task<Outcome>> send,
        Func<Outcome, bool> succeeded, string extra)
    {
        var errors = new ConcurrentDictionary<string, int>();
        var latencies = new Latencies();
        var started = Stopwatch.GetTimestamp();
        var measureFrom = started + Ticks(o.Warmup);
        var end = measureFrom + Ticks(o.Duration);
        var succeededCount = 0L;
        var next = -1L;

        await Task.WhenAll(Enumerable.Range(0, o.Connections).Select(async _ =>
        {
            var mine = new List<double>();
            while (true)
            {
                var sent = Stopwatch.GetTimestamp();
                if (sent >= end) break;
                var outcome = await send(Interlocked.Increment(ref next));
                if (sent < measureFrom) continue;
                if (succeeded(outcome))
                {
                    Interlocked.Increment(ref succeededCount);
                    mine.Add(Latencies.Since(sent));
                }
                else
                {
                    errors.AddOrUpdate(outcome.Kind, 1, (_, n) => n + 1);
                    if (outcome.Error is not null) await Task.Delay(10); // service down: do not spin
                }
            }
            latencies.AddRange(mine);
        }));

        Report(scenario, verb, o, succeededCount / o.Duration, latencies, errors, $"connections={o.Connections} {extra}".TrimEnd());
        return 0;
    }

    private static async Task<int> OpenLoopAsync(string scenario, string verb, Options o, Func<long, Task<Outcome>> send,
        Func<Outcome, bool> succeeded, string extra)
    {
        var errors = new ConcurrentDictionary<string, int>();
        var latencies = new Latencies();
        var succeededCount = 0L;
        var late = 0L;
        var total = (long)Math.Round((o.Warmup + o.Duration) * o.Rate);
        var warmupCount = (long)Math.Round(o.Warmup * o.Rate);

        async Task FireAsync(long index, long intended)
        {
            if (Stopwatch.GetTimestamp() - intended > Ticks(0.001)) Interlocked.Increment(ref late);
            var outcome = await send(index);
            if (index < warmupCount) return;
            if (succeeded(outcome))
            {
                Interlocked.Increment(ref succeededCount);
                latencies.Add(Latencies.Since(intended));
            }
            else errors.AddOrUpdate(outcome.Kind, 1, (_, n) => n + 1);
        }

        await Task.WhenAll(await Pacer.RunAsync(total, o.Rate, FireAsync));

        Report(scenario, verb, o, succeededCount / o.Duration, latencies, errors,
            $"offered_rate={o.Rate.ToString(CultureInfo.InvariantCulture)} connections={o.Connections} late_dispatch={late} {extra}".TrimEnd());
        return 0;
    }

    /// <summary>
    /// A backlog of M requests, then polling until each is finished. Completions/s uses the
    /// service's own timestamps: M / (last completed_at - first started_at).
    /// </summary>
    public static async Task<int> EndToEndAsync(ServiceClient service, Options o)
    {
        var submitted = Stopwatch.GetTimestamp();
        var (ids, refused) = await SubmitAllAsync(service, o.Requests, o.Connections);
        Console.WriteLine($"submitted {ids.Count} in {Latencies.Since(submitted) / 1000:F1} s ({refused.Values.Sum()} refused)");
        if (o.PollAfter > 0) await Task.Delay(TimeSpan.FromSeconds(o.PollAfter));

        var states = await WaitFinishedAsync(service, ids, o.FinishTimeout, Math.Min(o.Connections, 16));
        var finished = states.Values.Where(s => s.Status is "completed" or "failed").ToList();
        var first = finished.Where(s => s.StartedAt is not null).Select(s => s.StartedAt!.Value).DefaultIfEmpty().Min();
        var last = finished.Where(s => s.CompletedAt is not null).Select(s => s.CompletedAt!.Value).DefaultIfEmpty().Max();
        var span = (last - first).TotalSeconds;
        var rate = span > 0 ? finished.Count / span : double.NaN;
        var byOutcome = finished.GroupBy(s => s.ErrorCode ?? s.Status).ToDictionary(g => g.Key, g => g.Count());

        Console.WriteLine($"finished {finished.Count}/{ids.Count}: {string.Join(", ", byOutcome.Select(kv => $"{kv.Key} {kv.Value}"))}");
        Console.WriteLine($"completions/s {rate:F2} over {span:F1} s (first start to last completion, service clock)");
        Console.WriteLine(Result("e2e", new()
        {
            ["requests"] = o.Requests, ["accepted"] = ids.Count, ["finished"] = finished.Count,
            ["completed"] = finished.Count(s => s.Status == "completed"), ["failed"] = finished.Count(s => s.Status == "failed"),
            ["completions_per_s"] = rate, ["span_s"] = span, ["unfinished"] = ids.Count - finished.Count,
        }));
        return finished.Count == ids.Count ? 0 : 1;
    }

    /// <summary>
    /// Offered load while something fails underneath; afterwards every request that got a 202
    /// must end completed or failed with a reason. Lost = accepted but missing or never finished.
    /// </summary>
    public static async Task<int> DrillAsync(ServiceClient service, Options o)
    {
        var accepted = new ConcurrentBag<(long Index, Guid Id)>();
        var refused = new ConcurrentDictionary<string, int>();
        var total = (long)Math.Round(o.Duration * o.Rate);

        async Task FireAsync(long index)
        {
            var outcome = await service.SubmitAsync(readBody: true);
            if (ServiceClient.RequestId(outcome) is { } id) accepted.Add((index, id));
            else refused.AddOrUpdate(outcome.Kind, 1, (_, n) => n + 1);
        }

        await Task.WhenAll(await Pacer.RunAsync(total, o.Rate, (index, _) => FireAsync(index)));
        Console.WriteLine($"offered {total}, accepted {accepted.Count}, not accepted {refused.Values.Sum()} ({Describe(refused)})");

        var ids = accepted.OrderBy(a => a.Index).Select(a => a.Id).ToList();
        var states = await WaitFinishedAsync(service, ids, o.FinishTimeout, Math.Min(o.Connections, 16));
        var completed = states.Values.Count(s => s.Status == "completed");
        var failed = states.Values.Where(s => s.Status == "failed").GroupBy(s => s.ErrorCode ?? "?").ToDictionary(g => g.Key, g => g.Count());
        var missing = states.Values.Count(s => s.Status == "missing");
        var lost = ids.Count - completed - failed.Values.Sum();

        Console.WriteLine($"accepted {ids.Count}: completed {completed}, failed {failed.Values.Sum()} ({Describe(failed)}), lost {lost} (missing rows {missing}, unfinished {lost - missing})");
        Console.WriteLine(Result("drill", new()
        {
            ["offered"] = total, ["accepted"] = ids.Count, ["not_accepted"] = refused.Values.Sum(), ["completed"] = completed,
            ["failed"] = failed.Values.Sum(), ["lost"] = lost, ["missing"] = missing,
        }) + (failed.Count > 0 ? " " + string.Join(" ", failed.Select(kv => $"failed_{kv.Key}={kv.Value}")) : "")
           + (refused.Count > 0 ? " " + string.Join(" ", refused.Select(kv => $"refused_{kv.Key.Replace(':', '_')}={kv.Value}")) : ""));
        return lost == 0 ? 0 : 1;
    }

    private static async Task<(List<Guid> Ids, ConcurrentDictionary<string, int> Refused)> SubmitAllAsync(ServiceClient service, int count, int connections)
    {
        var ids = new ConcurrentBag<(int, Guid)>();
        var refused = new ConcurrentDictionary<string, int>();
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, connections).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                var outcome = await service.SubmitAsync(readBody: true);
                if (ServiceClient.RequestId(outcome) is { } id) ids.Add((i, id));
                else refused.AddOrUpdate(outcome.Kind, 1, (_, n) => n + 1);
            }
        }));
        return (ids.OrderBy(x => x.Item1).Select(x => x.Item2).ToList(), refused);
    }

    /// <summary>
    /// Polls in submission order and stops a round at a run of unfinished ones: work is taken
    /// roughly in order, so the polling itself stays a small load on the service. Every tenth
    /// round, and the last one before the deadline, polls everything still pending.
    /// </summary>
    private static async Task<Dictionary<Guid, RequestState>> WaitFinishedAsync(ServiceClient service, List<Guid> ids, double timeoutSeconds, int parallel)
    {
        var done = new ConcurrentDictionary<Guid, RequestState>();
        var deadline = Stopwatch.GetTimestamp() + Ticks(timeoutSeconds);
        var lastReport = Stopwatch.GetTimestamp();
        for (var round = 1; ; round++)
        {
            var pending = ids.Where(id => !done.ContainsKey(id)).ToList();
            var last = Stopwatch.GetTimestamp() >= deadline;
            if (pending.Count == 0) break;
            var full = last || round % 10 == 0;
            var unfinishedRun = 0;
            for (var offset = 0; offset < pending.Count && (full || unfinishedRun < parallel * 4); offset += parallel)
            {
                var batch = pending.Skip(offset).Take(parallel).ToList();
                var states = await Task.WhenAll(batch.Select(id => service.StatusAsync(id)));
                for (var k = 0; k < batch.Count; k++)
                {
                    if (states[k] is { Status: "completed" or "failed" or "missing" } s)
                    {
                        done[batch[k]] = s; // "missing": a 404 for an id the service once accepted, a lost request
                        unfinishedRun = 0;
                    }
                    else unfinishedRun++;
                }
            }
            if (Stopwatch.GetElapsedTime(lastReport).TotalSeconds >= 10)
            {
                Console.WriteLine($"  waiting: {ids.Count - done.Count} of {ids.Count} not finished");
                lastReport = Stopwatch.GetTimestamp();
            }
            if (last) break;
            if (done.Count < ids.Count) await Task.Delay(200);
        }
        return new Dictionary<Guid, RequestState>(done);
    }

    private static long Ticks(double seconds) => (long)(seconds * Stopwatch.Frequency);

    private static string Describe(IDictionary<string, int> counts) =>
        counts.Count == 0 ? "none" : string.Join(", ", counts.OrderByDescending(kv => kv.Value).Select(kv => $"{kv.Key}: {kv.Value}"));

    private static void Report(string scenario, string verb, Options o, double throughput, Latencies latencies, IDictionary<string, int> errors, string extra)
    {
        var (p50, p90, p99, p999, max) = latencies.Summary();
        Console.WriteLine($"{scenario}: {throughput:F0} req/s {verb} over {o.Duration} s ({extra})");
        Console.WriteLine($"latency ms: p50 {p50:F2}  p90 {p90:F2}  p99 {p99:F2}  p99.9 {p999:F2}  max {max:F2}  (n={latencies.Count})");
        Console.WriteLine($"errors: {errors.Values.Sum()} ({Describe(errors)})");
        Console.WriteLine(Result(scenario, new()
        {
            ["throughput"] = throughput, ["p50_ms"] = p50, ["p90_ms"] = p90, ["p99_ms"] = p99, ["p999_ms"] = p999, ["max_ms"] = max,
            ["errors"] = errors.Values.Sum(), ["n"] = latencies.Count,
        }) + " " + extra);
    }

    private static string Result(string scenario, Dictionary<string, double> values) =>
        $"RESULT scenario={scenario} " + string.Join(" ", values.Select(kv => $"{kv.Key}={kv.Value.ToString("0.###", CultureInfo.InvariantCulture)}"));
}
