using System.Reflection;
using System.Runtime.InteropServices;
using Confluent.Kafka;

namespace GigaOffice.Testing;

/// <summary>A broker of the mock cluster.</summary>
/// <param name="Id">Broker id (1..n).</param>
/// <param name="Address">
/// "host:port" that clients use: the broker's front proxy, which metadata advertises, so that
/// <see cref="KafkaMockCluster.SetBrokerDown"/> can cut clients off.
/// </param>
/// <param name="ListenerAddress">The mock's own listener; connecting there directly bypasses nothing (metadata still points at the proxy).</param>
public sealed record KafkaMockBroker(int Id, string Address, string ListenerAddress);

/// <summary>
/// librdkafka's in-process mock Kafka cluster (no Kafka install needed), reachable over TCP by any client.
/// Started through an AdminClient with <c>test.mock.num.brokers</c>; lives until <see cref="Dispose"/>.
/// Each broker sits behind a <see cref="TcpProxy"/> that the broker advertises in metadata, so every
/// client connection runs through it and <see cref="SetBrokerDown"/> really cuts clients off.
/// Other fault injection goes through librdkafka's mock C API (P/Invoke into the very librdkafka that
/// Confluent.Kafka loaded).
/// </summary>
/// <remarks>
/// Limits of the mock: no CreateTopics/DeleteTopics admin requests (use <see cref="CreateTopic"/>),
/// topics auto-create with 4 partitions, data in memory, no TLS/SASL. librdkafka's own
/// rd_kafka_mock_broker_set_down is not used: it closes and re-binds the broker's port, and when another
/// socket takes the port in between (seen under load) an assertion aborts the whole test process.
/// The mock C API is experimental and not covered by librdkafka's ABI guarantees, so a Confluent.Kafka
/// upgrade should re-run GigaOffice.Testing.Tests.
/// </remarks>
public sealed class KafkaMockCluster : IDisposable
{
    private readonly IAdminClient _adminClient;
    private readonly Lock _sync = new();
    private readonly MockApi _api;
    private readonly nint _cluster;
    private readonly Dictionary<int, TcpProxy> _proxies = [];
    private bool _disposed;

    /// <param name="brokerCount">Number of brokers (ids 1..brokerCount).</param>
    /// <param name="groupInitialRebalanceDelayMs">
    /// Delay before a new consumer group's first assignment; the mock's default is 3000 ms (like Kafka's
    /// group.initial.rebalance.delay.ms). 0 makes consumer tests start faster.
    /// </param>
    /// <param name="logHandler">Receives the owning AdminClient's librdkafka logs; null drops them.</param>
    public KafkaMockCluster(int brokerCount = 1, int? groupInitialRebalanceDelayMs = null, Action<LogMessage>? logHandler = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(brokerCount);
        var config = new AdminClientConfig { BootstrapServers = "mock" }; // Replaced by the mock's own listeners.
        config.Set("test.mock.num.brokers", brokerCount.ToString(System.Globalization.CultureInfo.InvariantCulture));
        _adminClient = new AdminClientBuilder(config)
            .SetLogHandler((_, message) => logHandler?.Invoke(message))
            .Build();
        try
        {
            _api = MockApi.Load();
            _cluster = _api.HandleMockCluster(GetNativeHandle(_adminClient));
            if (_cluster == 0)
            {
                throw new InvalidOperationException("librdkafka returned no mock cluster for an AdminClient configured with test.mock.num.brokers.");
            }

            if (groupInitialRebalanceDelayMs is { } delay)
            {
                _api.GroupInitialRebalanceDelayMs(_cluster, delay);
            }

            var metadata = _adminClient.GetMetadata(TimeSpan.FromSeconds(10));
            if (metadata.Brokers.Count != brokerCount)
            {
                throw new InvalidOperationException($"Mock cluster metadata lists {metadata.Brokers.Count} brokers, expected {brokerCount}.");
            }

            var brokers = new List<KafkaMockBroker>();
            foreach (var broker in metadata.Brokers.OrderBy(b => b.BrokerId))
            {
                var proxy = new TcpProxy(broker.Host, broker.Port);
                _proxies.Add(broker.BrokerId, proxy);
                _api.BrokerSetHostPort(_cluster, broker.BrokerId, proxy.Host, proxy.Port);
                brokers.Add(new KafkaMockBroker(broker.BrokerId, proxy.Address, $"{broker.Host}:{broker.Port}"));
            }

            Brokers = brokers;
            BootstrapServers = string.Join(',', Brokers.Select(b => b.Address));
        }
        catch
        {
            DisposeCore();
            throw;
        }
    }

    /// <summary>"host:port,..." of the brokers (their front proxies), for bootstrap.servers.</summary>
    public string BootstrapServers { get; } = "";

    /// <summary>The brokers, ordered by id.</summary>
    public IReadOnlyList<KafkaMockBroker> Brokers { get; } = [];

    /// <summary>The AdminClient that owns the cluster (its metadata calls work; CreateTopics does not).</summary>
    public IAdminClient AdminClient => _adminClient;

    /// <summary>
    /// Creates a topic with a chosen partition count (auto-created topics get 4). Instant, unlike the
    /// CreateTopics admin request, which the mock does not support.
    /// </summary>
    public void CreateTopic(string topic, int partitions = 1, int replicationFactor = 1)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(topic);
        Invoke($"create topic {topic}", () => _api.TopicCreate(_cluster, topic, partitions, replicationFactor));
    }

    /// <summary>
    /// Takes a broker down: with <see cref="TcpProxyPauseMode.Reset"/> its connections are reset and new ones
    /// reset at once (a crashed broker: clients fail fast, buffer and retry); with
    /// <see cref="TcpProxyPauseMode.Blackhole"/> nothing gets through but nothing is closed either (a network
    /// partition: clients hit their time-outs). Partition leadership does not move. -1 = all brokers.
    /// </summary>
    public void SetBrokerDown(int brokerId = 1, TcpProxyPauseMode mode = TcpProxyPauseMode.Reset)
    {
        foreach (var proxy in ProxiesOf(brokerId))
        {
            proxy.Pause(mode);
        }
    }

    /// <summary>Lets a broker take connections again (same address). -1 = all brokers.</summary>
    public void SetBrokerUp(int brokerId = 1)
    {
        foreach (var proxy in ProxiesOf(brokerId))
        {
            proxy.Resume();
        }
    }

    /// <summary>Whether <see cref="SetBrokerDown"/> is in force for a broker (-1: for all).</summary>
    public bool IsBrokerDown(int brokerId = 1) => ProxiesOf(brokerId).All(p => p.IsPaused);

    /// <summary>The front proxy of a broker, e.g. to count its connections.</summary>
    public TcpProxy GetBrokerProxy(int brokerId = 1) => ProxiesOf(brokerId).Single();

    /// <summary>Delays every response of a broker by <paramref name="rttMs"/> (0 restores): a slow broker. -1 = all brokers.</summary>
    public void SetBrokerRtt(int brokerId, int rttMs) => Invoke($"set broker {brokerId} rtt", () => _api.BrokerSetRtt(_cluster, brokerId, rttMs));

    public void Dispose()
    {
        lock (_sync)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        DisposeCore();
    }

    private void DisposeCore()
    {
        // Destroying the owning client destroys the mock cluster with it.
        _adminClient.Dispose();
        foreach (var proxy in _proxies.Values)
        {
            proxy.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    private IEnumerable<TcpProxy> ProxiesOf(int brokerId)
    {
        lock (_sync)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
        }

        if (brokerId == -1)
        {
            return _proxies.Values;
        }

        return _proxies.TryGetValue(brokerId, out var proxy)
            ? [proxy]
            : throw new ArgumentOutOfRangeException(nameof(brokerId), brokerId, "No such broker.");
    }

    private void Invoke(string what, Func<int> call)
    {
        lock (_sync)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var error = call();
            if (error != 0)
            {
                throw new KafkaException(new Error((ErrorCode)error, $"Kafka mock: {what} failed: {(ErrorCode)error}"));
            }
        }
    }

    // Confluent.Kafka keeps the rd_kafka_t* in an internal SafeHandle (Handle.LibrdkafkaHandle).
    private static nint GetNativeHandle(IClient client)
    {
        var property = typeof(Handle).GetProperty("LibrdkafkaHandle", BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public)
            ?? throw new InvalidOperationException("Confluent.Kafka.Handle has no LibrdkafkaHandle property any more: KafkaMockCluster needs updating.");
        var handle = property.GetValue(client.Handle) as SafeHandle
            ?? throw new InvalidOperationException("Confluent.Kafka.Handle.LibrdkafkaHandle is not a SafeHandle: KafkaMockCluster needs updating.");
        return handle.DangerousGetHandle();
    }

    /// <summary>Function pointers into the loaded librdkafka's mock API.</summary>
    private sealed unsafe class MockApi
    {
        private delegate* unmanaged<nint, nint> _handleMockCluster;
        private delegate* unmanaged<nint, int, int, int> _brokerSetRtt;
        private delegate* unmanaged<nint, int, byte*, int, void> _brokerSetHostPort;
        private delegate* unmanaged<nint, byte*, int, int, int> _topicCreate;
        private delegate* unmanaged<nint, int, void> _groupInitialRebalanceDelayMs;

        private static MockApi? _instance;

        public static MockApi Load()
        {
            if (_instance is not null)
            {
                return _instance;
            }

            // Confluent.Kafka picks one of several librdkafka builds (e.g. centos8-librdkafka.so on glibc
            // Linux); a DllImport("librdkafka") could load a second copy whose mock functions would not know
            // this cluster. So take the exports from the copy already mapped into the process.
            var library = NativeLibrary.Load(FindLoadedLibrdkafka());
            var api = new MockApi
            {
                _handleMockCluster = (delegate* unmanaged<nint, nint>)NativeLibrary.GetExport(library, "rd_kafka_handle_mock_cluster"),
                _brokerSetRtt = (delegate* unmanaged<nint, int, int, int>)NativeLibrary.GetExport(library, "rd_kafka_mock_broker_set_rtt"),
                _brokerSetHostPort = (delegate* unmanaged<nint, int, byte*, int, void>)NativeLibrary.GetExport(library, "rd_kafka_mock_broker_set_host_port"),
                _topicCreate = (delegate* unmanaged<nint, byte*, int, int, int>)NativeLibrary.GetExport(library, "rd_kafka_mock_topic_create"),
                _groupInitialRebalanceDelayMs = (delegate* unmanaged<nint, int, void>)NativeLibrary.GetExport(library, "rd_kafka_mock_group_initial_rebalance_delay_ms"),
            };
            return _instance = api;
        }

        public nint HandleMockCluster(nint rk) => _handleMockCluster(rk);

        public int BrokerSetRtt(nint cluster, int brokerId, int rttMs) => _brokerSetRtt(cluster, brokerId, rttMs);

        public void BrokerSetHostPort(nint cluster, int brokerId, string host, int port)
        {
            var bytes = Utf8z(host);
            fixed (byte* p = bytes)
            {
                _brokerSetHostPort(cluster, brokerId, p, port);
            }
        }

        public int TopicCreate(nint cluster, string topic, int partitions, int replicationFactor)
        {
            var bytes = Utf8z(topic);
            fixed (byte* p = bytes)
            {
                return _topicCreate(cluster, p, partitions, replicationFactor);
            }
        }

        public void GroupInitialRebalanceDelayMs(nint cluster, int delayMs) => _groupInitialRebalanceDelayMs(cluster, delayMs);

        private static byte[] Utf8z(string s) => System.Text.Encoding.UTF8.GetBytes(s + '\0');

        private static string FindLoadedLibrdkafka()
        {
            const string maps = "/proc/self/maps";
            if (File.Exists(maps))
            {
                foreach (var line in File.ReadLines(maps))
                {
                    var slash = line.IndexOf('/');
                    if (slash >= 0 && line.Contains("librdkafka", StringComparison.Ordinal))
                    {
                        return line[slash..].Trim();
                    }
                }
            }

            throw new PlatformNotSupportedException(
                "Could not find the librdkafka that Confluent.Kafka loaded (via /proc/self/maps): the Kafka mock's fault injection needs Linux.");
        }
    }
}
