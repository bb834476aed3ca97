using System.Net;

namespace GigaOffice.Tests.Clients;

public sealed class CorsTests
{
    private const string DocumentServer = "https://office.example.com";

    private static HttpRequestMessage Preflight(string origin) => new(HttpMethod.Options, "/api/ai/process")
    {
        Headers =
        {
            { "Origin", origin },
            { "Access-Control-Request-Method", "POST" },
            { "Access-Control-Request-Headers", "x-api-key,content-type" },
        },
    };

    [Fact]
    public async Task Preflight_from_the_configured_origin_is_allowed_without_a_key()
    {
        await using var app = new TestApp(new() { ["Cors:AllowedOrigins"] = $"{DocumentServer}, https://other.example.com:8443" }).WithServiceDefaults().WithAuth();
        var response = await app.CreateClient().SendAsync(Preflight(DocumentServer));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(DocumentServer, response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        var allowedHeaders = string.Join(",", response.Headers.GetValues("Access-Control-Allow-Headers")).ToLowerInvariant();
        Assert.Contains("x-api-key", allowedHeaders);
        Assert.Contains("content-type", allowedHeaders);
        Assert.Contains("POST", string.Join(",", response.Headers.GetValues("Access-Control-Allow-Methods")));

        // The real request from that origin gets the header too, and the client may read Retry-After.
        var (_, key) = await app.CreateKeyAsync("plugin");
        var client = app.ClientWithKey(key);
        client.DefaultRequestHeaders.Add("Origin", DocumentServer);
        var actual = await ApiCalls.ProcessAsync(client);
        Assert.Equal(DocumentServer, actual.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Contains("Retry-After", string.Join(",", actual.Headers.GetValues("Access-Control-Expose-Headers")));
    }

    [Fact]
    public async Task Preflight_from_another_origin_gets_no_permission()
    {
        await using var app = new TestApp(new() { ["Cors:AllowedOrigins"] = DocumentServer }).WithServiceDefaults().WithAuth();
        var response = await app.CreateClient().SendAsync(Preflight("https://evil.example.com"));

        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
        Assert.False(response.Headers.Contains("Access-Control-Allow-Headers"));
    }

    [Fact]
    public async Task Without_configuration_no_origin_is_allowed()
    {
        await using var app = new TestApp().WithServiceDefaults();
        var response = await app.CreateClient().SendAsync(Preflight(DocumentServer));
        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Theory]
    [InlineData("*")]
    [InlineData("office.example.com")]
    [InlineData("https://office.example.com/path")]
    public async Task A_wildcard_or_malformed_origin_stops_the_start_naming_the_variable(string origins)
    {
        await using var app = new TestApp(new() { ["Cors:AllowedOrigins"] = origins }).WithServiceDefaults();
        var error = await Assert.ThrowsAnyAsync<Exception>(() => Task.FromResult(app.CreateClient()));
        Assert.Contains("CORS_ALLOWED_ORIGINS", error.ToString());
    }
}
