using Confluent.Kafka;
using GigaOffice.Configuration;
using Microsoft.Extensions.Options;

namespace GigaOffice.Queue.Kafka;

public static class KafkaClientConfig
{
    /// <summary>Connection and security settings shared by the producer, the consumer and the admin client.</summary>
    public static ClientConfig From(KafkaOptions o)
    {
        var config = new ClientConfig
        {
            BootstrapServers = o.BootstrapServers,
            ClientId = o.ClientId,
            SecurityProtocol = Enum.Parse<SecurityProtocol>(o.SecurityProtocol.Replace("_", ""), ignoreCase: true),
        };
        if (config.SecurityProtocol is SecurityProtocol.Ssl or SecurityProtocol.SaslSsl)
        {
            config.SslCaLocation = NullIfEmpty(o.SslCaLocation);
            config.SslCertificateLocation = NullIfEmpty(o.SslCertificateLocation);
            config.SslKeyLocation = NullIfEmpty(o.SslKeyLocation);
            config.SslKeyPassword = NullIfEmpty(o.SslKeyPassword);
            config.SslEndpointIdentificationAlgorithm = o.SslVerifyHostname ? SslEndpointIdentificationAlgorithm.Https : SslEndpointIdentificationAlgorithm.None;
        }
        if (config.SecurityProtocol is SecurityProtocol.SaslPlaintext or SecurityProtocol.SaslSsl)
        {
            config.SaslMechanism = Enum.Parse<SaslMechanism>(o.SaslMechanism!.Replace("-", ""), ignoreCase: true);
            config.SaslUsername = o.SaslUsername;
            config.SaslPassword = o.SaslPassword;
        }
        return config;
    }

    /// <summary>
    /// Client error events. While a broker is away or refuses the handshake librdkafka raises one per
    /// reconnect attempt: the same kind of error is logged at warning once a minute, repeats at debug.
    /// </summary>
    public static Action<IClient, Error> ErrorLogger(ILogger logger, string client)
    {
        var lastCode = ErrorCode.NoError;
        var lastLogged = DateTime.MinValue;
        var sync = new Lock();
        return (_, error) =>
        {
            bool repeat;
            lock (sync)
            {
                repeat = error.Code == lastCode && DateTime.UtcNow - lastLogged < TimeSpan.FromMinutes(1);
                if (!repeat) (lastCode, lastLogged) = (error.Code, DateTime.UtcNow);
            }
            var level = error.IsFatal ? LogLevel.Error
                : repeat || error.Code is ErrorCode.Local_Transport or ErrorCode.Local_Resolve ? LogLevel.Debug
                : LogLevel.Warning;
            logger.Log(level, "Kafka {Client}: {Reason}", client, error.Reason);
        };
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    /// <summary>librdkafka's own log lines, at their level, in the service log.</summary>
    public static void Log(ILogger logger, LogMessage message)
    {
        // Every failed reconnect is logged (FAIL) and raised as an error event too: keep one of them.
        var level = message.Facility == "FAIL" ? LogLevel.Debug : message.Level switch
        {
            SyslogLevel.Emergency or SyslogLevel.Alert or SyslogLevel.Critical or SyslogLevel.Error => LogLevel.Error,
            SyslogLevel.Warning => LogLevel.Warning,
            SyslogLevel.Notice or SyslogLevel.Info => LogLevel.Information,
            _ => LogLevel.Debug,
        };
        logger.Log(level, "librdkafka {Facility}: {Message}", message.Facility, message.Message);
    }
}

/// <summary>
/// One producer per process (librdkafka producers are thread-safe and batch across callers). No
/// idempotence: consumers are idempotent by request id, and a plain producer never turns a
/// delivery timeout into a fatal error.
/// </summary>
public sealed class KafkaProducer : IDisposable
{
    private readonly IProducer<string, string> _producer;
    private readonly ILogger<KafkaProducer> _logger;

    public KafkaProducer(IOptions<KafkaOptions> options, ILogger<KafkaProducer> logger)
    {
        _logger = logger;
        var config = new ProducerConfig(KafkaClientConfig.From(options.Value))
        {
            Acks = Acks.All,
            EnableIdempotence = false,
            MessageTimeoutMs = options.Value.MessageTimeoutMs,
            LingerMs = 5,
        };
        _producer = new ProducerBuilder<string, string>(config)
            .SetLogHandler((_, m) => KafkaClientConfig.Log(logger, m))
            .SetErrorHandler(KafkaClientConfig.ErrorLogger(logger, "producer"))
            .Build();
    }

    public Task<DeliveryResult<string, string>> ProduceAsync(string topic, Message<string, string> message, CancellationToken cancellationToken) =>
        _producer.ProduceAsync(topic, message, cancellationToken);

    /// <summary>Produces until the broker acknowledges; false only when cancelled first.</summary>
    public async Task<bool> DeliverAsync(string topic, Message<string, string> message, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await _producer.ProduceAsync(topic, message, cancellationToken);
                return true;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return false;
            }
            catch (ProduceException<string, string> ex)
            {
                _logger.LogWarning("Could not deliver to {Topic} (attempt {Attempt}): {Reason}", topic, attempt, ex.Error.Reason);
                try { await Task.Delay(TimeSpan.FromSeconds(Math.Min(10, attempt)), cancellationToken); }
                catch (OperationCanceledException) { return false; }
            }
        }
    }

    public void Dispose()
    {
        // Give messages still in flight a moment to reach the broker before the producer goes.
        _producer.Flush(TimeSpan.FromSeconds(5));
        _producer.Dispose();
    }
}
