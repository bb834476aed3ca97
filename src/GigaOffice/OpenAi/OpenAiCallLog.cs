using System.Diagnostics.Metrics;
using System.Threading.Channels;
using GigaOffice.Clients;
using GigaOffice.Data;
using GigaOffice.GigaChat;
using GigaOffice.Metrics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace GigaOffice.OpenAi;

/// <summary>One call of the OpenAI-compatible API: who, which model, tokens, time and outcome.</summary>
public sealed class OpenAiCall
{
    public Guid Id { get; set; }
    public Guid? ClientKeyId { get; set; }
    public string Model { get; set; } = "";
    public bool Stream { get; set; }
    public int StatusCode { get; set; }
    public string? ErrorCode { get; set; }
    public int PromptTokens { get; set; }
    public int CompletionTokens { get; set; }
    public int TotalTokens { get; set; }
    public DateTime CreatedAt { get; set; }
    public double DurationMs { get; set; }
    /// <summary>The request's messages, only with OPENAI_LOG_CONTENT=true.</summary>
    public string? RequestJson { get; set; }
    /// <summary>The answer's text, only with OPENAI_LOG_CONTENT=true.</summary>
    public string? ResponseText { get; set; }
}

public sealed record OpenAiUsageSummary(int Calls, Dictionary<string, int> ByStatus, Dictionary<string, int> ByModel, TokenTotals Tokens);

/// <summary>
/// Counts each call in the meter Prometheus exports at once and stores it in the background, so an
/// answer never waits for the database; until its record is written, the call's tokens count against
/// the key's budget from memory (<see cref="UnrecordedTokens"/>). Tags stay bounded: status class,
/// stream, and the model only as GigaChat named it in an answer.
/// </summary>
public sealed partial class OpenAiCallLog : BackgroundService
{
    private const int MaxBatch = 500;
    // Records arriving meanwhile share one write: a transaction per call would queue the next call's
    // quota grant behind it on SQLite's single writer.
    private static readonly TimeSpan Gather = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    private readonly IServiceScopeFactory _scopes;
    private readonly UnrecordedTokens _unrecorded;
    private readonly ILogger<OpenAiCallLog> _logger;
    // Bounded: a database down for long must not grow the process without end; what does not fit is counted and logged.
    private readonly Channel<OpenAiCall> _unwritten = Channel.CreateBounded<OpenAiCall>(
        new BoundedChannelOptions(10_000) { SingleReader = true, FullMode = BoundedChannelFullMode.DropWrite });
    private readonly Counter<long> _calls;
    private readonly Counter<long> _tokens;
    private readonly Counter<long> _lost;
    private readonly Histogram<double> _duration;
    private readonly Histogram<double> _firstChunk;

    public OpenAiCallLog(IServiceScopeFactory scopes, UnrecordedTokens unrecorded, IMeterFactory meters, IOptions<OpenAiOptions> options, ILogger<OpenAiCallLog> logger)
    {
        _scopes = scopes;
        _unrecorded = unrecorded;
        _logger = logger;
        LogContent = options.Value.LogContent;
        var meter = meters.Create(GigaOfficeMetrics.MeterName);
        _calls = meter.CreateCounter<long>("gigaoffice.openai.calls", "{call}", "Calls of the OpenAI-compatible API by HTTP status and stream.");
        _tokens = meter.CreateCounter<long>("gigaoffice.openai.tokens", "{token}", "GigaChat tokens used through the OpenAI-compatible API, by kind.");
        _lost = meter.CreateCounter<long>("gigaoffice.openai.records_lost", "{call}", "Call records that could not be stored (the database was unavailable too long).");
        _duration = meter.CreateHistogram<double>("gigaoffice.openai.duration", "s", "Duration of OpenAI-compatible calls, quota wait included.");
        _firstChunk = meter.CreateHistogram<double>("gigaoffice.openai.stream.first_chunk", "s", "From a streamed call's arrival to its first chunk sent.");
    }

    public bool LogContent { get; }

    public void FirstChunk(TimeSpan after) => _firstChunk.Record(after.TotalSeconds);

    /// <summary>Counts the call and queues its record; <paramref name="reservedTokens"/> (see <see cref="BudgetHold"/>) gives way to its real tokens.</summary>
    public void Record(OpenAiCall call, long reservedTokens)
    {
        var status = new KeyValuePair<string, object?>("status", call.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var stream = new KeyValuePair<string, object?>("stream", call.Stream);
        _calls.Add(1, status, stream);
        _duration.Record(call.DurationMs / 1000, status, stream);
        if (call.PromptTokens > 0) _tokens.Add(call.PromptTokens, new KeyValuePair<string, object?>("kind", "prompt"));
        if (call.CompletionTokens > 0) _tokens.Add(call.CompletionTokens, new KeyValuePair<string, object?>("kind", "completion"));
        if (!LogContent) (call.RequestJson, call.ResponseText) = (null, null);
        if (call.ClientKeyId is { } key) _unrecorded.Add(key, call.TotalTokens - reservedTokens);
        if (_unwritten.Writer.TryWrite(call)) return;
        Forget(call);
        LogNotQueued(call.StatusCode, call.TotalTokens);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<OpenAiCall>(MaxBatch);
        // Runs until the writer is completed at stop and every queued record is written.
        while (await _unwritten.Reader.WaitToReadAsync(CancellationToken.None))
        {
            if (!stoppingToken.IsCancellationRequested)
                try { await Task.Delay(Gather, stoppingToken); } catch (OperationCanceledException) { }
            while (batch.Count < MaxBatch && _unwritten.Reader.TryRead(out var call)) batch.Add(call);
            await WriteAsync(batch, stoppingToken);
            batch.Clear();
        }
    }

    public override Task StopAsync(CancellationToken cancellationToken)
    {
        // The web server stops first (it was started last), so no call is recorded after this.
        _unwritten.Writer.TryComplete();
        return base.StopAsync(cancellationToken);
    }

    private async Task WriteAsync(List<OpenAiCall> batch, CancellationToken stoppingToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var scope = _scopes.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<GigaOfficeDbContext>();
                db.OpenAiCalls.AddRange(batch);
                await db.SaveChangesAsync(CancellationToken.None);
                foreach (var call in batch)
                    if (call.ClientKeyId is { } key) _unrecorded.Add(key, -call.TotalTokens);
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // A database outage: keep the records and try again, until the service stops.
                if (stoppingToken.IsCancellationRequested)
                {
                    foreach (var call in batch) Forget(call);
                    LogLost(batch.Count, ex.GetType().Name);
                    return;
                }
                if (attempt == 1) LogRetrying(batch.Count, ex.GetType().Name);
                try { await Task.Delay(RetryDelay, stoppingToken); } catch (OperationCanceledException) { }
            }
        }
    }

    private void Forget(OpenAiCall call)
    {
        _lost.Add(1);
        if (call.ClientKeyId is { } key) _unrecorded.Add(key, -call.TotalTokens);
    }

    [LoggerMessage(LogLevel.Warning, "Could not queue the record of an OpenAI-compatible call ({Status}, {Tokens} tokens): too many records wait for the database")]
    private partial void LogNotQueued(int status, int tokens);

    [LoggerMessage(LogLevel.Warning, "Could not store {Count} OpenAI-compatible call records ({Error}); retrying every second")]
    private partial void LogRetrying(int count, string error);

    [LoggerMessage(LogLevel.Error, "Lost {Count} OpenAI-compatible call records at stop: the database was unavailable ({Error})")]
    private partial void LogLost(int count, string error);

    /// <summary>The period's calls for /api/metrics: a client sees its own, an open service everyone's.</summary>
    public static async Task<OpenAiUsageSummary> SummaryAsync(GigaOfficeDbContext db, HttpContext http, DateTime? start, DateTime end, CancellationToken ct)
    {
        var calls = db.OpenAiCalls.AsNoTracking().Where(c => c.CreatedAt <= end);
        if (start is { } s) calls = calls.Where(c => c.CreatedAt >= s);
        if (http.GetClient() is { } client) calls = calls.Where(c => c.ClientKeyId == client.Id);
        var groups = await calls.GroupBy(c => new { c.StatusCode, c.Model })
            .Select(g => new { g.Key.StatusCode, g.Key.Model, Count = g.Count(), Prompt = g.Sum(c => (long)c.PromptTokens), Completion = g.Sum(c => (long)c.CompletionTokens) })
            .ToListAsync(ct);
        return new OpenAiUsageSummary(groups.Sum(g => g.Count),
            groups.GroupBy(g => g.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToDictionary(g => g.Key, g => g.Sum(x => x.Count)),
            groups.GroupBy(g => g.Model).ToDictionary(g => g.Key, g => g.Sum(x => x.Count)),
            new TokenTotals(groups.Sum(g => g.Prompt), groups.Sum(g => g.Completion), groups.Sum(g => g.Prompt + g.Completion)));
    }
}
