using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.ExceptionServices;
using Confluent.Kafka;
using GigaOffice.Testing;
using Xunit.Abstractions;

namespace GigaOffice.Testing.Tests;

internal static class Kafka
{
    public static ProducerConfig ProducerConfig(string bootstrap, int messageTimeoutMs = 10_000) => new()
    {
        BootstrapServers = bootstrap,
        MessageTimeoutMs = messageTimeoutMs,
        // Reconnect quickly once a broker is back (default backoff grows to 10 s).
        ReconnectBackoffMs = 100,
        ReconnectBackoffMaxMs = 500,
        LingerMs = 5,
    };

    public static IProducer<string, string> Producer(ProducerConfig config) =>
        new ProducerBuilder<string, string>(config).SetLogHandler((_, _) => { }).Build();

    public static IConsumer<string, string> Consumer(string bootstrap, string groupId) =>
        new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            GroupId = groupId,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            SessionTimeoutMs = 6000,
            EnableAutoCommit = false,
            ReconnectBackoffMs = 100,
            ReconnectBackoffMaxMs = 500,
        }).SetLogHandler((_, _) => { }).Build();

    /// <summary>
    /// Produces until one delivery succeeds: with a short message time-out, the first delivery (metadata,
    /// connections) or the first after a broker comes back may time out on a loaded machine.
    /// </summary>
    public static async Task<DeliveryResult<string, string>> ProduceUntilDeliveredAsync(
        IProducer<string, string> producer, string topic, string value, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            try
            {
                return await producer.ProduceAsync(topic, new Message<string, string> { Key = "k", Value = value });
            }
            catch (ProduceException<string, string> e) when (e.Error.Code == ErrorCode.Local_MsgTimedOut && DateTime.UtcNow < deadline)
            {
            }
        }
    }

    /// <summary>Next message value, or null when none came within <paramref name="timeout"/>.</summary>
    public static string? ConsumeOne(IConsumer<string, string> consumer, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            var result = consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (result is { IsPartitionEOF: false })
            {
                consumer.Commit(result);
                return result.Message.Value;
            }
        }

        return null;
    }
}

// Split into classes so that xunit runs them in parallel: most of their time is waiting.
public sealed class KafkaMockClusterTests(ITestOutputHelper output)
{
    [Fact]
    public void Exposes_brokers_from_metadata()
    {
        using var cluster = new KafkaMockCluster(brokerCount: 3);
        Assert.Equal([1, 2, 3], cluster.Brokers.Select(b => b.Id));
        Assert.All(cluster.Brokers, b => Assert.StartsWith("127.0.0.1:", b.Address));
        Assert.Equal(string.Join(',', cluster.Brokers.Select(b => b.Address)), cluster.BootstrapServers);

        // Any client, not only the owner, sees the same cluster over TCP, and metadata advertises the front proxies.
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = cluster.BootstrapServers })
            .SetLogHandler((_, _) => { }).Build();
        var advertised = admin.GetMetadata(TimeSpan.FromSeconds(10)).Brokers.OrderBy(b => b.BrokerId).Select(b => $"{b.Host}:{b.Port}");
        Assert.Equal(cluster.Brokers.Select(b => b.Address), advertised);
    }

    [Fact]
    public void CreateTopic_sets_the_partition_count()
    {
        using var cluster = new KafkaMockCluster();
        cluster.CreateTopic("six", partitions: 6);
        var topic = cluster.AdminClient.GetMetadata("six", TimeSpan.FromSeconds(10)).Topics.Single();
        Assert.Equal(6, topic.Partitions.Count);
        Assert.Throws<KafkaException>(() => cluster.CreateTopic("six"));
    }

    [Fact]
    public void Producer_thread_and_consumer_group_move_100_messages()
    {
        using var cluster = new KafkaMockCluster(); // Default 3 s initial rebalance delay, as a real broker.
        cluster.CreateTopic("orders", partitions: 2);
        var elapsed = Stopwatch.StartNew();

        Exception? producerError = null;
        var producerThread = new Thread(() =>
        {
            try
            {
                using var producer = Kafka.Producer(Kafka.ProducerConfig(cluster.BootstrapServers, messageTimeoutMs: 30_000));
                for (var i = 0; i < 100; i++)
                {
                    producer.Produce("orders", new Message<string, string> { Key = $"k{i % 7}", Value = $"m{i}" });
                }

                if (producer.Flush(TimeSpan.FromSeconds(30)) != 0)
                {
                    throw new InvalidOperationException("messages left unflushed");
                }
            }
            catch (Exception e)
            {
                producerError = e; // An exception escaping a thread would kill the test host.
            }
        });
        producerThread.Start();

        var received = new ConcurrentDictionary<string, byte>();
        using (var consumer = Kafka.Consumer(cluster.BootstrapServers, "order-workers"))
        {
            consumer.Subscribe("orders");
            var deadline = DateTime.UtcNow.AddSeconds(45);
            while (received.Count < 100 && DateTime.UtcNow < deadline)
            {
                var result = consumer.Consume(TimeSpan.FromMilliseconds(200));
                if (result is { IsPartitionEOF: false })
                {
                    received.TryAdd(result.Message.Value, 0);
                    consumer.Commit(result);
                }
            }

            Assert.NotEmpty(consumer.Assignment);
            consumer.Close();
        }

        producerThread.Join();
        if (producerError is not null)
        {
            ExceptionDispatchInfo.Throw(producerError);
        }

        output.WriteLine($"100 messages moved in {elapsed.ElapsedMilliseconds} ms");
        Assert.Equal(Enumerable.Range(0, 100).Select(i => $"m{i}").Order(), received.Keys.Order());

        // Commits went to the group coordinator.
        using var check = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = cluster.BootstrapServers, GroupId = "order-workers" })
            .SetLogHandler((_, _) => { }).Build();
        var committed = check.Committed([new TopicPartition("orders", 0), new TopicPartition("orders", 1)], TimeSpan.FromSeconds(10));
        Assert.Equal(100, committed.Sum(c => c.Offset.Value));
    }
}

public sealed class KafkaBrokerDownTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Broker_down_fails_delivery_and_broker_up_restores_it()
    {
        using var cluster = new KafkaMockCluster();
        cluster.CreateTopic("events");
        using var producer = Kafka.Producer(Kafka.ProducerConfig(cluster.BootstrapServers, messageTimeoutMs: 2000));
        await Kafka.ProduceUntilDeliveredAsync(producer, "events", "warm-up", TimeSpan.FromSeconds(30));

        cluster.SetBrokerDown();
        Assert.True(cluster.IsBrokerDown());
        var failedAfter = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<ProduceException<string, string>>(
            () => producer.ProduceAsync("events", new Message<string, string> { Key = "k", Value = "lost" }));
        output.WriteLine($"while down: {error.Error.Code} after {failedAfter.ElapsedMilliseconds} ms");
        Assert.Equal(ErrorCode.Local_MsgTimedOut, error.Error.Code);

        cluster.SetBrokerUp();
        var delivered = Stopwatch.StartNew();
        var result = await Kafka.ProduceUntilDeliveredAsync(producer, "events", "after", TimeSpan.FromSeconds(30));
        output.WriteLine($"after up: delivered in {delivered.ElapsedMilliseconds} ms");
        Assert.Equal(PersistenceStatus.Persisted, result.Status);
    }

    [Theory]
    [InlineData(TcpProxyPauseMode.Reset)]
    [InlineData(TcpProxyPauseMode.Blackhole)]
    public async Task Broker_down_holds_messages_until_it_is_up_again(TcpProxyPauseMode mode)
    {
        using var cluster = new KafkaMockCluster();
        cluster.CreateTopic("events");
        using var producer = Kafka.Producer(Kafka.ProducerConfig(cluster.BootstrapServers, messageTimeoutMs: 60_000));
        await producer.ProduceAsync("events", new Message<string, string> { Key = "k", Value = "warm-up" });

        cluster.SetBrokerDown(mode: mode);
        var sent = Stopwatch.StartNew();
        var pending = producer.ProduceAsync("events", new Message<string, string> { Key = "k", Value = "buffered" });
        await Task.Delay(2000);
        Assert.False(pending.IsCompleted, "delivered while the broker was down");

        cluster.SetBrokerUp();
        var result = await pending.WaitAsync(TimeSpan.FromSeconds(30));
        output.WriteLine($"{mode}: buffered message delivered after {sent.ElapsedMilliseconds} ms");
        Assert.Equal(PersistenceStatus.Persisted, result.Status);
        Assert.Equal(1, result.Offset.Value); // Right after the warm-up: nothing lost or doubled.
    }

    [Fact]
    public void Consumer_group_member_recovers_after_broker_down_and_up()
    {
        // No 3 s initial rebalance delay: the first assignment comes right after the join.
        using var cluster = new KafkaMockCluster(groupInitialRebalanceDelayMs: 0);
        cluster.CreateTopic("jobs");
        using var producer = Kafka.Producer(Kafka.ProducerConfig(cluster.BootstrapServers, messageTimeoutMs: 30_000));
        using var consumer = Kafka.Consumer(cluster.BootstrapServers, "job-workers");
        consumer.Subscribe("jobs");

        var elapsed = Stopwatch.StartNew();
        producer.Produce("jobs", new Message<string, string> { Key = "j", Value = "before" });
        Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
        Assert.Equal("before", Kafka.ConsumeOne(consumer, TimeSpan.FromSeconds(30))); // Committed.
        output.WriteLine($"first message consumed after {elapsed.ElapsedMilliseconds} ms (initial rebalance delay 0)");

        cluster.SetBrokerDown();
        Assert.Null(Kafka.ConsumeOne(consumer, TimeSpan.FromSeconds(2)));
        cluster.SetBrokerUp();

        elapsed.Restart();
        producer.Produce("jobs", new Message<string, string> { Key = "j", Value = "after" });
        Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
        // If the member had to rejoin, it resumes from its committed offset: "after" is next either way.
        Assert.Equal("after", Kafka.ConsumeOne(consumer, TimeSpan.FromSeconds(30)));
        output.WriteLine($"consumed again {elapsed.ElapsedMilliseconds} ms after the broker came back");
        consumer.Close();
    }
}

public sealed class KafkaBrokerReachTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)] // Bootstrapped at the mock's own listener: metadata still sends data to the proxy.
    public async Task Broker_down_cuts_off_clients_however_they_were_bootstrapped(bool bootstrapAtListener)
    {
        using var cluster = new KafkaMockCluster();
        cluster.CreateTopic("events");
        var bootstrap = bootstrapAtListener ? cluster.Brokers[0].ListenerAddress : cluster.BootstrapServers;
        using var producer = Kafka.Producer(Kafka.ProducerConfig(bootstrap, messageTimeoutMs: 2000));
        await Kafka.ProduceUntilDeliveredAsync(producer, "events", "first", TimeSpan.FromSeconds(30));
        Assert.True(cluster.GetBrokerProxy().AcceptedConnections > 0);

        cluster.SetBrokerDown();
        var error = await Assert.ThrowsAsync<ProduceException<string, string>>(
            () => producer.ProduceAsync("events", new Message<string, string> { Value = "lost" }));
        Assert.Equal(ErrorCode.Local_MsgTimedOut, error.Error.Code);

        cluster.SetBrokerUp();
        var result = await Kafka.ProduceUntilDeliveredAsync(producer, "events", "after up", TimeSpan.FromSeconds(30));
        Assert.Equal(PersistenceStatus.Persisted, result.Status);
    }

    [Fact]
    public async Task A_plain_TcpProxy_in_front_of_a_broker_is_bypassed()
    {
        // Documents why KafkaMockCluster has its own proxies: a client bootstrapped through some other
        // proxy then talks to the address the broker advertises.
        using var cluster = new KafkaMockCluster();
        cluster.CreateTopic("events");
        await using var proxy = new TcpProxy(cluster.Brokers[0].ListenerAddress);

        using var producer = Kafka.Producer(Kafka.ProducerConfig(proxy.Address, messageTimeoutMs: 30_000));
        await producer.ProduceAsync("events", new Message<string, string> { Value = "first" });

        proxy.Pause();
        var result = await producer.ProduceAsync("events", new Message<string, string> { Value = "still delivered" });
        Assert.Equal(PersistenceStatus.Persisted, result.Status);
    }

    [Fact]
    public async Task SetBrokerRtt_slows_every_response()
    {
        using var cluster = new KafkaMockCluster();
        cluster.CreateTopic("events");
        using var producer = Kafka.Producer(Kafka.ProducerConfig(cluster.BootstrapServers, messageTimeoutMs: 30_000));
        await producer.ProduceAsync("events", new Message<string, string> { Value = "warm-up" });

        cluster.SetBrokerRtt(1, 1500);
        var slow = Stopwatch.StartNew();
        await producer.ProduceAsync("events", new Message<string, string> { Value = "slow" });
        Assert.True(slow.Elapsed >= TimeSpan.FromMilliseconds(1400), $"took only {slow.Elapsed}");

        cluster.SetBrokerRtt(1, 0);
        Assert.Throws<KafkaException>(() => cluster.SetBrokerRtt(9, 100));
    }

    [Fact]
    public void Broker_ids_are_checked()
    {
        using var cluster = new KafkaMockCluster(brokerCount: 2);
        Assert.Throws<ArgumentOutOfRangeException>(() => cluster.SetBrokerDown(3));
        cluster.SetBrokerDown(-1);
        Assert.True(cluster.IsBrokerDown(1) && cluster.IsBrokerDown(2));
        cluster.SetBrokerUp(-1);
        Assert.False(cluster.IsBrokerDown(1) || cluster.IsBrokerDown(2));
    }
}
