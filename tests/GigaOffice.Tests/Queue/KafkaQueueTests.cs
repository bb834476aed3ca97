using System.Net.Http.Json;
using System.Net;
using System.Text.Json;
using GigaOffice.Configuration;
using GigaOffice.Queue;
using GigaOffice.Queue.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Configuration;

namespace GigaOffice.Tests.Queue;

public sealed class KafkaQueueTests(PostgresKafkaBackend backends) : IClassFixture<PostgresKafkaBackend>
{
    [Fact]
    public async Task Poison_messages_land_in_the_dead_letter_topic_with_the_reason_and_the_service_carries_on()
    {
        var backend = await backends.CreateAsync();
        await using var app = backend.CreateApp(new Dictionary<string, string?>
        {
            ["Kafka:UnknownRequestRetries"] = "1",
            // The mock cluster never answers CreateTopics: creation must give up and the service work anyway.
            ["Kafka:TopicPartitions"] = "3",
            ["Kafka:TopicCreateTimeoutSeconds"] = "2",
        });
        var client = app.CreateClient();
        var requests = backend["Kafka:TopicRequests"]!;
        var unknown = Guid.NewGuid();
        await KafkaTopicReader.ProduceAsync(backends.Kafka.BootstrapServers, requests, "garbage", "this is not a request notice");
        await KafkaTopicReader.ProduceAsync(backends.Kafka.BootstrapServers, requests, unknown.ToString(), $$"""{"request_id":"{{unknown}}"}""");

        var dead = KafkaTopicReader.ReadUntil(backends.Kafka.BootstrapServers, requests + ".dlq", m => m.Count >= 2, TimeSpan.FromSeconds(60));
        var malformed = Assert.Single(dead, m => m.Message.Key == "garbage");
        Assert.Equal("malformed_payload", malformed.Header(KafkaMessages.ReasonHeader));
        Assert.Equal("this is not a request notice", malformed.Message.Value);
        Assert.StartsWith(requests + "/", malformed.Header("dead-letter-source"));
        var missing = Assert.Single(dead, m => m.Message.Key == unknown.ToString());
        Assert.Equal("unknown_request", missing.Header(KafkaMessages.ReasonHeader));
        Assert.Contains(unknown.ToString(), missing.Header(KafkaMessages.DetailHeader));

        var status = await client.WaitFinishedAsync(await client.SubmitAsync(TestRequests.SeedExample), TimeSpan.FromSeconds(60));
        Assert.Equal("completed", status.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Results_and_failures_are_published_to_the_responses_topic()
    {
        var backend = await backends.CreateAsync();
        await using var app = backend.CreateApp();
        var client = app.CreateClient();
        var done = await client.SubmitAsync(TestRequests.SeedExample);
        await client.WaitFinishedAsync(done, TimeSpan.FromSeconds(60));

        var message = KafkaTopicReader.ReadUntil(backends.Kafka.BootstrapServers, backend["Kafka:TopicResponses"]!,
            m => m.Any(r => r.Message.Key == done.ToString()), TimeSpan.FromSeconds(60)).First(r => r.Message.Key == done.ToString());
        var published = JsonDocument.Parse(message.Message.Value).RootElement;
        var served = await client.GetJsonAsync($"/api/ai/result/{done}");
        // The same document as GET /api/ai/result.
        Assert.Equal(served.GetRawText(), published.GetRawText());
    }

    [Fact]
    public async Task Api_and_worker_roles_split_over_two_instances()
    {
        var backend = await backends.CreateAsync();
        await using var api = backend.CreateApp(new Dictionary<string, string?> { ["Worker:Role"] = "api" });
        var apiClient = api.CreateClient();
        var id = await apiClient.SubmitAsync(TestRequests.SeedExample);
        Assert.DoesNotContain(api.Services.GetServices<IHostedService>(), s => s is QueueWorker or RequestRecoveryService);
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal("queued", (await apiClient.GetJsonAsync($"/api/ai/status/{id}")).GetProperty("status").GetString());

        await using var worker = backend.CreateApp(new Dictionary<string, string?> { ["Worker:Role"] = "worker" });
        var workerClient = worker.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await workerClient.GetAsync("/api/health")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await workerClient.GetAsync("/health/ready")).StatusCode);
        foreach (var path in new[] { $"/api/ai/status/{id}", "/api/prompts/categories", "/api/metrics", "/openapi/v1.json", "/docs/index.html" })
            Assert.Equal(HttpStatusCode.NotFound, (await workerClient.GetAsync(path)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await workerClient.PostAsJsonAsync("/api/ai/process", TestRequests.SeedExample)).StatusCode);

        var status = await apiClient.WaitFinishedAsync(id, TimeSpan.FromSeconds(60));
        Assert.Equal("completed", status.GetProperty("status").GetString());
        Assert.Equal(1, status.GetProperty("attempts").GetInt32());
    }

    [Fact]
    public async Task A_duplicate_notice_of_a_completed_request_changes_nothing()
    {
        var backend = await backends.CreateAsync();
        await using var app = backend.CreateApp();
        var client = app.CreateClient();
        var id = await client.SubmitAsync(TestRequests.SeedExample);
        var first = await client.WaitFinishedAsync(id, TimeSpan.FromSeconds(60));

        // As a redelivery after a rebalance would bring it, twice.
        for (var i = 0; i < 2; i++)
            await KafkaTopicReader.ProduceAsync(backends.Kafka.BootstrapServers, backend["Kafka:TopicRequests"]!, id.ToString(), $$"""{"request_id":"{{id}}"}""");
        // The duplicates are consumed: the result is published once per notice...
        KafkaTopicReader.ReadUntil(backends.Kafka.BootstrapServers, backend["Kafka:TopicResponses"]!,
            m => m.Count(r => r.Message.Key == id.ToString()) >= 3, TimeSpan.FromSeconds(60));
        // ...but the request was processed (and billed) once.
        var again = await client.GetJsonAsync($"/api/ai/status/{id}");
        Assert.Equal(1, again.GetProperty("attempts").GetInt32());
        Assert.Equal(first.GetProperty("completed_at").GetString(), again.GetProperty("completed_at").GetString());
    }
}

public sealed class KafkaConfigurationTests
{
    [Fact]
    public async Task Split_roles_without_kafka_are_refused_with_a_message_naming_the_variable()
    {
        await using var app = new TestApp(new Dictionary<string, string?> { ["Worker:Role"] = "api" });
        var error = Assert.ThrowsAny<Exception>(() => app.CreateClient());
        Assert.Contains("KAFKA_BOOTSTRAP_SERVERS", error.ToString());
    }

    [Theory]
    [InlineData("Kafka:SecurityProtocol", "tls", "KAFKA_SECURITY_PROTOCOL")]
    [InlineData("Kafka:SecurityProtocol", "sasl_ssl", "KAFKA_SASL_USERNAME")]
    [InlineData("Kafka:TopicRequests", "bad topic!", "KAFKA_TOPIC_REQUESTS")]
    [InlineData("Kafka:SslCaLocation", "/nonexistent/ca.pem", "KAFKA_SSL_CA_LOCATION")]
    public async Task Wrong_kafka_settings_stop_the_start_with_a_message_naming_the_variable(string key, string value, string variable)
    {
        await using var app = new TestApp(new Dictionary<string, string?> { ["Kafka:BootstrapServers"] = "127.0.0.1:1", [key] = value });
        var error = Assert.ThrowsAny<Exception>(() => app.CreateClient());
        // The whole exception on failure, to see what was refused instead.
        Assert.True(error.ToString().Contains(variable), error.ToString());
    }

    [Fact]
    public void Tls_and_sasl_settings_reach_the_kafka_client()
    {
        var environment = new Dictionary<string, string?>
        {
            ["KAFKA_BOOTSTRAP_SERVERS"] = "kafka-1:9093,kafka-2:9093",
            ["KAFKA_SECURITY_PROTOCOL"] = "sasl_ssl",
            ["KAFKA_SASL_MECHANISM"] = "SCRAM-SHA-512",
            ["KAFKA_SASL_USERNAME"] = "gigaoffice",
            ["KAFKA_SASL_PASSWORD"] = "secret",
            ["KAFKA_SSL_CA_LOCATION"] = "/etc/ssl/kafka-ca.pem",
        };
        var options = new ConfigurationBuilder()
            .AddInMemoryCollection(environment.ToDictionary(e => SeedVariables.Map[e.Key], e => e.Value)).Build()
            .GetSection(KafkaOptions.Section).Get<KafkaOptions>()!;
        var config = KafkaClientConfig.From(options);
        Assert.Equal("kafka-1:9093,kafka-2:9093", config.BootstrapServers);
        Assert.Equal(Confluent.Kafka.SecurityProtocol.SaslSsl, config.SecurityProtocol);
        Assert.Equal(Confluent.Kafka.SaslMechanism.ScramSha512, config.SaslMechanism);
        Assert.Equal(("gigaoffice", "secret"), (config.SaslUsername, config.SaslPassword));
        Assert.Equal("/etc/ssl/kafka-ca.pem", config.SslCaLocation);
        Assert.Equal("gigaoffice-requests.dlq", options.DeadLetterTopic);
    }
}
