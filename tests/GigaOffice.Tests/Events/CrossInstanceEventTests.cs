using System.Net;
using System.Text.Json;
using GigaOffice.Testing;

namespace GigaOffice.Tests.Events;

/// <summary>
/// Real processes over one PostgreSQL and a Kafka-protocol broker: the client listens on an
/// API-only instance, a worker-only instance does the work, and every status crosses over by
/// PostgreSQL NOTIFY.
/// </summary>
[Collection(ServiceProcessesCollection.Name)]
public sealed class CrossInstanceEventTests : IAsyncLifetime
{
    private KafkaMockCluster _kafka = null!;
    private TestBackend _backend = null!;
    private readonly List<ServiceProcess> _processes = [];

    public async Task InitializeAsync()
    {
        _kafka = new KafkaMockCluster(groupInitialRebalanceDelayMs: 0);
        _backend = await PostgresKafkaBackend.CreateAsync(await SharedPostgres.GetAsync(), _kafka);
        Assert.Contains("Database migrated", await ServiceProcess.RunCommandAsync(_backend.Settings, "migrate"));
    }

    public async Task DisposeAsync()
    {
        foreach (var process in _processes) await process.DisposeAsync();
        _kafka.Dispose();
    }

    [Fact]
    public async Task Events_reach_a_client_on_an_instance_that_did_not_process_the_request()
    {
        // No periodic re-read on the API instance: only the notifications can bring the news.
        var api = ServiceProcess.Start("api", _backend.With(("Worker:Role", "api"), ("Events:RecheckSeconds", "3600"), ("Events:HeartbeatSeconds", "300")));
        var worker = ServiceProcess.Start("worker", _backend.With(("Worker:Role", "worker"), ("GigaChat:DryRunDelayMs", "800")));
        _processes.AddRange([api, worker]);
        try
        {
            await Task.WhenAll(api.WaitReadyAsync(), worker.WaitReadyAsync());
        }
        catch
        {
            throw new Xunit.Sdk.XunitException($"--- api ---\n{api.Tail()}\n--- worker ---\n{worker.Tail()}");
        }

        for (var i = 0; i < 3; i++)
        {
            var id = await api.Client.SubmitAsync(new { query_text = $"Сумма по строкам {i}", category = "analysis", input_data = new object[][] { ["a", i, 2] } });
            var response = await api.Client.SendAsync(new HttpRequestMessage(HttpMethod.Get, $"/api/ai/events/{id}"), HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var (events, _) = await SseReader.ReadToEndAsync(response, TimeSpan.FromSeconds(90));
            Assert.Equal("completed", events[^1].Event);
            // The processing event, too, came from the other instance's write (the API instance runs no worker).
            Assert.Contains(events, e => e.Event == "processing");
            Assert.Equal(id, JsonDocument.Parse(events[^1].Data).RootElement.GetProperty("request_id").GetGuid());
        }
    }
}
