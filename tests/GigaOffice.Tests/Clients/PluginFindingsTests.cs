using System.Net;
using System.Net.Http.Json;

namespace GigaOffice.Tests.Clients;

/// <summary>What the plugin's browser tests found: the structured API's limits and a 413 the browser can read.</summary>
public sealed class PluginFindingsTests
{
    private static object Structured(string query) => new
    {
        query_text = query,
        data = new { header = new { values = new object[] { "Товар", "Сумма" } }, rows = new[] { new { values = new object[] { "A", 100 } } } },
    };

    [Fact]
    public async Task The_structured_process_endpoint_counts_against_the_keys_requests_per_minute()
    {
        await using var app = new TestApp().WithServiceDefaults().WithAuth();
        var (_, key) = await app.CreateKeyAsync("plugin", requestsPerMinute: 1);
        var client = app.ClientWithKey(key, bearer: true);

        Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsJsonAsync("/api/v1/ai/process", Structured("Посчитай сумму"))).StatusCode);
        var refused = await client.PostAsJsonAsync("/api/v1/ai/process", Structured("Посчитай среднее"));
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.True(refused.Headers.RetryAfter?.Delta > TimeSpan.Zero);
    }

    [Fact]
    public async Task A_too_large_body_from_an_allowed_origin_carries_the_cors_header()
    {
        const string origin = "https://office.example.com";
        await using var app = new TestApp(new() { ["Cors:AllowedOrigins"] = origin, ["Limits:MaxBodyBytes"] = "1024" }).WithServiceDefaults().WithAuth();
        var (_, key) = await app.CreateKeyAsync("plugin");
        var client = app.ClientWithKey(key, bearer: true);
        client.DefaultRequestHeaders.Add("Origin", origin);

        var response = await client.PostAsJsonAsync("/api/v1/ai/process", Structured(new string('x', 4000)));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal(origin, response.Headers.GetValues("Access-Control-Allow-Origin").Single());
    }
}
