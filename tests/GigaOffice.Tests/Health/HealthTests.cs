using System.Net;
using System.Text.Json;
using GigaOffice.GigaChat;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace GigaOffice.Tests.Health;

public sealed class HealthTests
{
    private sealed class CountingClient : IGigaChatClient
    {
        public int Calls;
        public string Mode => "counting";
        public Task<GigaChatCompletion> CompleteAsync(GigaChatRequest request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Calls);
            throw new GigaChatException("unexpected", "Health must not call the model.", transient: false);
        }
    }

    private sealed class CountingQuota : IGigaChatQuota
    {
        public int Calls;
        public ValueTask<QuotaSlot> AcquireAsync(CancellationToken cancellationToken) { Interlocked.Increment(ref Calls); return ValueTask.FromResult(default(QuotaSlot)); }
        public ValueTask ReturnAsync(QuotaSlot slot, CancellationToken cancellationToken) { Interlocked.Increment(ref Calls); return ValueTask.CompletedTask; }
        public ValueTask<TimeSpan?> TryAcquireAsync(CancellationToken cancellationToken) { Interlocked.Increment(ref Calls); return ValueTask.FromResult<TimeSpan?>(null); }
    }

    [Fact]
    public async Task Health_endpoints_never_call_gigachat_or_take_quota_and_need_no_key()
    {
        var client = new CountingClient();
        var quota = new CountingQuota();
        await using var app = new TestApp(services: s =>
        {
            s.Replace(ServiceDescriptor.Singleton<IGigaChatClient>(client));
            s.Replace(ServiceDescriptor.Singleton<IGigaChatQuota>(quota));
        }).WithServiceDefaults().WithAuth();
        await app.WaitForDatabaseAsync();
        var http = app.CreateClient();
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/api/health")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/ready")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/live")).StatusCode);
        }
        var health = JsonDocument.Parse(await http.GetStringAsync("/api/health")).RootElement;
        Assert.Equal("counting", health.GetProperty("components").GetProperty("gigachat").GetProperty("data").GetProperty("mode").GetString());
        Assert.Equal(0, client.Calls);
        Assert.Equal(0, quota.Calls);
    }

    /// <summary>
    /// The database "stops": its directory is moved away and a file put in its place, so nothing can
    /// open or recreate it (permissions do not stop root). A real PostgreSQL stop belongs with the
    /// shared PostgreSQL fixture once it is on this branch.
    /// </summary>
    [Fact]
    public async Task A_stopped_database_shows_unhealthy_and_recovers()
    {
        await using var app = new TestApp().WithServiceDefaults();
        await app.WaitForDatabaseAsync();
        var http = app.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/api/health")).StatusCode);

        var away = app.DatabaseDirectory + "-away";
        Directory.Move(app.DatabaseDirectory, away);
        await File.WriteAllTextAsync(app.DatabaseDirectory, "not a directory");
        try
        {
            var down = await http.GetAsync("/api/health");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, down.StatusCode);
            var body = JsonDocument.Parse(await down.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal("unhealthy", body.GetProperty("status").GetString());
            Assert.Equal("unhealthy", body.GetProperty("components").GetProperty("database").GetProperty("status").GetString());
            Assert.Equal("healthy", body.GetProperty("components").GetProperty("gigachat").GetProperty("status").GetString());
            Assert.Equal(HttpStatusCode.ServiceUnavailable, (await http.GetAsync("/health/ready")).StatusCode);
            // Alive all the same: an orchestrator must not restart the service for the database's outage.
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/live")).StatusCode);
        }
        finally
        {
            File.Delete(app.DatabaseDirectory);
            Directory.Move(away, app.DatabaseDirectory);
        }

        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/api/health")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/ready")).StatusCode);
        var id = await ApiCalls.AcceptedIdAsync(await ApiCalls.ProcessAsync(http));
        await ApiCalls.WaitFinishedAsync(http, id);
    }
}
