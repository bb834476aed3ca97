using System.Net;
using System.Text.Json;

namespace GigaOffice.Tests.Requests;

/// <summary>The request lifecycle, run against every backend (see the subclasses below).</summary>
public abstract class LifecycleTests<TBackend>(BackendApp<TBackend> fixture) : IClassFixture<BackendApp<TBackend>>
    where TBackend : BackendFixture, new()
{
    private readonly HttpClient _client = fixture.Client;

    [Fact]
    public async Task Seed_example_is_accepted_as_written_and_completes_with_real_figures()
    {
        var accepted = await _client.PostJsonAsync("/api/ai/process", TestRequests.SeedExample, 202);
        Assert.Equal("queued", accepted.GetProperty("status").GetString());
        Assert.Equal("spreadsheet-analysis", accepted.GetProperty("category").GetString());
        var id = accepted.GetProperty("request_id").GetGuid();

        var status = await _client.WaitFinishedAsync(id);
        Assert.Equal("completed", status.GetProperty("status").GetString());
        Assert.NotEqual(JsonValueKind.Null, status.GetProperty("started_at").ValueKind);
        Assert.NotEqual(JsonValueKind.Null, status.GetProperty("completed_at").ValueKind);
        Assert.EndsWith("Z", status.GetProperty("created_at").GetString());

        var result = await _client.GetJsonAsync($"/api/ai/result/{id}");
        var answer = result.GetProperty("result");
        // The input sits in A1:D10, so the answer goes right of it after one empty column.
        Assert.Equal("F1:L3", answer.GetProperty("output_range").GetString());
        var table = answer.GetProperty("table");
        Assert.Equal(3, table.GetArrayLength());
        var rowA = table[1];
        Assert.Equal("Товар A", rowA[0].GetString());
        Assert.Equal(330, rowA[1].GetDouble());   // 100 + 120 + 110
        Assert.Equal(110, rowA[2].GetDouble());   // average
        Assert.Equal("рост", rowA[5].GetString()); // slope +5 per month
        Assert.Equal(10, rowA[6].GetDouble());    // 100 -> 110
        var rowB = table[2];
        Assert.Equal(265, rowB[1].GetDouble());
        Assert.Equal(88.33, rowB[2].GetDouble());
        Assert.Equal(18.75, rowB[6].GetDouble());
        Assert.Contains("330", answer.GetProperty("text").GetString());
        Assert.True(result.GetProperty("tokens").GetProperty("total").GetInt32() > 0);
        Assert.True(result.GetProperty("processing_time_ms").GetDouble() > 0);
        Assert.Equal(1, result.GetProperty("prompt_version").GetInt32());
    }

    [Fact]
    public async Task Request_without_category_is_classified_by_keywords()
    {
        var accepted = await _client.PostJsonAsync("/api/ai/process", new
        {
            query_text = "Построй круговую диаграмму по продажам",
            input_range = "A1:B4",
            input_data = new object[][] { ["Отдел", "Продажи"], ["Север", 10], ["Юг", 20], ["Запад", 5] },
        }, 202);
        Assert.Equal("data-chart", accepted.GetProperty("category").GetString());
        Assert.True(accepted.GetProperty("category_classified").GetBoolean());
        var id = accepted.GetProperty("request_id").GetGuid();
        await _client.WaitFinishedAsync(id);
        var chart = (await _client.GetJsonAsync($"/api/ai/result/{id}")).GetProperty("result").GetProperty("chart");
        Assert.Equal("pie", chart.GetProperty("type").GetString());
        Assert.Equal("A1:B4", chart.GetProperty("data_range").GetString());
    }

    [Fact]
    public async Task Unknown_ids_answer_404_and_malformed_ids_400_as_problem_json()
    {
        foreach (var kind in new[] { "status", "result" })
        {
            var missing = await _client.GetAsync($"/api/ai/{kind}/{Guid.NewGuid()}");
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
            Assert.Equal("application/problem+json", missing.Content.Headers.ContentType?.MediaType);

            var malformed = await _client.GetAsync($"/api/ai/{kind}/not-a-uuid");
            Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
            Assert.Equal("application/problem+json", malformed.Content.Headers.ContentType?.MediaType);
            Assert.Contains("request_id", await malformed.Content.ReadAsStringAsync());
        }
    }

    [Fact]
    public async Task Metrics_count_completed_requests_by_category_with_timings_and_tokens()
    {
        var id = await _client.SubmitAsync(TestRequests.SeedExample);
        await _client.WaitFinishedAsync(id);
        var metrics = await _client.GetJsonAsync("/api/metrics?period=1h");
        Assert.True(metrics.GetProperty("total_requests").GetInt32() >= 1);
        Assert.True(metrics.GetProperty("by_status").GetProperty("completed").GetInt32() >= 1);
        Assert.True(metrics.GetProperty("by_category").GetProperty("spreadsheet-analysis").GetProperty("completed").GetInt32() >= 1);
        Assert.True(metrics.GetProperty("tokens").GetProperty("total").GetInt64() > 0);
        var time = metrics.GetProperty("processing_time_ms");
        Assert.True(time.GetProperty("count").GetInt32() >= 1);
        Assert.True(time.GetProperty("p95").GetDouble() >= time.GetProperty("p50").GetDouble());

        // Explicit bounds, with and without a zone: PostgreSQL takes only UTC times.
        var from = DateTime.UtcNow.AddHours(-1);
        foreach (var bounds in new[] { $"from={from:yyyy-MM-ddTHH:mm:ss}Z&to={DateTime.UtcNow.AddMinutes(1):yyyy-MM-ddTHH:mm:ss}Z", $"from={from:yyyy-MM-ddTHH:mm:ss}" })
            Assert.True((await _client.GetJsonAsync($"/api/metrics?{bounds}")).GetProperty("by_status").GetProperty("completed").GetInt32() >= 1);

        var bad = await _client.GetAsync("/api/metrics?period=century");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("period", await bad.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Health_reports_each_component()
    {
        var health = await _client.GetJsonAsync("/api/health");
        Assert.Equal("healthy", health.GetProperty("status").GetString());
        var components = health.GetProperty("components");
        Assert.Equal(fixture.Backend.DatabaseProvider, components.GetProperty("database").GetProperty("data").GetProperty("provider").GetString());
        Assert.Equal(fixture.Backend.QueueKind, components.GetProperty("queue").GetProperty("description").GetString());
        Assert.Equal("dryrun", components.GetProperty("gigachat").GetProperty("data").GetProperty("mode").GetString());
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync("/health/live")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync("/health/ready")).StatusCode);
    }

    [Fact]
    public async Task OpenApi_document_swagger_ui_and_redoc_are_served()
    {
        var document = await _client.GetJsonAsync("/openapi/v1.json");
        var paths = document.GetProperty("paths");
        foreach (var path in new[] { "/api/health", "/api/ai/process", "/api/ai/status/{request_id}", "/api/ai/result/{request_id}",
                     "/api/prompts/categories", "/api/prompts/presets", "/api/prompts/classify", "/api/metrics" })
            Assert.True(paths.TryGetProperty(path, out _), $"OpenAPI lacks {path}");
        var schemas = document.GetProperty("components").GetProperty("schemas");
        Assert.True(schemas.GetProperty("RequestResultResponse").TryGetProperty("example", out _));

        var docs = await _client.GetAsync("/docs/index.html");
        Assert.Equal(HttpStatusCode.OK, docs.StatusCode);
        Assert.Contains("swagger", await docs.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
        var redoc = await _client.GetAsync("/redoc/index.html");
        Assert.Equal(HttpStatusCode.OK, redoc.StatusCode);
        Assert.Contains("redoc", await redoc.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
    }
}

public sealed class LifecycleOnSqliteTests(BackendApp<EmbeddedBackend> fixture) : LifecycleTests<EmbeddedBackend>(fixture);

public sealed class LifecycleOnPostgresKafkaTests(BackendApp<PostgresKafkaBackend> fixture) : LifecycleTests<PostgresKafkaBackend>(fixture);

public sealed class SlowModelTests : IAsyncLifetime
{
    private readonly TestApp _app = new(settings: new Dictionary<string, string?> { ["GigaChat:DryRunDelayMs"] = "1500" });
    private HttpClient _client = null!;

    public Task InitializeAsync()
    {
        _client = _app.CreateClient();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Result_asked_for_before_completion_says_it_is_not_ready()
    {
        var id = await _client.SubmitAsync(TestRequests.SeedExample);
        var early = await _client.GetAsync($"/api/ai/result/{id}");
        Assert.Equal(HttpStatusCode.Conflict, early.StatusCode);
        Assert.Equal("application/problem+json", early.Content.Headers.ContentType?.MediaType);
        Assert.NotNull(early.Headers.RetryAfter);
        var problem = await early.ReadAsync(409);
        Assert.Contains(problem.GetProperty("detail").GetString(), new[]
        {
            "Запрос ждёт в очереди. Повторите через секунду.", "Запрос обрабатывается. Повторите через секунду.",
        });

        var status = await _client.GetJsonAsync($"/api/ai/status/{id}");
        Assert.Contains(status.GetProperty("status").GetString(), new[] { "queued", "processing" });
        await _client.WaitFinishedAsync(id);
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync($"/api/ai/result/{id}")).StatusCode);
    }
}
