using System.Diagnostics;
using System.Diagnostics.Metrics;
using GigaOffice.Data;
using GigaOffice.GigaChat;
using GigaOffice.Queue;

namespace GigaOffice.Metrics;

/// <summary>
/// The service's own instruments (exported at /metrics by OpenTelemetry's Prometheus exporter).
/// Tags are limited to bounded sets (status, category, error code): never request ids or keys.
/// </summary>
public sealed class GigaOfficeMetrics
{
    public const string MeterName = "GigaOffice";
    /// <summary>Spans around request processing, exported over OTLP when configured.</summary>
    public static readonly ActivitySource ActivitySource = new("GigaOffice");

    /// <summary>From a few milliseconds (the service's own work) to minutes (a slow model or a long quota wait).</summary>
    private static readonly InstrumentAdvice<double> Seconds = new()
    {
        HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300],
    };

    private readonly Counter<long> _requests;
    private readonly Histogram<double> _processing;
    private readonly Histogram<double> _gigaChat;
    /// <summary>Finer, around the target of 1 ms for the worker's own time (docs/benchmarks-history.md).</summary>
    private static readonly InstrumentAdvice<double> OwnTime = new()
    {
        HistogramBucketBoundaries = [0.0001, 0.00025, 0.0005, 0.00075, 0.001, 0.0015, 0.002, 0.003, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    };

    private readonly Histogram<double> _overhead;
    private readonly Counter<long> _tokens;
    private readonly Counter<long> _quotaWaits;
    private readonly Histogram<double> _quotaWait;
    private readonly Counter<long> _errors;
    private readonly Counter<long> _clientRejections;
    private readonly Counter<long> _abandonedCalls;
    private readonly Histogram<double> _memoryTrim;

    public GigaOfficeMetrics(IMeterFactory meters, IRequestQueue queue, Microsoft.Extensions.Options.IOptions<Configuration.DatabaseOptions> database)
    {
        var meter = meters.Create(MeterName);
        _requests = meter.CreateCounter<long>("gigaoffice.requests", "{request}",
            "Requests by status: queued when accepted, then completed or failed.");
        meter.CreateObservableGauge("gigaoffice.queue.depth", () => queue.ApproximateDepth, "{request}",
            "Requests waiting in this instance's queue.");
        // Page caches of the pooled connections, prepared statements, schemas: memory outside the GC heap.
        if (!database.Value.UsePostgres)
        {
            meter.CreateObservableGauge("gigaoffice.sqlite.memory", () => SQLitePCL.raw.sqlite3_memory_used(), "By",
                "Memory SQLite holds in this process (all connections).");
            // Started over every second or so; a number that keeps growing means readers keep the log in use.
            meter.CreateObservableGauge("gigaoffice.sqlite.log.pages", () => SqliteCheckpointer.LogFrames, "{page}",
                "Pages in SQLite's write-ahead log at its last checkpoint.");
        }
        _processing = meter.CreateHistogram("gigaoffice.request.processing.duration", "s",
            "From a worker taking the request to its stored result.", advice: Seconds);
        _gigaChat = meter.CreateHistogram("gigaoffice.gigachat.duration", "s", "Time spent waiting for GigaChat's answer.", advice: Seconds);
        _overhead = meter.CreateHistogram("gigaoffice.request.overhead.duration", "s",
            "The service's own share of processing, up to the stored result: total minus the wait for GigaChat.", advice: OwnTime);
        _tokens = meter.CreateCounter<long>("gigaoffice.tokens", "{token}", "GigaChat tokens used, by kind (prompt, completion; precached: the part of the prompt served from GigaChat's session cache).");
        _quotaWaits = meter.CreateCounter<long>("gigaoffice.quota.waits", "{wait}", "Times a request had to wait for the GigaChat quota.");
        _quotaWait = meter.CreateHistogram("gigaoffice.quota.wait.duration", "s", "How long requests waited for the GigaChat quota.", advice: Seconds);
        _errors = meter.CreateCounter<long>("gigaoffice.errors", "{error}",
            "Processing errors by code; outcome=retry for a transient error that will be retried, failed for a final one.");
        _clientRejections = meter.CreateCounter<long>("gigaoffice.client.rejections", "{request}",
            "Requests refused by a client key's limit (requests_per_minute, daily_token_budget).");
        // The call starts beside the claim; a claim lost to another worker cancels it (RequestProcessor).
        _abandonedCalls = meter.CreateCounter<long>("gigaoffice.gigachat.calls.abandoned", "{call}",
            "GigaChat calls cancelled because another worker claimed the same request first.");
        _memoryTrim = meter.CreateHistogram("gigaoffice.memory.trim.duration", "s",
            "How long handing free native memory back to the system took (NativeMemoryTrimmer).", advice: OwnTime);
    }

    public void RequestAccepted(string category) =>
        _requests.Add(1, new("status", "queued"), new("category", category));

    public void RequestFinished(string category, bool completed, double processingMs, double? gigaChatMs, TokenUsage usage, string? errorCode)
    {
        var status = new KeyValuePair<string, object?>("status", completed ? "completed" : "failed");
        var cat = new KeyValuePair<string, object?>("category", category);
        _requests.Add(1, status, cat);
        _processing.Record(processingMs / 1000, status, cat);
        if (gigaChatMs is { } g)
        {
            _gigaChat.Record(g / 1000, cat);
            _overhead.Record(Math.Max(0, processingMs - g) / 1000, cat);
        }
        if (usage.PromptTokens > 0) _tokens.Add(usage.PromptTokens, new("kind", "prompt"), cat);
        if (usage.CompletionTokens > 0) _tokens.Add(usage.CompletionTokens, new("kind", "completion"), cat);
        if (usage.PrecachedPromptTokens > 0) _tokens.Add(usage.PrecachedPromptTokens, new("kind", "precached"), cat);
        if (errorCode is not null) _errors.Add(1, new("code", errorCode), new("outcome", "failed"));
    }

    public void RetryScheduled(string errorCode) => _errors.Add(1, new("code", errorCode), new("outcome", "retry"));

    public void QuotaWaited(TimeSpan wait)
    {
        _quotaWaits.Add(1);
        _quotaWait.Record(wait.TotalSeconds);
    }

    public void CallAbandoned() => _abandonedCalls.Add(1);

    public void MemoryTrimmed(TimeSpan took) => _memoryTrim.Record(took.TotalSeconds);

    public void ClientRejected(string limit) => _clientRejections.Add(1, new KeyValuePair<string, object?>("limit", limit));
}
