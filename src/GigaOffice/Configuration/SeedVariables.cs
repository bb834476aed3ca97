namespace GigaOffice.Configuration;

/// <summary>
/// The flat environment variable names of the original (Python) service, mapped onto
/// configuration keys, so an existing <c>.env</c> keeps working unchanged.
/// </summary>
public static class SeedVariables
{
    public static readonly IReadOnlyDictionary<string, string> Map = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["HOST"] = "Server:Host",
        ["PORT"] = "Server:Port",
        ["LOG_LEVEL"] = "Logging:Level",
        ["LOG_DIR"] = "Logging:Directory",
        ["LOG_FORMAT"] = "Logging:Format",

        ["GIGACHAT_RUN_MODE"] = "GigaChat:RunMode",
        ["GIGACHAT_CREDENTIALS"] = "GigaChat:Credentials",
        ["GIGACHAT_BASE_URL"] = "GigaChat:BaseUrl",
        ["GIGACHAT_AUTH_URL"] = "GigaChat:AuthUrl",
        ["GIGACHAT_MODEL"] = "GigaChat:Model",
        ["GIGACHAT_SCOPE"] = "GigaChat:Scope",
        ["GIGACHAT_CA_BUNDLE_FILE"] = "GigaChat:CaBundleFile",
        ["GIGACHAT_VERIFY_SSL_CERTS"] = "GigaChat:VerifySslCerts",
        ["GIGACHAT_TIMEOUT"] = "GigaChat:TimeoutSeconds",
        ["GIGACHAT_MTLS_CA_BUNDLE_FILE"] = "GigaChat:MtlsCaBundleFile",
        ["GIGACHAT_MTLS_CERT_FILE"] = "GigaChat:MtlsCertFile",
        ["GIGACHAT_MTLS_KEY_FILE"] = "GigaChat:MtlsKeyFile",
        ["GIGACHAT_MTLS_KEY_FILE_PASSWORD"] = "GigaChat:MtlsKeyFilePassword",
        ["GIGACHAT_MAX_REQUESTS_PER_MINUTE"] = "GigaChat:MaxRequestsPerMinute",
        ["GIGACHAT_MAX_TOKENS_PER_REQUEST"] = "GigaChat:MaxTokensPerRequest",
        ["GIGACHAT_DRYRUN_DELAY_MS"] = "GigaChat:DryRunDelayMs",
        ["GIGACHAT_USE_FUNCTIONS"] = "GigaChat:UseFunctions",
        ["GIGACHAT_STREAM_PROGRESS"] = "GigaChat:StreamProgress",

        ["OPENAI_QUOTA_WAIT_SECONDS"] = "OpenAi:QuotaWaitSeconds",
        ["OPENAI_LOG_CONTENT"] = "OpenAi:LogContent",
        ["OPENAI_MODELS_CACHE_SECONDS"] = "OpenAi:ModelsCacheSeconds",
        ["EVENTS_HEARTBEAT_SECONDS"] = "Events:HeartbeatSeconds",
        ["EVENTS_MAX_DURATION_SECONDS"] = "Events:MaxDurationSeconds",
        ["EVENTS_POLL_MS"] = "Events:PollMilliseconds",
        ["EVENTS_RECHECK_SECONDS"] = "Events:RecheckSeconds",

        ["DB_HOST"] = "Database:Host",
        ["DB_PORT"] = "Database:Port",
        ["DB_NAME"] = "Database:Name",
        ["DB_USER"] = "Database:User",
        ["DB_PASSWORD"] = "Database:Password",
        ["DB_SQLITE_PATH"] = "Database:SqlitePath",
        ["DB_MIGRATE_ON_START"] = "Database:MigrateOnStart",

        ["KAFKA_BOOTSTRAP_SERVERS"] = "Kafka:BootstrapServers",
        ["KAFKA_TOPIC_REQUESTS"] = "Kafka:TopicRequests",
        ["KAFKA_TOPIC_RESPONSES"] = "Kafka:TopicResponses",
        ["KAFKA_CONSUMER_GROUP"] = "Kafka:ConsumerGroup",
        ["KAFKA_TOPIC_DEAD_LETTER"] = "Kafka:TopicDeadLetter",
        ["KAFKA_CLIENT_ID"] = "Kafka:ClientId",
        ["KAFKA_SECURITY_PROTOCOL"] = "Kafka:SecurityProtocol",
        ["KAFKA_SASL_MECHANISM"] = "Kafka:SaslMechanism",
        ["KAFKA_SASL_USERNAME"] = "Kafka:SaslUsername",
        ["KAFKA_SASL_PASSWORD"] = "Kafka:SaslPassword",
        ["KAFKA_SSL_CA_LOCATION"] = "Kafka:SslCaLocation",
        ["KAFKA_SSL_CERTIFICATE_LOCATION"] = "Kafka:SslCertificateLocation",
        ["KAFKA_SSL_KEY_LOCATION"] = "Kafka:SslKeyLocation",
        ["KAFKA_SSL_KEY_PASSWORD"] = "Kafka:SslKeyPassword",
        ["KAFKA_SSL_VERIFY_HOSTNAME"] = "Kafka:SslVerifyHostname",
        ["KAFKA_TOPIC_PARTITIONS"] = "Kafka:TopicPartitions",
        ["KAFKA_TOPIC_REPLICATION_FACTOR"] = "Kafka:TopicReplicationFactor",
        ["KAFKA_TOPIC_CREATE_TIMEOUT_SECONDS"] = "Kafka:TopicCreateTimeoutSeconds",
        ["KAFKA_SESSION_TIMEOUT_MS"] = "Kafka:SessionTimeoutMs",
        ["KAFKA_MESSAGE_TIMEOUT_MS"] = "Kafka:MessageTimeoutMs",

        ["GIGAOFFICE_ADMIN_KEY"] = "Admin:ApiKey",
        ["RESULT_CACHE_TTL_SECONDS"] = "ResultCache:TtlSeconds",
        ["CLASSIFIER_TIMEOUT_SECONDS"] = "Classifier:TimeoutSeconds",
        ["CLASSIFIER_CONFIDENCE_THRESHOLD"] = "Classifier:ConfidenceThreshold",

        ["SERVICE_ROLE"] = "Worker:Role",
        ["WORKER_CONCURRENCY"] = "Worker:Concurrency",
        ["WORKER_LEASE_SECONDS"] = "Worker:LeaseSeconds",
        ["WORKER_RECOVERY_INTERVAL_SECONDS"] = "Worker:RecoveryIntervalSeconds",
        ["WORKER_INSTANCE_TIMEOUT_SECONDS"] = "Worker:InstanceTimeoutSeconds",

        ["AUTH_MODE"] = "Auth:Mode",
        ["CLIENT_KEY_CACHE_SECONDS"] = "Auth:KeyCacheSeconds",
        ["CORS_ALLOWED_ORIGINS"] = "Cors:AllowedOrigins",
        ["CORS_ALLOW_NULL_ORIGIN"] = "Cors:AllowNullOrigin",
        ["GIGAOFFICE_ADMIN_KEY"] = "Admin:ApiKey",
        ["RETENTION_DAYS"] = "Retention:Days",
        ["MEMORY_TRIM_INTERVAL_SECONDS"] = "Memory:TrimIntervalSeconds",
        ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "Telemetry:OtlpEndpoint",
        ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "Telemetry:OtlpProtocol",
    };

    /// <summary>Environment variable that sets a configuration key, for messages to admins.</summary>
    public static string NameOf(string configKey)
    {
        foreach (var (variable, key) in Map)
            if (string.Equals(key, configKey, StringComparison.OrdinalIgnoreCase))
                return variable;
        return configKey.Replace(":", "__");
    }

    /// <summary>
    /// Adds the seed variables from a <c>.env</c> file (if present) and then from the process
    /// environment, so real environment variables win over the file.
    /// </summary>
    public static IConfigurationBuilder AddSeedVariables(this IConfigurationBuilder configuration, string dotEnvPath)
    {
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        if (File.Exists(dotEnvPath))
        {
            foreach (var (name, value) in DotNetEnv.Env.NoEnvVars().Load(dotEnvPath))
                if (Map.TryGetValue(name, out var key)) values[key] = value;
        }
        foreach (System.Collections.DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            if (entry.Key is string name && Map.TryGetValue(name, out var key))
                values[key] = entry.Value as string;
        }
        return configuration.AddInMemoryCollection(values);
    }
}
