using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace GigaOffice.Tests.Upstream;

/// <summary>Probes, prompts, classification, feedback, metrics and robots.txt in upstream's shapes.</summary>
public sealed class UpstreamServiceTests : IDisposable
{
    private readonly TestApp _app = new();
    public void Dispose() => _app.Dispose();

    [Fact]
    public async Task Ping_health_and_robots()
    {
        var client = _app.CreateClient();
        var ping = await client.GetJsonAsync("/api/v1/ping");
        Assert.Equal("pong", ping.GetProperty("status").GetString());
        Assert.False(string.IsNullOrEmpty(ping.GetProperty("version").GetString()));
        Assert.True(ping.GetProperty("timestamp").TryGetDateTime(out _));

        var health = await client.GetJsonAsync("/api/v1/health");
        Assert.Equal("ok", health.GetProperty("status").GetString());
        Assert.True(health.GetProperty("timestamp").TryGetDateTime(out _));
        Assert.True(health.GetProperty("uptime").GetDouble() >= 0);
        Assert.True(health.GetProperty("database").GetBoolean());
        Assert.True(health.GetProperty("gigachat").GetBoolean()); // dry-run needs no network
        Assert.True(health.GetProperty("kafka").GetBoolean());    // the in-process queue stands in for it
        Assert.Equal(0, health.GetProperty("active_requests").GetInt32());
        Assert.Equal(0, health.GetProperty("queue_size").GetInt64());
        Assert.InRange(health.GetProperty("memory_usage").GetDouble(), 0.0001, 100);
        Assert.InRange(health.GetProperty("cpu_usage").GetDouble(), 0, 100);

        var robots = await client.GetAsync("/robots.txt");
        Assert.Equal(HttpStatusCode.OK, robots.StatusCode);
        Assert.Equal("text/plain", robots.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith("User-agent: *\nDisallow: /", (await robots.Content.ReadAsStringAsync()).ReplaceLineEndings("\n"));
        Assert.Equal(86400, (int)robots.Headers.CacheControl!.MaxAge!.Value.TotalSeconds);
    }

    [Fact]
    public async Task Categories_by_numeric_id_and_presets_by_id_or_name()
    {
        var client = _app.CreateClient();
        var list = await client.GetJsonAsync("/api/v1/prompts/categories");
        Assert.Equal("success", list.GetProperty("status").GetString());
        var categories = list.GetProperty("categories").EnumerateArray().ToList();
        var chart = categories.Single(c => c.GetProperty("name").GetString() == "data-chart");
        var id = chart.GetProperty("id").GetInt32();
        Assert.True(chart.GetProperty("is_active").GetBoolean());
        Assert.True(chart.GetProperty("prompt_count").GetInt32() > 0);

        var details = await client.GetJsonAsync($"/api/v1/prompts/categories/{id}");
        Assert.Equal("data-chart", details.GetProperty("category").GetProperty("name").GetString());
        var prompts = details.GetProperty("prompts").EnumerateArray().ToList();
        Assert.Equal(chart.GetProperty("prompt_count").GetInt32(), prompts.Count);
        Assert.All(prompts, p => Assert.Equal(id, p.GetProperty("category_id").GetInt32()));
        Assert.All(prompts, p => Assert.False(string.IsNullOrWhiteSpace(p.GetProperty("template").GetString())));

        Assert.Equal("Category not found", (await client.GetJsonAsync("/api/v1/prompts/categories/999999", 404)).GetProperty("detail").GetString());
        var notInt = await UpstreamClient.DetailAsync(await client.GetAsync("/api/v1/prompts/categories/abc"));
        Assert.Equal("path.category_id", UpstreamClient.Loc(Assert.Single(notInt)));

        var byId = await client.GetJsonAsync($"/api/v1/prompts/presets?category={id}");
        var byName = await client.GetJsonAsync("/api/v1/prompts/presets?category=data-chart");
        var ids = byId.GetProperty("prompts").EnumerateArray().Select(p => p.GetProperty("id").GetInt32()).ToList();
        Assert.Equal(prompts.Count, ids.Count);
        Assert.Equal(ids, byName.GetProperty("prompts").EnumerateArray().Select(p => p.GetProperty("id").GetInt32()).ToList());
        Assert.All(byName.GetProperty("prompts").EnumerateArray(), p => Assert.Equal("data-chart", p.GetProperty("category_name").GetString()));
        var all = await client.GetJsonAsync("/api/v1/prompts/presets");
        Assert.True(all.GetProperty("prompts").GetArrayLength() > ids.Count);
        Assert.Equal(0, (await client.GetJsonAsync("/api/v1/prompts/presets?category=no-such")).GetProperty("prompts").GetArrayLength());
    }

    [Fact]
    public async Task Classify_answers_category_confidence_text_and_table_parts()
    {
        var client = _app.CreateClient();
        var result = await client.PostJsonAsync("/api/v1/prompts/classify", new { prompt_text = "Построй диаграмму продаж по месяцам" }, 200);
        Assert.True(result.GetProperty("success").GetBoolean());
        Assert.Equal("Построй диаграмму продаж по месяцам", result.GetProperty("query_text").GetString());
        Assert.Equal("data-chart", result.GetProperty("category").GetString());
        Assert.InRange(result.GetProperty("confidence").GetDouble(), 0.01, 1);
        Assert.Equal(JsonValueKind.String, result.GetProperty("text_content").ValueKind);
        var parts = result.GetProperty("required_table_info");
        foreach (var name in new[] { "needs_column_headers", "needs_header_styles", "needs_cell_values", "needs_cell_styles", "needs_column_metadata" })
            Assert.Contains(parts.GetProperty(name).ValueKind, new[] { JsonValueKind.True, JsonValueKind.False });

        var empty = await UpstreamClient.DetailAsync(await client.PostBodyAsync("/api/v1/prompts/classify", new { prompt_text = "" }));
        Assert.Equal("string_too_short", Assert.Single(empty).GetProperty("type").GetString());
    }

    [Fact]
    public async Task Feedback_with_a_boolean_rating_counts_in_the_metrics()
    {
        var client = _app.CreateClient();
        var id = await client.ProcessAsync("spreadsheets", UpstreamClient.ReadmeSpreadsheet("Посчитай итоги", "spreadsheet-analysis"));
        await client.WaitAsync("spreadsheets", id);

        var feedback = await client.PostJsonAsync("/api/v1/feedback", new { ai_request_id = id, text_response = "Итоги посчитаны", rating = true, comment = "Точно" }, 200);
        Assert.True(feedback.GetProperty("id").GetInt32() > 0);
        Assert.Equal(id, feedback.GetProperty("ai_request_id").GetString());
        Assert.Equal("Итоги посчитаны", feedback.GetProperty("text_response").GetString());
        Assert.True(feedback.GetProperty("rating").GetBoolean());
        Assert.Equal("Точно", feedback.GetProperty("comment").GetString());
        var own = await client.GetJsonAsync("/api/metrics?period=1h");
        var ratings = own.GetProperty("feedback").EnumerateArray().Single(f => f.GetProperty("category").GetString() == "spreadsheet-analysis");
        Assert.Equal(1, ratings.GetProperty("ratings").GetProperty("5").GetInt32());

        var unknown = await client.PostJsonAsync("/api/v1/feedback", new { ai_request_id = Guid.NewGuid(), text_response = "x", rating = false }, 404);
        Assert.Equal("AI request not found", unknown.GetProperty("detail").GetString());
        var missing = await UpstreamClient.DetailAsync(await client.PostBodyAsync("/api/v1/feedback", new { ai_request_id = id }));
        Assert.Equal("body.text_response", UpstreamClient.Loc(Assert.Single(missing)));

        var metrics = await client.GetJsonAsync("/api/v1/metrics?period=hour");
        Assert.Equal("hour", metrics.GetProperty("period").GetString());
        Assert.Equal(1, metrics.GetProperty("total_requests").GetInt32());
        Assert.Equal(1, metrics.GetProperty("successful_requests").GetInt32());
        Assert.Equal(0, metrics.GetProperty("failed_requests").GetInt32());
        Assert.True(metrics.GetProperty("total_tokens_used").GetInt64() > 0);
        Assert.True(metrics.GetProperty("avg_processing_time").GetDouble() >= 0);
        Assert.Equal("day", (await client.GetJsonAsync("/api/v1/metrics")).GetProperty("period").GetString());
        var period = await UpstreamClient.DetailAsync(await client.GetAsync("/api/v1/metrics?period=year"));
        Assert.Equal("query.period", UpstreamClient.Loc(Assert.Single(period)));
    }

    [Fact]
    public async Task Unknown_fields_are_refused_on_the_services_own_endpoints_too()
    {
        var client = _app.CreateClient();
        await client.PostJsonAsync("/api/ai/process", TestRequests.SeedExample, 202);

        var seed = JsonSerializer.SerializeToNode(TestRequests.SeedExample)!.AsObject();
        seed["input_dta"] = "typo";
        var response = await client.PostAsJsonAsync("/api/ai/process", seed);
        var problem = await response.ReadAsync(400);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("input_dta", problem.GetProperty("errors").GetProperty("input_dta")[0].GetString());

        var nested = await client.PostJsonAsync("/api/v1/ai/process", new
        {
            query_text = "Оформи",
            data = new { header = new { values = new[] { "A" } }, rows = new[] { new { values = new object[] { 1 } } } },
            styles = new[] { new { id = "h", colour = "#FFFFFF" } },
        }, 400);
        Assert.True(nested.GetProperty("errors").TryGetProperty("styles[0].colour", out _), nested.ToString());
    }
}
