using Microsoft.Extensions.Options;

namespace GigaOffice.Configuration;

/// <summary>Start-up checks whose messages name the environment variable an admin must fix.</summary>
public sealed class GigaChatOptionsValidation : IValidateOptions<GigaChatOptions>
{
    public ValidateOptionsResult Validate(string? name, GigaChatOptions o)
    {
        var errors = new List<string>();
        var mode = o.RunMode.Trim().ToLowerInvariant();
        if (mode is not ("dryrun" or "cloud" or "mtls"))
            errors.Add($"GIGACHAT_RUN_MODE=\"{o.RunMode}\" is not one of dryrun, cloud, mtls.");
        if (o.MaxRequestsPerMinute < 1)
            errors.Add("GIGACHAT_MAX_REQUESTS_PER_MINUTE must be at least 1.");
        if (o.MaxTokensPerRequest < 256)
            errors.Add("GIGACHAT_MAX_TOKENS_PER_REQUEST must be at least 256.");
        if (o.TimeoutSeconds is <= 0 or > 600)
            errors.Add("GIGACHAT_TIMEOUT must be between 1 and 600 seconds.");
        if (mode is "cloud" or "mtls" && !Uri.TryCreate(o.BaseUrl, UriKind.Absolute, out _))
            errors.Add($"GIGACHAT_BASE_URL=\"{o.BaseUrl}\" is not an absolute URL.");
        if (mode == "cloud" && string.IsNullOrWhiteSpace(o.Credentials))
            errors.Add("GIGACHAT_CREDENTIALS is required when GIGACHAT_RUN_MODE=cloud (the authorization key from the GigaChat studio).");
        if (mode == "cloud" && !Uri.TryCreate(o.AuthUrl, UriKind.Absolute, out _))
            errors.Add($"GIGACHAT_AUTH_URL=\"{o.AuthUrl}\" is not an absolute URL.");
        if (mode == "cloud" && o.Scope is not ("GIGACHAT_API_PERS" or "GIGACHAT_API_B2B" or "GIGACHAT_API_CORP"))
            errors.Add($"GIGACHAT_SCOPE=\"{o.Scope}\" is not one of GIGACHAT_API_PERS, GIGACHAT_API_B2B, GIGACHAT_API_CORP.");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

public sealed class WorkerOptionsValidation : IValidateOptions<WorkerOptions>
{
    public ValidateOptionsResult Validate(string? name, WorkerOptions o)
    {
        var errors = new List<string>();
        if (o.Concurrency is < 1 or > 256) errors.Add("WORKER_CONCURRENCY must be between 1 and 256.");
        if (o.LeaseSeconds < 10) errors.Add("WORKER_LEASE_SECONDS must be at least 10.");
        if (o.Role is not ("all" or "api" or "worker")) errors.Add($"SERVICE_ROLE=\"{o.Role}\" is not one of all, api, worker.");
        if (o.MaxAttempts < 1) errors.Add("Worker:MaxAttempts must be at least 1.");
        if (o.InstanceTimeoutSeconds is < 2 or > 3600) errors.Add("WORKER_INSTANCE_TIMEOUT_SECONDS must be between 2 and 3600.");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

public sealed class AnswerOptionsValidation : IValidateOptions<AdminOptions>, IValidateOptions<ResultCacheOptions>, IValidateOptions<ClassifierOptions>
{
    public ValidateOptionsResult Validate(string? name, AdminOptions o) =>
        o.Enabled && (o.ApiKey!.Trim().Length < AdminOptions.MinimumKeyLength || o.ApiKey.Trim().Distinct().Count() < AdminOptions.MinimumDistinctCharacters)
            ? ValidateOptionsResult.Fail($"GIGAOFFICE_ADMIN_KEY is too weak: it must be at least {AdminOptions.MinimumKeyLength} characters with at least {AdminOptions.MinimumDistinctCharacters} different ones (generate one, e.g. `openssl rand -hex 32`).")
            : ValidateOptionsResult.Success;

    public ValidateOptionsResult Validate(string? name, ResultCacheOptions o) =>
        o.TtlSeconds < 0
            ? ValidateOptionsResult.Fail("RESULT_CACHE_TTL_SECONDS must be 0 (caching off) or a positive number of seconds.")
            : ValidateOptionsResult.Success;

    public ValidateOptionsResult Validate(string? name, ClassifierOptions o) =>
        o.TimeoutSeconds is < 1 or > 120
            ? ValidateOptionsResult.Fail("CLASSIFIER_TIMEOUT_SECONDS must be between 1 and 120 seconds.")
            : o.ConfidenceThreshold is < 0 or > 1 || double.IsNaN(o.ConfidenceThreshold)
                ? ValidateOptionsResult.Fail("CLASSIFIER_CONFIDENCE_THRESHOLD must be between 0 (never ask GigaChat to classify) and 1 (always ask).")
                : ValidateOptionsResult.Success;
}

public sealed class OperationsOptionsValidation :
    IValidateOptions<AuthOptions>, IValidateOptions<CorsOptions>,
    IValidateOptions<RetentionOptions>, IValidateOptions<TelemetryOptions>, IValidateOptions<MemoryOptions>
{
    public ValidateOptionsResult Validate(string? name, MemoryOptions o) =>
        o.TrimIntervalSeconds is >= 0 and <= 3600
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"MEMORY_TRIM_INTERVAL_SECONDS={o.TrimIntervalSeconds} must be 0 (never) or between 1 and 3600 seconds.");

    public ValidateOptionsResult Validate(string? name, AuthOptions o) =>
        o.Mode.Trim().ToLowerInvariant() is not ("auto" or "required" or "off")
            ? ValidateOptionsResult.Fail($"AUTH_MODE=\"{o.Mode}\" is not one of auto, required, off.")
            : o.KeyCacheSeconds is < 0 or > 300
                ? ValidateOptionsResult.Fail($"CLIENT_KEY_CACHE_SECONDS={o.KeyCacheSeconds} must be between 0 (read the key on every request) and 300 seconds.")
                : ValidateOptionsResult.Success;

    public ValidateOptionsResult Validate(string? name, CorsOptions o)
    {
        var errors = new List<string>();
        foreach (var origin in o.Origins)
        {
            if (origin == "*")
                errors.Add("CORS_ALLOWED_ORIGINS must list origins (such as https://office.example.com); \"*\" is not accepted.");
            else if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.PathAndQuery != "/")
                errors.Add($"CORS_ALLOWED_ORIGINS: \"{origin}\" is not an origin like https://office.example.com (scheme, host and optional port, no path).");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    public ValidateOptionsResult Validate(string? name, RetentionOptions o)
    {
        var errors = new List<string>();
        if (o.Days < 0) errors.Add("RETENTION_DAYS must be 0 (keep forever) or a number of days.");
        if (o.IntervalMinutes < 1) errors.Add("Retention:IntervalMinutes must be at least 1.");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    public ValidateOptionsResult Validate(string? name, TelemetryOptions o)
    {
        var errors = new List<string>();
        if (!string.IsNullOrWhiteSpace(o.OtlpEndpoint) && !Uri.TryCreate(o.OtlpEndpoint, UriKind.Absolute, out _))
            errors.Add($"OTEL_EXPORTER_OTLP_ENDPOINT=\"{o.OtlpEndpoint}\" is not an absolute URL such as http://collector:4317.");
        if (!string.IsNullOrWhiteSpace(o.OtlpProtocol) && o.OtlpProtocol.Trim() is not ("grpc" or "http/protobuf"))
            errors.Add($"OTEL_EXPORTER_OTLP_PROTOCOL=\"{o.OtlpProtocol}\" is not one of grpc, http/protobuf.");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
