using System.Collections.Concurrent;
using System.Text.Json;
using GigaOffice.Testing;

namespace GigaOffice.Tests.Queue;

/// <summary>
/// The production shape as real processes: API-only and worker-only instances of the built service
/// over one PostgreSQL database and one Kafka-protocol broker, configured by environment only.
/// </summary>
[Collection(ServiceProcessesCollection.Name)]
public sealed class ScaleOutTests : IAsyncLifetime
{
    private readonly List<ServiceProcess> _processes = [];
    private KafkaMockCluster _kafka = null!;
    private TestBackend _backend = null!;

    public async Task InitializeAsync()
    {
        _kafka = new KafkaMockCluster(groupInitialRebalanceDelayMs: 0);
        _backend = await PostgresKafkaBackend.CreateAsync(await SharedPostgres.GetAsync(), _kafka);
        // The admin's migration command, before any instance starts.
        Assert.Contains("Database migrated", await ServiceProcess.RunCommandAsync(_backend.Settings, "migrate"));
    }

    public async Task DisposeAsync()
    {
        foreach (var process in _processes) await process.DisposeAsync();
        _kafka.Dispose();
    }

    private ServiceProcess Start(string name, params (string Key, string? Value)[] settings)
    {
        var process = ServiceProcess.Start(name, _backend.With(settings));
        _processes.Add(process);
        return process;
    }

    private async Task StartAllAsync(params ServiceProcess[] processes)
    {
        try
        {
            await Task.WhenAll(processes.Select(p => p.WaitReadyAsync()));
        }
        catch
        {
            throw new Xunit.Sdk.XunitException(string.Join("\n\n", processes.Select(p => $"--- {p.Name} ---\n{p.Tail()}")));
        }
    }

    [Fact]
    public async Task Two_api_instances_and_three_workers_complete_500_requests_exactly_once()
    {
        const int count = 500;
        var apis = Enumerable.Range(1, 2).Select(i => Start($"api{i}", ("Worker:Role", "api"))).ToArray();
        // Debug level: each worker logs every model call, which this test counts.
        var workers = Enumerable.Range(1, 3).Select(i => Start($"worker{i}", ("Worker:Role", "worker"), ("Logging:Level", "debug"))).ToArray();
        await StartAllAsync([.. apis, .. workers]);

        var accepted = new ConcurrentBag<Guid>();
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, _) =>
            accepted.Add(await apis[i % 2].Client.SubmitAsync(new { query_text = $"Сумма по строкам, запрос {i}", category = "analysis", input_data = new object[][] { ["a", i, 2] } })));
        Assert.Equal(count, accepted.Distinct().Count());

        var rows = await Eventually.WaitAsync(async () => await _backend.RequestRowsAsync(), r => r.Count(x => x.Status is "completed" or "failed") == count, TimeSpan.FromMinutes(3), RequestRow.Unfinished);
        Assert.All(rows, r => Assert.Equal("completed", r.Status));
        // Claimed once each: the model was asked once per request, and nothing was billed twice.
        Assert.All(rows, r => Assert.Equal(1, r.Attempts));
        Assert.Equal(accepted.Order(), rows.Select(r => r.Id).Order());

        var calls = workers.Select(w => w.Output.Select(l => ModelCall.Match(l)).Where(m => m.Success).Select(m => Guid.Parse(m.Groups[1].Value)).ToList()).ToArray();
        var callsPerRequest = calls.SelectMany(c => c).GroupBy(id => id).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(count, callsPerRequest.Count);
        Assert.All(callsPerRequest, c => Assert.Equal(1, c.Value));
        // One consumer group shared the work.
        Assert.True(calls.Count(c => c.Count > 0) >= 2, $"Work per worker: {string.Join(", ", calls.Select(c => c.Count))}");

        // Every result reached the responses topic for other systems.
        var ids = accepted.ToHashSet();
        var responses = KafkaTopicReader.ReadUntil(_kafka.BootstrapServers, _backend["Kafka:TopicResponses"]!,
            m => ids.IsSubsetOf(m.Select(r => Guid.Parse(r.Message.Key))), TimeSpan.FromMinutes(1));
        var sample = JsonDocument.Parse(responses.First(r => ids.Contains(Guid.Parse(r.Message.Key))).Message.Value).RootElement;
        Assert.Equal("completed", sample.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Array, sample.GetProperty("result").GetProperty("table").ValueKind);
    }

    [Fact]
    public async Task A_worker_killed_mid_request_does_not_lose_it()
    {
        var api = Start("api", ("Worker:Role", "api"));
        // This worker would think for ten minutes; it is killed long before.
        var doomed = Start("doomed-worker", ("Worker:Role", "worker"), ("Logging:Level", "debug"),
            ("GigaChat:DryRunDelayMs", "600000"), ("Worker:LeaseSeconds", "10"));
        await StartAllAsync(api, doomed);

        var id = await api.Client.SubmitAsync(TestRequests.SeedExample);
        await Eventually.WaitAsync(() => Task.FromResult(doomed.Output.Any(l => l.Contains($"Calling GigaChat for request {id}"))), called => called, TimeSpan.FromSeconds(60));
        // From Kafka the model is called while the claim is written: killed once the claim is in.
        await Eventually.WaitAsync(async () => (await api.Client.GetJsonAsync($"/api/ai/status/{id}")).GetProperty("status").GetString(),
            status => status == "processing", TimeSpan.FromSeconds(30));
        doomed.Kill();
        Assert.Equal("processing", (await api.Client.GetJsonAsync($"/api/ai/status/{id}")).GetProperty("status").GetString());

        var survivor = Start("survivor-worker", ("Worker:Role", "worker"), ("Worker:LeaseSeconds", "10"), ("Worker:RecoveryIntervalSeconds", "1"));
        await StartAllAsync(survivor);
        var status = await api.Client.WaitFinishedAsync(id, TimeSpan.FromSeconds(90));
        Assert.Equal("completed", status.GetProperty("status").GetString());
        // The dead worker's claim, then the survivor's after the lease ran out.
        Assert.Equal(2, status.GetProperty("attempts").GetInt32());
        var result = await api.Client.GetJsonAsync($"/api/ai/result/{id}");
        Assert.Equal(330, result.GetProperty("result").GetProperty("table")[1][1].GetDouble());
    }

    [Fact]
    public async Task A_worker_stopped_gracefully_hands_its_request_back_at_once()
    {
        var api = Start("api", ("Worker:Role", "api"));
        var leaving = Start("leaving-worker", ("Worker:Role", "worker"), ("Logging:Level", "debug"), ("GigaChat:DryRunDelayMs", "600000"));
        await StartAllAsync(api, leaving);

        var id = await api.Client.SubmitAsync(TestRequests.SeedExample);
        await Eventually.WaitAsync(() => Task.FromResult(leaving.Output.Any(l => l.Contains($"Calling GigaChat for request {id}"))), called => called, TimeSpan.FromSeconds(60));
        await leaving.StopAsync(); // SIGTERM
        Assert.Contains(leaving.Output, l => l.Contains($"request {id} handed back"));
        // Back in the queue without waiting for the five-minute lease.
        var row = (await _backend.RequestRowsAsync()).Single(r => r.Id == id);
        Assert.Equal(("queued", 1), (row.Status, row.Attempts));

        var next = Start("next-worker", ("Worker:Role", "worker"));
        await StartAllAsync(next);
        var status = await api.Client.WaitFinishedAsync(id, TimeSpan.FromSeconds(60));
        Assert.Equal("completed", status.GetProperty("status").GetString());
        Assert.Equal(2, status.GetProperty("attempts").GetInt32());
    }

    private static readonly System.Text.RegularExpressions.Regex ModelCall = new("Calling GigaChat for request ([0-9a-f-]{36})");
}
