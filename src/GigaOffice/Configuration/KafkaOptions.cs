using Microsoft.Extensions.Options;

namespace GigaOffice.Configuration;

/// <summary>Apache Kafka as the request queue. Setting <c>KAFKA_BOOTSTRAP_SERVERS</c> selects it.</summary>
public sealed class KafkaOptions
{
    public const string Section = "Kafka";

    public string? BootstrapServers { get; set; }
    public string TopicRequests { get; set; } = "gigaoffice-requests";
    public string TopicResponses { get; set; } = "gigaoffice-responses";
    /// <summary>Where messages that cannot be processed go; <c>&lt;requests topic&gt;.dlq</c> when unset.</summary>
    public string? TopicDeadLetter { get; set; }
    public string ConsumerGroup { get; set; } = "gigaoffice-group";
    public string ClientId { get; set; } = "gigaoffice";

    /// <summary>plaintext, ssl, sasl_plaintext or sasl_ssl.</summary>
    public string SecurityProtocol { get; set; } = "plaintext";
    /// <summary>PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512.</summary>
    public string? SaslMechanism { get; set; }
    public string? SaslUsername { get; set; }
    public string? SaslPassword { get; set; }
    /// <summary>CA bundle (PEM) that signed the brokers' certificates; the system store when unset.</summary>
    public string? SslCaLocation { get; set; }
    /// <summary>Client certificate and key (PEM) for brokers that require mutual TLS.</summary>
    public string? SslCertificateLocation { get; set; }
    public string? SslKeyLocation { get; set; }
    public string? SslKeyPassword { get; set; }
    /// <summary>Check that the broker's certificate names the host it was reached by.</summary>
    public bool SslVerifyHostname { get; set; } = true;

    /// <summary>Partitions for topics the service creates at start; 0 leaves topic creation to the cluster.</summary>
    public int TopicPartitions { get; set; }
    public short TopicReplicationFactor { get; set; } = -1;
    /// <summary>Topic creation gives up after this long (some clusters forbid it, some never answer).</summary>
    public int TopicCreateTimeoutSeconds { get; set; } = 10;

    public int SessionTimeoutMs { get; set; } = 45_000;
    /// <summary>How long the producer keeps trying to deliver one message before reporting a failure.</summary>
    public int MessageTimeoutMs { get; set; } = 30_000;
    /// <summary>How often the outbox relay looks for unpublished requests when nobody nudges it.</summary>
    public int OutboxPollMs { get; set; } = 1000;
    /// <summary>Redeliveries of a message naming an unknown request before it is dead-lettered.</summary>
    public int UnknownRequestRetries { get; set; } = 3;
    /// <summary>A queued request whose notice was published this long ago without being picked up is
    /// published again (a safety net against a broker that lost the message).</summary>
    public int RepublishAfterMinutes { get; set; } = 30;

    public bool Enabled => !string.IsNullOrWhiteSpace(BootstrapServers);
    public string DeadLetterTopic => string.IsNullOrWhiteSpace(TopicDeadLetter) ? TopicRequests + ".dlq" : TopicDeadLetter;
}

public sealed class KafkaOptionsValidation : IValidateOptions<KafkaOptions>
{
    private static readonly string[] Protocols = ["plaintext", "ssl", "sasl_plaintext", "sasl_ssl"];
    private static readonly string[] Mechanisms = ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"];

    public ValidateOptionsResult Validate(string? name, KafkaOptions o)
    {
        if (!o.Enabled) return ValidateOptionsResult.Success;
        var errors = new List<string>();
        foreach (var (value, variable) in new[] { (o.TopicRequests, "KAFKA_TOPIC_REQUESTS"), (o.TopicResponses, "KAFKA_TOPIC_RESPONSES"), (o.DeadLetterTopic, "KAFKA_TOPIC_DEAD_LETTER") })
            if (!IsTopicName(value)) errors.Add($"{variable}=\"{value}\" is not a valid topic name (letters, digits, '.', '_', '-', at most 249).");
        if (o.TopicRequests == o.TopicResponses || o.TopicRequests == o.DeadLetterTopic)
            errors.Add("KAFKA_TOPIC_REQUESTS must differ from KAFKA_TOPIC_RESPONSES and KAFKA_TOPIC_DEAD_LETTER.");
        if (string.IsNullOrWhiteSpace(o.ConsumerGroup)) errors.Add("KAFKA_CONSUMER_GROUP must not be empty.");

        var protocol = o.SecurityProtocol.Trim().ToLowerInvariant();
        if (!Protocols.Contains(protocol))
            errors.Add($"KAFKA_SECURITY_PROTOCOL=\"{o.SecurityProtocol}\" is not one of {string.Join(", ", Protocols)}.");
        if (protocol.StartsWith("sasl_"))
        {
            if (o.SaslMechanism is null || !Mechanisms.Contains(o.SaslMechanism.Trim().ToUpperInvariant()))
                errors.Add($"KAFKA_SASL_MECHANISM must be one of {string.Join(", ", Mechanisms)} when KAFKA_SECURITY_PROTOCOL={protocol}.");
            if (string.IsNullOrWhiteSpace(o.SaslUsername) || string.IsNullOrEmpty(o.SaslPassword))
                errors.Add($"KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD are required when KAFKA_SECURITY_PROTOCOL={protocol}.");
        }
        foreach (var (path, variable) in new[] { (o.SslCaLocation, "KAFKA_SSL_CA_LOCATION"), (o.SslCertificateLocation, "KAFKA_SSL_CERTIFICATE_LOCATION"), (o.SslKeyLocation, "KAFKA_SSL_KEY_LOCATION") })
            if (!string.IsNullOrWhiteSpace(path) && !File.Exists(path)) errors.Add($"{variable}: file \"{path}\" does not exist.");
        if (string.IsNullOrWhiteSpace(o.SslCertificateLocation) != string.IsNullOrWhiteSpace(o.SslKeyLocation))
            errors.Add("KAFKA_SSL_CERTIFICATE_LOCATION and KAFKA_SSL_KEY_LOCATION go together (mutual TLS needs both).");

        if (o.TopicPartitions < 0) errors.Add("KAFKA_TOPIC_PARTITIONS must be 0 (do not create topics) or more.");
        if (o.TopicCreateTimeoutSeconds is < 1 or > 300) errors.Add("KAFKA_TOPIC_CREATE_TIMEOUT_SECONDS must be between 1 and 300.");
        if (o.SessionTimeoutMs is < 1000 or > 300_000) errors.Add("KAFKA_SESSION_TIMEOUT_MS must be between 1000 and 300000.");
        if (o.MessageTimeoutMs < 1000) errors.Add("KAFKA_MESSAGE_TIMEOUT_MS must be at least 1000.");
        if (o.OutboxPollMs is < 10 or > 60_000) errors.Add("Kafka:OutboxPollMs must be between 10 and 60000.");
        if (o.UnknownRequestRetries < 0) errors.Add("Kafka:UnknownRequestRetries must not be negative.");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static bool IsTopicName(string? name) =>
        !string.IsNullOrEmpty(name) && name.Length <= 249 && name is not ("." or "..")
        && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');
}

/// <summary>API-only and worker-only instances talk through a shared queue; the in-process one is not shared.</summary>
public sealed class WorkerRoleValidation(IOptions<KafkaOptions> kafka) : IValidateOptions<WorkerOptions>
{
    public ValidateOptionsResult Validate(string? name, WorkerOptions o) =>
        o.Role is "api" or "worker" && !kafka.Value.Enabled
            ? ValidateOptionsResult.Fail($"SERVICE_ROLE={o.Role} needs KAFKA_BOOTSTRAP_SERVERS: with the in-process queue the API and the workers must run in one process (SERVICE_ROLE=all).")
            : ValidateOptionsResult.Success;
}
