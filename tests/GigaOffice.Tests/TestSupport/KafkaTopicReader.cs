using System.Text;
using Confluent.Kafka;

namespace GigaOffice.Tests.TestSupport;

/// <summary>What another system sees on a topic: reads it from the beginning with a group of its own.</summary>
public static class KafkaTopicReader
{
    public static List<ConsumeResult<string, string>> ReadUntil(
        string bootstrapServers, string topic, Func<IReadOnlyList<ConsumeResult<string, string>>, bool> enough, TimeSpan timeout)
    {
        using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = "test-reader-" + Guid.NewGuid().ToString("N"),
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
            SessionTimeoutMs = 6000,
            AllowAutoCreateTopics = true,
        }).Build();
        consumer.Subscribe(topic);
        var messages = new List<ConsumeResult<string, string>>();
        var deadline = DateTime.UtcNow + timeout;
        while (!enough(messages))
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"Read {messages.Count} messages from {topic}, not enough within {timeout.TotalSeconds:0} s");
            try
            {
                if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { Message: not null } result) messages.Add(result);
            }
            catch (ConsumeException)
            {
                // The topic may not exist yet.
            }
        }
        consumer.Close();
        return messages;
    }

    public static string? Header(this ConsumeResult<string, string> result, string key) =>
        result.Message.Headers?.TryGetLastBytes(key, out var bytes) == true ? Encoding.UTF8.GetString(bytes) : null;

    public static async Task ProduceAsync(string bootstrapServers, string topic, string? key, string value)
    {
        using var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = bootstrapServers, Acks = Acks.All }).Build();
        await producer.ProduceAsync(topic, new Message<string, string> { Key = key!, Value = value });
    }
}
