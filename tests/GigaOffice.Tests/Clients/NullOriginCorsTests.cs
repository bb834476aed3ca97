using System.Net;

namespace GigaOffice.Tests.Clients;

/// <summary>Desktop editors run plugins from local files: their requests carry Origin: null (issue 34).</summary>
public sealed class NullOriginCorsTests
{
    private static HttpRequestMessage Preflight(string path, string method = "POST", string origin = "null") => new(HttpMethod.Options, path)
    {
        Headers =
        {
            { "Origin", origin },
            { "Access-Control-Request-Method", method },
            { "Access-Control-Request-Headers", "authorization,content-type" },
        },
    };

    private static TestApp App(bool allowNull) => new TestApp(new()
    {
        ["Cors:AllowedOrigins"] = "https://office.example.com",
        ["Cors:AllowNullOrigin"] = allowNull ? "true" : "false",
    }).WithServiceDefaults().WithAuth();

    [Theory]
    [InlineData("/api/ai/process")]
    [InlineData("/api/v1/ai/process")]
    [InlineData("/api/prompts/categories")]
    [InlineData("/v1/chat/completions")]
    public async Task With_the_setting_the_client_api_answers_a_null_origin_without_credentials(string path)
    {
        await using var app = App(allowNull: true);
        var response = await app.CreateClient().SendAsync(Preflight(path));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal("null", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Contains("authorization", string.Join(",", response.Headers.GetValues("Access-Control-Allow-Headers")).ToLowerInvariant());
        Assert.False(response.Headers.Contains("Access-Control-Allow-Credentials"));
    }

    [Fact]
    public async Task With_the_setting_a_file_origin_is_answered_too_and_other_origins_are_not()
    {
        await using var app = App(allowNull: true);
        var file = await app.CreateClient().SendAsync(Preflight("/api/v1/ai/process", origin: "file://"));
        Assert.Equal("file://", file.Headers.GetValues("Access-Control-Allow-Origin").Single());
        var other = await app.CreateClient().SendAsync(Preflight("/api/v1/ai/process", origin: "https://evil.example.com"));
        Assert.False(other.Headers.Contains("Access-Control-Allow-Origin"));
        var admin = await app.CreateClient().SendAsync(Preflight("/api/admin/keys", origin: "file://"));
        Assert.False(admin.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task With_the_setting_the_actual_request_from_a_null_origin_is_answered()
    {
        await using var app = App(allowNull: true);
        var (_, key) = await app.CreateKeyAsync("desktop");
        var client = app.ClientWithKey(key, bearer: true);
        client.DefaultRequestHeaders.Add("Origin", "null");

        var response = await ApiCalls.ProcessAsync(client);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("null", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Contains("Retry-After", string.Join(",", response.Headers.GetValues("Access-Control-Expose-Headers")));
        Assert.False(response.Headers.Contains("Access-Control-Allow-Credentials"));

        // The listed origin still works next to null.
        var listed = app.CreateClient();
        var preflight = Preflight("/api/ai/process");
        preflight.Headers.Remove("Origin");
        preflight.Headers.Add("Origin", "https://office.example.com");
        Assert.Equal("https://office.example.com", (await listed.SendAsync(preflight)).Headers.GetValues("Access-Control-Allow-Origin").Single());
    }

    [Theory]
    [InlineData(true, "/api/admin/keys")]
    [InlineData(true, "/api/admin/prompts")]
    [InlineData(true, "/admin")]
    [InlineData(true, "/api/metrics")]
    [InlineData(false, "/api/admin/keys")]
    [InlineData(false, "/api/ai/process")]
    [InlineData(false, "/v1/chat/completions")]
    public async Task A_null_origin_is_refused_off_the_client_api_or_without_the_setting(bool allowNull, string path)
    {
        await using var app = App(allowNull);
        var response = await app.CreateClient().SendAsync(Preflight(path));
        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
        Assert.False(response.Headers.Contains("Access-Control-Allow-Headers"));

        var request = new HttpRequestMessage(HttpMethod.Get, path) { Headers = { { "Origin", "null" } } };
        request.Headers.Add("X-Admin-Key", TestApp.AdminKey);
        var actual = await app.CreateClient().SendAsync(request);
        Assert.False(actual.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Theory]
    [InlineData("off")]
    [InlineData("auto")]
    public async Task The_setting_without_required_keys_stops_the_start_with_a_clear_message(string authMode)
    {
        await using var app = new TestApp(new() { ["Auth:Mode"] = authMode, ["Cors:AllowNullOrigin"] = "true" }).WithServiceDefaults();
        var error = await Assert.ThrowsAnyAsync<Exception>(() => Task.FromResult(app.CreateClient()));
        Assert.Contains("CORS_ALLOW_NULL_ORIGIN", error.ToString());
        Assert.Contains("AUTH_MODE=required", error.ToString());
    }
}
