using System.Net;

namespace GigaOffice.Tests.Upstream;

/// <summary>The same client keys, per-key limits and isolation on the upstream paths as on the service's own.</summary>
public sealed class UpstreamAccessTests
{
    [Fact]
    public async Task Keys_are_required_except_for_probes_and_robots()
    {
        await using var app = new TestApp().WithServiceDefaults().WithAuth();
        var anonymous = app.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostBodyAsync("/api/v1/spreadsheets/process", UpstreamClient.ReadmeSpreadsheet("Итоги", null))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostBodyAsync("/api/v1/charts/process", UpstreamClient.Chart())).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostBodyAsync("/api/v1/histograms/process", UpstreamClient.Histogram)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostBodyAsync("/api/v1/prompts/classify", new { prompt_text = "Итоги" })).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/v1/prompts/categories")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/v1/metrics")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync($"/api/v1/spreadsheets/status/{Guid.NewGuid()}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/api/v1/ping")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/api/v1/health")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/robots.txt")).StatusCode);
    }

    [Fact]
    public async Task A_key_sees_only_its_own_requests()
    {
        await using var app = new TestApp().WithServiceDefaults().WithAuth();
        var (_, mine) = await app.CreateKeyAsync("mine");
        var (_, theirs) = await app.CreateKeyAsync("theirs");
        var owner = app.ClientWithKey(mine);
        var id = await owner.ProcessAsync("charts", UpstreamClient.Chart());
        await owner.WaitAsync("charts", id);

        var other = app.ClientWithKey(theirs);
        foreach (var url in new[] { $"/api/v1/charts/result/{id}", $"/api/v1/spreadsheets/status/{id}", $"/api/v1/histograms/result/{id}" })
            await other.GetJsonAsync(url, 404);
        await other.PostJsonAsync("/api/v1/feedback", new { ai_request_id = id, text_response = "x", rating = true }, 404);
        Assert.Equal(0, (await other.GetJsonAsync("/api/v1/metrics?period=hour")).GetProperty("total_requests").GetInt32());
        Assert.Equal(1, (await owner.GetJsonAsync("/api/v1/metrics?period=hour")).GetProperty("total_requests").GetInt32());
    }

    [Fact]
    public async Task Spending_endpoints_carry_the_per_key_limit_and_polls_do_not()
    {
        await using var app = new TestApp().WithServiceDefaults().WithAuth();
        var (_, key) = await app.CreateKeyAsync("limited", requestsPerMinute: 2);
        var client = app.ClientWithKey(key);
        var id = await client.ProcessAsync("charts", UpstreamClient.Chart());
        await client.PostJsonAsync("/api/v1/prompts/classify", new { prompt_text = "Построй диаграмму" }, 200);

        var refused = await client.PostBodyAsync("/api/v1/histograms/process", UpstreamClient.Histogram);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.True(refused.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await client.PostBodyAsync("/api/v1/spreadsheets/process", UpstreamClient.ReadmeSpreadsheet("Итоги", null))).StatusCode);
        await client.WaitAsync("charts", id);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/api/v1/charts/result/{id}")).StatusCode);
    }
}
