using System.ComponentModel.DataAnnotations;

namespace GigaOffice.Configuration;

public sealed class ServerOptions
{
    public const string Section = "Server";
    public string Host { get; set; } = "localhost";
    [Range(1, 65535, ErrorMessage = "PORT must be between 1 and 65535.")] public int Port { get; set; } = 8000;
}

public enum GigaChatRunMode { DryRun, Cloud, Mtls }

public sealed class GigaChatOptions
{
    public const string Section = "GigaChat";
    public string RunMode { get; set; } = "dryrun";
    public string? Credentials { get; set; }
    public string BaseUrl { get; set; } = "https://gigachat.devices.sberbank.ru/api/v1";
    public string AuthUrl { get; set; } = "https://ngw.devices.sberbank.ru:9443/api/v2/oauth";
    public string Model { get; set; } = "GigaChat";
    public string Scope { get; set; } = "GIGACHAT_API_PERS";
    public string? CaBundleFile { get; set; }
    public bool VerifySslCerts { get; set; } = true;
    public double TimeoutSeconds { get; set; } = 30;
    public string? MtlsCaBundleFile { get; set; }
    public string? MtlsCertFile { get; set; }
    public string? MtlsKeyFile { get; set; }
    public string? MtlsKeyFilePassword { get; set; }
    public int MaxRequestsPerMinute { get; set; } = 20;
    public int MaxTokensPerRequest { get; set; } = 8192;
    /// <summary>
    /// Structured answers through GigaChat function calling (cloud/mtls). Off for models or scopes
    /// without functions: the answer is then read from the model's text.
    /// </summary>
    public bool UseFunctions { get; set; } = true;
    /// <summary>
    /// Text answers are asked for as a stream (cloud/mtls), and the text so far goes out in the
    /// request's processing events (GET /api/ai/events/{id}) while the model writes it.
    /// </summary>
    public bool StreamProgress { get; set; }
    /// <summary>Artificial latency of the dry-run model, to try queueing behaviour locally.</summary>
    public int DryRunDelayMs { get; set; }

    // Tuning of the cloud/mtls modes. Not seed variables: defaults suit the real service, tests shorten them.
    /// <summary>Retries of one call on 429/5xx/transport errors/timeouts, with exponential backoff and jitter.</summary>
    public int MaxRetries { get; set; } = 2;
    public int RetryBaseDelayMs { get; set; } = 1000;
    /// <summary>A Retry-After longer than this is not waited out in the worker: the request goes back to the queue.</summary>
    public int MaxRetryDelaySeconds { get; set; } = 30;
    /// <summary>The circuit opens when this share of calls failed within the sampling period...</summary>
    public double BreakerFailureRatio { get; set; } = 0.5;
    /// <summary>...and at least this many calls were made in it.</summary>
    public int BreakerMinimumThroughput { get; set; } = 10;
    public int BreakerSamplingSeconds { get; set; } = 30;
    /// <summary>How long calls fail fast once the circuit opened.</summary>
    public int BreakerBreakSeconds { get; set; } = 30;
    /// <summary>Length of the quota window of <see cref="MaxRequestsPerMinute"/> (60; tests use a few seconds).</summary>
    public int QuotaWindowSeconds { get; set; } = 60;
    /// <summary>Added to the window: covers the time from a grant to the call reaching GigaChat, and clock skew.</summary>
    public int QuotaSafetyMarginMs { get; set; } = 1000;
    /// <summary>How long a GigaChat health probe result is reused.</summary>
    public int HealthCacheSeconds { get; set; } = 120;

    public GigaChatRunMode Mode => RunMode.Trim().ToLowerInvariant() switch
    {
        "cloud" => GigaChatRunMode.Cloud,
        "mtls" => GigaChatRunMode.Mtls,
        _ => GigaChatRunMode.DryRun,
    };
}

public sealed class DatabaseOptions
{
    public const string Section = "Database";
    /// <summary>Set: PostgreSQL is used. Unset: the embedded SQLite file.</summary>
    public string? Host { get; set; }
    public int Port { get; set; } = 5432;
    public string Name { get; set; } = "gigaoffice";
    public string User { get; set; } = "gigaoffice";
    public string? Password { get; set; }
    public string SqlitePath { get; set; } = "data/gigaoffice.db";
    /// <summary>Full connection string; wins over the parts above when set.</summary>
    public string? ConnectionString { get; set; }
    /// <summary>Apply migrations at start. Admins who migrate by hand (<c>GigaOffice migrate</c>) turn it off.</summary>
    public bool MigrateOnStart { get; set; } = true;

    public bool UsePostgres => !string.IsNullOrWhiteSpace(Host) || (ConnectionString?.Contains("Host=", StringComparison.OrdinalIgnoreCase) ?? false);
}

public sealed class WorkerOptions
{
    public const string Section = "Worker";
    /// <summary>How many requests one instance processes at once.</summary>
    public int Concurrency { get; set; } = 4;
    /// <summary>How long a claimed request belongs to a worker before another may take it over.</summary>
    public int LeaseSeconds { get; set; } = 300;
    /// <summary>How often queued and abandoned requests are looked for, in seconds.</summary>
    public int RecoveryIntervalSeconds { get; set; } = 15;
    /// <summary>
    /// With the in-process queue: an instance whose heartbeat is older than this counts as dead, and
    /// the others take up its unfinished requests. It beats four times within it.
    /// </summary>
    public int InstanceTimeoutSeconds { get; set; } = 20;
    /// <summary>Attempts before a request with transient failures is failed for good.</summary>
    public int MaxAttempts { get; set; } = 5;
    /// <summary>"all" (default), "api" or "worker".</summary>
    public string Role { get; set; } = "all";

    public bool RunsApi => Role is "all" or "api";
    public bool RunsWorker => Role is "all" or "worker";
}

/// <summary>Sizes of what a client may send. Documented in the README.</summary>
public sealed class RequestLimitsOptions
{
    public const string Section = "Limits";
    public int MaxQueryLength { get; set; } = 4000;
    public int MaxRows { get; set; } = 1000;
    public int MaxColumns { get; set; } = 100;
    public int MaxCells { get; set; } = 20_000;
    public int MaxCellLength { get; set; } = 1000;
    public long MaxBodyBytes { get; set; } = 2 * 1024 * 1024;
}

/// <summary>The admin API key (<c>GIGAOFFICE_ADMIN_KEY</c>). Unset: the admin API is off.</summary>
public sealed class AdminOptions
{
    public const string Section = "Admin";
    public const int MinimumKeyLength = 32;
    /// <summary>Different characters a key needs: "aaaa…" or a repeated word is not random.</summary>
    public const int MinimumDistinctCharacters = 12;
    public string? ApiKey { get; set; }
    public bool Enabled => !string.IsNullOrWhiteSpace(ApiKey);
}

/// <summary>How long a completed answer is reused for an identical request (<c>RESULT_CACHE_TTL_SECONDS</c>; 0 turns caching off).</summary>
public sealed class ResultCacheOptions
{
    public const string Section = "ResultCache";
    public int TtlSeconds { get; set; } = 3600;
    public bool Enabled => TtlSeconds > 0;
}

/// <summary>Classification by GigaChat (cloud and mTLS modes).</summary>
public sealed class ClassifierOptions
{
    public const string Section = "Classifier";
    /// <summary>How long <c>/api/ai/process</c> waits for the model's classification before using the offline classifier's.</summary>
    public double TimeoutSeconds { get; set; } = 15;
    /// <summary>
    /// From this calibrated confidence of the offline classifier on, GigaChat is not asked to classify
    /// (<c>CLASSIFIER_CONFIDENCE_THRESHOLD</c>): 0 never asks it, 1 always does (docs/answers.md has the measured trade-off).
    /// </summary>
    public double ConfidenceThreshold { get; set; } = 0.8;
}

/// <summary>Client authentication (<c>AUTH_MODE</c>): auto, required or off.</summary>
public sealed class AuthOptions
{
    public const string Section = "Auth";
    /// <summary>auto: keys are required unless the service listens on loopback addresses only.</summary>
    public string Mode { get; set; } = "auto";
    /// <summary>How long a key found by its secret is reused before it is read again (<c>CLIENT_KEY_CACHE_SECONDS</c>; 0: read every time).</summary>
    public int KeyCacheSeconds { get; set; } = 5;
}

/// <summary>Browser origins allowed to call the API (<c>CORS_ALLOWED_ORIGINS</c>, comma-separated).</summary>
public sealed class CorsOptions
{
    public const string Section = "Cors";
    public string? AllowedOrigins { get; set; }
    /// <summary>Answer <c>Origin: null</c> (desktop editors' local plugins) on the client API only (<c>CORS_ALLOW_NULL_ORIGIN</c>).</summary>
    public bool AllowNullOrigin { get; set; }

    public string[] Origins => (AllowedOrigins ?? "")
        .Split([',', ';', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .Select(o => o.TrimEnd('/')).ToArray();
}

/// <summary>How long requests, results and log files are kept (<c>RETENTION_DAYS</c>; 0 keeps them forever).</summary>
public sealed class RetentionOptions
{
    public const string Section = "Retention";
    public int Days { get; set; } = 90;
    public int IntervalMinutes { get; set; } = 60;
}

/// <summary>How often free native memory goes back to the system (<c>MEMORY_TRIM_INTERVAL_SECONDS</c>; 0 = never).</summary>
public sealed class MemoryOptions
{
    public const string Section = "Memory";
    public int TrimIntervalSeconds { get; set; } = 60;
}

/// <summary>OpenTelemetry trace export; off unless an OTLP endpoint is set.</summary>
public sealed class TelemetryOptions
{
    public const string Section = "Telemetry";
    public string? OtlpEndpoint { get; set; }
    /// <summary>grpc (default) or http/protobuf.</summary>
    public string? OtlpProtocol { get; set; }
}
