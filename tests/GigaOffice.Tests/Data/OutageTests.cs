using System.Net.Http.Json;
using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using GigaOffice.Testing;

namespace GigaOffice.Tests.Data;

/// <summary>
/// The broker or the database goes away while the service runs: every request the API accepted
/// still completes, and the service recovers without a restart.
/// </summary>
[Collection(ServiceProcessesCollection.Name)]
public sealed class OutageTests
{
    private static object Request(int i) => new { query_text = $"Сумма, запрос {i}", category = "analysis", input_data = new object[][] { ["a", i, 1] } };

    [Fact]
    public async Task Requests_accepted_while_the_broker_is_unreachable_all_complete_after_it_returns()
    {
        using var kafka = new KafkaMockCluster(groupInitialRebalanceDelayMs: 0);
        var backend = await PostgresKafkaBackend.CreateAsync(await SharedPostgres.GetAsync(), kafka);
        // Deliveries give up after 3 s, so the outbox relay's own retrying is what brings the requests through.
        await using var app = backend.CreateApp(new Dictionary<string, string?> { ["Kafka:MessageTimeoutMs"] = "3000" });
        var client = app.CreateClient();
        await client.WaitFinishedAsync(await client.SubmitAsync(Request(0)), TimeSpan.FromSeconds(60));

        kafka.SetBrokerDown(1);
        var accepted = new List<Guid>();
        for (var i = 1; i <= 100; i++) accepted.Add(await client.SubmitAsync(Request(i)));
        // Nothing can reach a worker now; the service says so but keeps accepting.
        var health = await Eventually.WaitAsync(() => client.GetJsonAsync("/api/health"),
            h => h.GetProperty("components").GetProperty("outbox").GetProperty("status").GetString() == "degraded", TimeSpan.FromSeconds(30));
        Assert.Equal("degraded", health.GetProperty("status").GetString());
        var waiting = (await backend.RequestRowsAsync()).Where(r => accepted.Contains(r.Id)).ToList();
        Assert.All(waiting, r => Assert.Equal(("queued", false), (r.Status, r.Published)));

        kafka.SetBrokerUp(1);
        var rows = await Eventually.WaitAsync(backend.RequestRowsAsync,
            r => r.Count(x => accepted.Contains(x.Id) && x.Status == "completed") == accepted.Count, TimeSpan.FromMinutes(2), RequestRow.Unfinished);
        Assert.All(rows.Where(r => accepted.Contains(r.Id)), r => Assert.Equal(1, r.Attempts));
        await Eventually.WaitAsync(() => client.GetJsonAsync("/api/health"), h => h.GetProperty("status").GetString() == "healthy", TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task A_postgres_restart_under_load_loses_no_accepted_request_and_heals_without_a_restart()
    {
        await using var postgres = await PostgresServer.StartAsync();
        using var kafka = new KafkaMockCluster(groupInitialRebalanceDelayMs: 0);
        var backend = await PostgresKafkaBackend.CreateAsync(postgres, kafka);
        // Workers wait out the outage within their lease; a lease short enough for this test is the last resort.
        await using var app = backend.CreateApp(new Dictionary<string, string?> { ["Worker:LeaseSeconds"] = "60" });
        var client = app.CreateClient();
        await client.WaitFinishedAsync(await client.SubmitAsync(Request(0)), TimeSpan.FromSeconds(60));

        // Clients keep sending; a request counts as accepted only when the API answered 202.
        var accepted = new ConcurrentBag<Guid>();
        var refused = 0;
        using var stop = new CancellationTokenSource();
        var load = Task.WhenAll(Enumerable.Range(0, 4).Select(worker => Task.Run(async () =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                try
                {
                    var response = await client.PostAsJsonAsync("/api/ai/process", Request(worker * 10_000 + i));
                    if (response.StatusCode == HttpStatusCode.Accepted)
                        accepted.Add((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("request_id").GetGuid());
                    else
                    {
                        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
                        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
                        Interlocked.Increment(ref refused);
                    }
                }
                catch (HttpRequestException) { }
                await Task.Delay(20);
            }
        })));

        await Eventually.WaitAsync(() => Task.FromResult(accepted.Count), n => n >= 40, TimeSpan.FromSeconds(60));
        await postgres.StopAsync();
        var down = await client.GetAsync("/api/health");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, down.StatusCode);
        Assert.Contains("unhealthy", await down.Content.ReadAsStringAsync());
        await Task.Delay(TimeSpan.FromSeconds(2));
        await postgres.StartAgainAsync();
        var afterRestart = accepted.Count;
        await Eventually.WaitAsync(() => Task.FromResult(accepted.Count), n => n >= afterRestart + 40, TimeSpan.FromSeconds(60));
        await stop.CancelAsync();
        await load;

        var ids = accepted.ToHashSet();
        var rows = await Eventually.WaitAsync(backend.RequestRowsAsync,
            r => r.Count(x => ids.Contains(x.Id) && x.Status == "completed") == ids.Count, TimeSpan.FromMinutes(2), RequestRow.Unfinished);
        Assert.Equal(ids.Count, rows.Count(r => ids.Contains(r.Id)));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/health")).StatusCode);
    }

    [Fact]
    public async Task The_service_starts_while_postgres_is_down_reports_unhealthy_and_recovers_when_it_returns()
    {
        await using var postgres = await PostgresServer.StartAsync();
        using var kafka = new KafkaMockCluster(groupInitialRebalanceDelayMs: 0);
        var backend = await PostgresKafkaBackend.CreateAsync(postgres, kafka);
        await postgres.StopAsync();

        await using var app = backend.CreateApp();
        var client = app.CreateClient();
        var health = await client.GetJsonAsync("/api/health", 503);
        Assert.Equal("unhealthy", health.GetProperty("components").GetProperty("database").GetProperty("status").GetString());
        var refused = await client.PostAsJsonAsync("/api/ai/process", TestRequests.SeedExample);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(5), refused.Headers.RetryAfter?.Delta);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain(backend["Database:Password"]!, await refused.Content.ReadAsStringAsync());

        await postgres.StartAgainAsync();
        await Eventually.WaitAsync(async () => (await client.GetAsync("/api/health")).StatusCode, s => s == HttpStatusCode.OK, TimeSpan.FromSeconds(90));
        var status = await client.WaitFinishedAsync(await client.SubmitAsync(TestRequests.SeedExample), TimeSpan.FromSeconds(60));
        Assert.Equal("completed", status.GetProperty("status").GetString());
    }
}
