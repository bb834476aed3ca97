using System.Threading.Channels;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using GigaOffice.Configuration;
using GigaOffice.Data;
using GigaOffice.Requests;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace GigaOffice.Queue.Kafka;

/// <summary>Creates the topics with the configured partitions, when asked to; never blocks start-up for long.</summary>
public static class KafkaTopics
{
    public static async Task EnsureAsync(KafkaOptions options, ILogger logger, CancellationToken cancellationToken)
    {
        if (options.TopicPartitions <= 0) return;
        var timeout = TimeSpan.FromSeconds(options.TopicCreateTimeoutSeconds);
        var specs = new[] { options.TopicRequests, options.TopicResponses, options.DeadLetterTopic }.Select(name => new TopicSpecification
        {
            Name = name, NumPartitions = options.TopicPartitions, ReplicationFactor = options.TopicReplicationFactor,
        }).ToList();
        var admin = new AdminClientBuilder(KafkaClientConfig.From(options)).Build();
        try
        {
            await admin.CreateTopicsAsync(specs, new CreateTopicsOptions { RequestTimeout = timeout, OperationTimeout = timeout })
                .WaitAsync(timeout + TimeSpan.FromSeconds(1), cancellationToken);
            logger.LogInformation("Created Kafka topics {Topics} with {Partitions} partitions", string.Join(", ", specs.Select(s => s.Name)), options.TopicPartitions);
        }
        catch (CreateTopicsException ex) when (ex.Results.All(r => r.Error.Code is ErrorCode.NoError or ErrorCode.TopicAlreadyExists))
        {
            logger.LogInformation("Kafka topics already exist");
        }
        catch (Exception ex) when (ex is KafkaException or TimeoutException)
        {
            logger.LogWarning("Kafka topics were not created ({Error}); continuing with whatever the cluster provides", ex.Message);
        }
        finally
        {
            // librdkafka may still wait for the answer; do not hold start-up for it.
            _ = Task.Run(admin.Dispose, CancellationToken.None);
        }
    }
}
