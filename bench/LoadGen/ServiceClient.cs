using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace LoadGen;

public sealed class Options
{
    public string Url { get; set; } = "http://127.0.0.1:8000";
    public int Connections { get; set; } = 64;
    public double Duration { get; set; } = 20;
    public double Warmup { get; set; } = 3;
    public double Rate { get; set; } = 500;
    public int Requests { get; set; } = 1000;
    public double FinishTimeout { get; set; } = 600;
    public double PollAfter { get; set; }
    public string? ApiKey { get; set; }

    /// <summary>
    /// The README's example: a three-row table, category named by the client. "{n}" is replaced by
    /// a number unique to each request, so that the service's result cache never answers for the model.
    /// </summary>
    public string Body { get; set; } = """
        {"query_text":"Проанализируй данные продаж и найди тренды (запрос {n})","input_range":"A1:D10","category":"analysis",
         "input_data":[["Товар","Январь","Февраль","Март"],["Товар A",100,120,110],["Товар B",80,90,95]]}
        """;
}

/// <summary>What one POST or GET came to: a status code, or the name of the exception.</summary>
public readonly record struct Outcome(int Status, string? Error, string? Text)
{
    public bool Accepted => Status == 202;
    public string Kind => Error ?? Status.ToString();
}

public sealed record RequestState(string Status, DateTime? StartedAt, DateTime? CompletedAt, string? ErrorCode);

/// <summary>A thin HTTP client for the two calls the scenarios need, on one shared connection pool.</summary>
public sealed class ServiceClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly byte[] _bodyHead;
    private readonly byte[] _bodyTail;
    private readonly Uri _process;
    private long _sequence = DateTime.UtcNow.Ticks;

    public ServiceClient(Options options)
    {
        _http = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = options.Connections,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            UseProxy = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = TimeSpan.FromSeconds(5),
        })
        { BaseAddress = new Uri(options.Url), Timeout = TimeSpan.FromSeconds(30) };
        if (options.ApiKey is not null) _http.DefaultRequestHeaders.Add("X-API-Key", options.ApiKey);
        var marker = options.Body.IndexOf("{n}", StringComparison.Ordinal);
        _bodyHead = Encoding.UTF8.GetBytes(marker < 0 ? options.Body : options.Body[..marker]);
        _bodyTail = marker < 0 ? [] : Encoding.UTF8.GetBytes(options.Body[(marker + 3)..]);
        _process = new Uri(_http.BaseAddress, "/api/ai/process");
    }

    public async Task<Outcome> SubmitAsync(bool readBody, CancellationToken ct = default)
    {
        try
        {
            using var content = new ByteArrayContent(NextBody());
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var response = await _http.PostAsync(_process, content, ct);
            // Read the body even when not needed: the response is complete only then.
            var text = await response.Content.ReadAsStringAsync(ct);
            return new Outcome((int)response.StatusCode, null, readBody ? text : null);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
        {
            return new Outcome(0, Describe(ex), null);
        }
    }

    private byte[] NextBody()
    {
        if (_bodyTail.Length == 0) return _bodyHead;
        Span<byte> digits = stackalloc byte[20];
        Interlocked.Increment(ref _sequence).TryFormat(digits, out var length, default, System.Globalization.CultureInfo.InvariantCulture);
        return [.. _bodyHead, .. digits[..length], .. _bodyTail];
    }

    public static Guid? RequestId(Outcome outcome) =>
        outcome.Accepted && outcome.Text is not null
            ? JsonDocument.Parse(outcome.Text).RootElement.GetProperty("request_id").GetGuid()
            : null;

    /// <summary>One status poll, as a client sends it: its answer read to the end and dropped.</summary>
    public async Task<Outcome> PollAsync(Guid id, CancellationToken ct = default)
    {
        try
        {
            using var response = await _http.GetAsync($"/api/ai/status/{id}", ct);
            await response.Content.CopyToAsync(Stream.Null, ct);
            return new Outcome((int)response.StatusCode, null, null);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
        {
            return new Outcome(0, Describe(ex), null);
        }
    }

    /// <summary>The request's state; null when the service cannot be reached; Status "missing" on 404.</summary>
    public async Task<RequestState?> StatusAsync(Guid id, CancellationToken ct = default)
    {
        try
        {
            using var response = await _http.GetAsync($"/api/ai/status/{id}", ct);
            if (response.StatusCode == HttpStatusCode.NotFound) return new RequestState("missing", null, null, null);
            if (!response.IsSuccessStatusCode) return null;
            var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct)).RootElement;
            return new RequestState(
                json.GetProperty("status").GetString()!,
                json.GetProperty("started_at").ValueKind == JsonValueKind.Null ? null : json.GetProperty("started_at").GetDateTime(),
                json.GetProperty("completed_at").ValueKind == JsonValueKind.Null ? null : json.GetProperty("completed_at").GetDateTime(),
                json.GetProperty("error") is { ValueKind: JsonValueKind.Object } error ? error.GetProperty("code").GetString() : null);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
        {
            return null;
        }
    }

    private static string Describe(Exception ex)
    {
        for (var inner = ex; inner is not null; inner = inner.InnerException)
            if (inner is System.Net.Sockets.SocketException socket) return "socket:" + socket.SocketErrorCode;
        return ex is TaskCanceledException ? "timeout" : ex.GetType().Name;
    }

    public void Dispose() => _http.Dispose();
}

/// <summary>Latencies in milliseconds, summarised as percentiles.</summary>
public sealed class Latencies
{
    private readonly List<double> _values = [];
    private readonly Lock _lock = new();

    public void Add(double ms)
    {
        lock (_lock) _values.Add(ms);
    }

    public void AddRange(IEnumerable<double> values)
    {
        lock (_lock) _values.AddRange(values);
    }

    public int Count => _values.Count;

    public (double P50, double P90, double P99, double P999, double Max) Summary()
    {
        if (_values.Count == 0) return (double.NaN, double.NaN, double.NaN, double.NaN, double.NaN);
        var sorted = _values.Order().ToArray();
        double P(double q) => sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)];
        return (P(0.50), P(0.90), P(0.99), P(0.999), sorted[^1]);
    }

    public static double Since(long timestamp) => Stopwatch.GetElapsedTime(timestamp).TotalMilliseconds;
}
