using System.Diagnostics.Metrics;
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
/// Stores each call (its tokens count against the key's daily budget, see <see cref="ClientKeyStore"/>)
/// and counts it in the meter Prometheus exports. Tags stay bounded: status class, stream, and
/// the model only as GigaChat named it in an answer.
/// </summary>
public sealed class OpenAiCallLog
{
    private readonly IServiceScopeFactory _scopes;
    private readonly ILogger<OpenAiCallLog> _logger;
    private readonly Counter<long> _calls;
    private readonly Counter<long> _tokens;
    private readonly Histogram<double> _duration;
    private readonly Histogram<double> _firstChunk;

    public OpenAiCallLog(IServiceScopeFactory scopes, IMeterFactory meters, IOptions<OpenAiOptions> options, ILogger<OpenAiCallLog> logger)
    {
        _scopes = scopes;
        _logger = logger;
        LogContent = options.Value.LogContent;
        var meter = meters.Create(GigaOfficeMetrics.MeterName);
        _calls = meter.CreateCounter<long>("gigaoffice.openai.calls", "{call}", "Calls of the OpenAI-compatible API by HTTP status and stream.");
        _tokens = meter.CreateCounter<long>("gigaoffice.openai.tokens", "{token}", "GigaChat tokens used through the OpenAI-compatible API, by kind.");
        _duration = meter.CreateHistogram<double>("gigaoffice.openai.duration", "s", "Duration of OpenAI-compatible calls, quota wait included.");
        _firstChunk = meter.CreateHistogram<double>("gigaoffice.openai.stream.first_chunk", "s", "From a streamed call's arrival to its first chunk sent.");
    }

    public bool LogContent { get; }

    public void FirstChunk(TimeSpan after) => _firstChunk.Record(after.TotalSeconds);

    public async Task RecordAsync(OpenAiCall call)
    {
        var status = new KeyValuePair<string, object?>("status", call.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var stream = new KeyValuePair<string, object?>("stream", call.Stream);
        _calls.Add(1, status, stream);
        _duration.Record(call.DurationMs / 1000, status, stream);
        if (call.PromptTokens > 0) _tokens.Add(call.PromptTokens, new KeyValuePair<string, object?>("kind", "prompt"));
        if (call.CompletionTokens > 0) _tokens.Add(call.CompletionTokens, new KeyValuePair<string, object?>("kind", "completion"));
        if (!LogContent) (call.RequestJson, call.ResponseText) = (null, null);
        try
        {
            await using var scope = _scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<GigaOfficeDbContext>();
            db.OpenAiCalls.Add(call);
            await db.SaveChangesAsync(CancellationToken.None);
        }
        catch (Exception ex)
        {
            // The answer already went out; a lost record is logged, not turned into an error for the client.
            _logger.LogWarning("Could not record an OpenAI-compatible call ({Status}, {Tokens} tokens): {Error}", call.StatusCode, call.TotalTokens, ex.GetType().Name);
        }
    }

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
