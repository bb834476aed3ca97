using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using GigaOffice.GigaChat;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace GigaOffice.Tests.Metrics;

/// <summary>Meters are process-wide listeners: these tests run alone so the series are this host's.</summary>
[CollectionDefinition(nameof(MetricsCollection), DisableParallelization = true)]
public sealed class MetricsCollection;

[Collection(nameof(MetricsCollection))]
public sealed class MetricsTests
{
    /// <summary>The dry-run model, except that a query containing FAIL gets a final error from "GigaChat".</summary>
    private sealed class FailingOnDemandClient(DryRunGigaChatClient inner) : IGigaChatClient
    {
        public string Mode => inner.Mode;

        public Task<GigaChatCompletion> CompleteAsync(GigaChatRequest request, CancellationToken cancellationToken) =>
            request.Context.QueryText.Contains("FAIL")
                ? throw new GigaChatException("model_refused_test", "Тестовая ошибка модели.", transient: false)
                : inner.CompleteAsync(request, cancellationToken);
    }

    /// <summary>The first request finds the quota used up for a moment; later ones pass.</summary>
    private sealed class OnceBusyQuota : IGigaChatQuota
    {
        private int _calls;
        public ValueTask<QuotaSlot> AcquireAsync(CancellationToken cancellationToken) =>
            ValueTask.FromResult(new QuotaSlot(null, Interlocked.Increment(ref _calls) == 1 ? TimeSpan.FromMilliseconds(5) : TimeSpan.Zero));
        public ValueTask<TimeSpan?> TryAcquireAsync(CancellationToken cancellationToken) => ValueTask.FromResult<TimeSpan?>(null);
        public ValueTask ReturnAsync(QuotaSlot slot, CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }

    [Fact]
    public async Task Prometheus_endpoint_exposes_the_named_series_after_traffic()
    {
        await using var app = new TestApp(services: services =>
        {
            services.AddSingleton<DryRunGigaChatClient>();
            services.Replace(ServiceDescriptor.Singleton<IGigaChatClient, FailingOnDemandClient>());
            services.Replace(ServiceDescriptor.Singleton<IGigaChatQuota, OnceBusyQuota>());
        }).WithServiceDefaults();
        var client = app.CreateClient();
        var ok = await ApiCalls.AcceptedIdAsync(await ApiCalls.ProcessAsync(client));
        var failed = await ApiCalls.AcceptedIdAsync(await ApiCalls.ProcessAsync(client, "Проанализируй FAIL"));
        await ApiCalls.WaitFinishedAsync(client, ok);
        Assert.Equal("failed", (await ApiCalls.WaitFinishedAsync(client, failed)).GetProperty("status").GetString());

        // No key needed: a scraper has none (nginx keeps /metrics internal).
        var response = await app.CreateClient().GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();

        Assert.Matches(Series("gigaoffice_requests_total", "status=\"queued\"", "category=\"spreadsheet-analysis\"") + @" 2(\s|$)", text);
        Assert.Matches(Series("gigaoffice_requests_total", "status=\"completed\"", "category=\"spreadsheet-analysis\"") + @" 1(\s|$)", text);
        Assert.Matches(Series("gigaoffice_requests_total", "status=\"failed\"", "category=\"spreadsheet-analysis\"") + @" 1(\s|$)", text);
        Assert.Matches(Series("gigaoffice_queue_depth") + @" 0(\s|$)", text);
        Assert.Matches(Series("gigaoffice_request_processing_duration_seconds_bucket", "status=\"completed\"", "le=\"0.5\""), text);
        Assert.Matches(Series("gigaoffice_gigachat_duration_seconds_count", "category=\"spreadsheet-analysis\"") + @" 1(\s|$)", text);
        Assert.Matches(Series("gigaoffice_request_overhead_duration_seconds_count", "category=\"spreadsheet-analysis\"") + @" 1(\s|$)", text);
        // The own time's buckets are finer, with a boundary at the 1 ms target (docs/BENCHMARKS.md).
        Assert.Matches(Series("gigaoffice_request_overhead_duration_seconds_bucket", "category=\"spreadsheet-analysis\"", "le=\"0.001\""), text);
        Assert.Matches(Series("gigaoffice_request_overhead_duration_seconds_bucket", "category=\"spreadsheet-analysis\"", "le=\"0.00025\""), text);
        Assert.Matches(Series("gigaoffice_tokens_total", "kind=\"prompt\""), text);
        Assert.Matches(Series("gigaoffice_tokens_total", "kind=\"completion\""), text);
        Assert.Matches(Series("gigaoffice_quota_waits_total") + @" 1(\s|$)", text);
        Assert.Matches(Series("gigaoffice_quota_wait_duration_seconds_count") + @" 1(\s|$)", text);
        Assert.Matches(Series("gigaoffice_errors_total", "code=\"model_refused_test\"", "outcome=\"failed\"") + @" 1(\s|$)", text);
        // HTTP requests by route and status code, from ASP.NET Core's own meter.
        Assert.Matches(Series("http_server_request_duration_seconds_count", "http_response_status_code=\"202\"", "http_route=\"/api/ai/process\""), text);
        // The runtime's own: collections by generation and the time the process was paused for them.
        Assert.Matches(Series("dotnet_gc_collections_total", "gc_heap_generation=\"gen0\""), text);
        Assert.Matches(Series("dotnet_gc_pause_time_seconds_total"), text);
        var sqliteMemory = Regex.Match(text, @"^gigaoffice_sqlite_memory_bytes(\{[^}]*\})? (\d+)", RegexOptions.Multiline);
        Assert.True(sqliteMemory.Success, "gigaoffice_sqlite_memory_bytes is missing");
        Assert.InRange(long.Parse(sqliteMemory.Groups[2].Value), 100_000, 1L << 30); // schemas and page caches of the open connections
        // The write-ahead log at the last checkpoint (a static of the process: other tests' checkpoints count too).
        Assert.Matches(Series("gigaoffice_sqlite_log_pages") + @" \d+(\s|$)", text);

        // The JSON summary stays.
        var summary = await client.GetFromJsonAsync<JsonElement>("/api/metrics");
        Assert.Equal(2, summary.GetProperty("total_requests").GetInt32());
        Assert.Equal(1, summary.GetProperty("errors").GetProperty("model_refused_test").GetInt32());
    }

    [Fact]
    public async Task Refusals_by_a_client_limit_are_counted()
    {
        await using var app = new TestApp().WithServiceDefaults().WithAuth();
        var (_, key) = await app.CreateKeyAsync("tiny", requestsPerMinute: 1);
        var client = app.ClientWithKey(key);
        await ApiCalls.ProcessAsync(client);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await ApiCalls.ProcessAsync(client)).StatusCode);

        var text = await app.CreateClient().GetStringAsync("/metrics");
        Assert.Matches(Series("gigaoffice_client_rejections_total", "limit=\"requests_per_minute\"") + @" 1(\s|$)", text);
        // No key, prefix or client name ever becomes a label.
        Assert.DoesNotContain(key[..12], text);
        Assert.DoesNotContain("tiny", text);
    }

    /// <summary>A sample line of the series having all the given labels, in any order.</summary>
    private static string Series(string name, params string[] labels) =>
        $"(?m)^{Regex.Escape(name)}" + (labels.Length == 0 ? @"(\{[^}]*\})?" : @"\{" + string.Concat(labels.Select(l => $"(?=[^}}]*{Regex.Escape(l)})")) + @"[^}]*\}");
}
