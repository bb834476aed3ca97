using FakeGigaChat;
using GigaOffice.Testing;

namespace GigaOffice.Tests.Queue;

/// <summary>
/// KAFKA_SECURITY_PROTOCOL=ssl against a broker behind real TLS with mutual authentication: the
/// service's CA, client certificate and encrypted key settings are what makes the handshake pass.
/// </summary>
public sealed class KafkaTlsTests : IAsyncLifetime
{
    private readonly TestCertificates _certificates = TestCertificates.CreateInTempDirectory();
    private readonly KafkaMockCluster _kafka = new(groupInitialRebalanceDelayMs: 0);
    private TlsTerminatingProxy _proxy = null!;
    private TestBackend _backend = null!;

    public async Task InitializeAsync()
    {
        // Clients reach the broker by the address it advertises, its plaintext front proxy: the TLS
        // front takes that proxy's place (and port) and relays to the broker's own listener.
        var front = _kafka.GetBrokerProxy(1);
        var port = front.Port;
        await front.DisposeAsync();
        var listener = _kafka.Brokers[0].ListenerAddress;
        _proxy = new TlsTerminatingProxy(listener[..listener.LastIndexOf(':')], int.Parse(listener[(listener.LastIndexOf(':') + 1)..]),
            _certificates.Server, clientCa: _certificates.Ca, listenPort: port);
        _backend = await PostgresKafkaBackend.CreateAsync(await SharedPostgres.GetAsync(), _kafka);
    }

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        _kafka.Dispose();
        _certificates.Dispose();
    }

    private Dictionary<string, string?> Tls(string caPath) => new()
    {
        ["Kafka:BootstrapServers"] = _proxy.Address,
        ["Kafka:SecurityProtocol"] = "ssl",
        ["Kafka:SslCaLocation"] = caPath,
        ["Kafka:SslCertificateLocation"] = _certificates.ClientCertPath,
        ["Kafka:SslKeyLocation"] = _certificates.ClientKeyPath,
        ["Kafka:SslKeyPassword"] = _certificates.ClientKeyPassword,
        ["Kafka:MessageTimeoutMs"] = "3000",
    };

    [Fact]
    public async Task Requests_travel_over_mutual_tls_when_the_ca_and_client_certificate_are_configured()
    {
        await using var app = _backend.CreateApp(Tls(_certificates.CaBundlePath));
        var client = app.CreateClient();
        var status = await client.WaitFinishedAsync(await client.SubmitAsync(TestRequests.SeedExample), TimeSpan.FromSeconds(60));
        Assert.Equal("completed", status.GetProperty("status").GetString());
        Assert.True(_proxy.Handshakes > 0);
        Assert.Contains("CN=fake-gigachat-client", _proxy.LastClientSubject);
    }

    [Fact]
    public async Task A_broker_certificate_from_another_ca_is_refused()
    {
        await using var app = _backend.CreateApp(Tls(_certificates.RogueCaPath));
        var client = app.CreateClient();
        var id = await client.SubmitAsync(TestRequests.SeedExample);
        // Accepted into the outbox, but never handed to a broker the service cannot verify.
        var health = await Eventually.WaitAsync(() => client.GetJsonAsync("/api/health"),
            h => h.GetProperty("components").GetProperty("outbox").GetProperty("status").GetString() == "degraded", TimeSpan.FromSeconds(60));
        Assert.Contains("kafka", health.GetProperty("components").GetProperty("outbox").GetProperty("description").GetString());
        Assert.Equal(0, _proxy.Handshakes);
        Assert.Equal("queued", (await client.GetJsonAsync($"/api/ai/status/{id}")).GetProperty("status").GetString());
    }
}
