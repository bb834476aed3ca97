using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using GigaOffice.GigaChat;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace GigaOffice.Tests.Answers;

/// <summary>The service in dry-run mode over its own temporary SQLite file.</summary>
public sealed class AnswersApp : WebApplicationFactory<Program>
{
    public const string AdminKey = "test-admin-key-Q7v2Lx9pRk4Wm8Zt3Yb6Nc1Hd5Jf0Gs";
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "gigaoffice-answers-" + Guid.NewGuid().ToString("N"));
    private readonly Dictionary<string, string?> _settings;

    public AnswersApp(Dictionary<string, string?>? settings = null)
    {
        Directory.CreateDirectory(_directory);
        _settings = new Dictionary<string, string?>
        {
            ["Database:SqlitePath"] = Path.Combine(_directory, "gigaoffice.db"),
            ["Logging:File"] = "false",
            ["Logging:Level"] = "warning",
            ["Admin:ApiKey"] = AdminKey,
        };
        foreach (var (key, value) in settings ?? []) _settings[key] = value;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in _settings) builder.UseSetting(key, value);
    }

    public HttpClient Admin()
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Add("X-Admin-Key", AdminKey);
        return client;
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (!disposing) return;
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

public static class ApiCalls
{
    public static JsonSerializerOptions Json => GigaOfficeJson.Options;

    /// <summary>Submits, then polls the result until it is finished.</summary>
    public static async Task<JsonObject> RunAsync(this HttpClient client, string path, object body, string resultPrefix = "/api/ai")
    {
        var accepted = await client.PostAsJsonAsync(path, body, Json);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var id = (await accepted.Content.ReadFromJsonAsync<JsonObject>())!["request_id"]!.GetValue<string>();
        return await client.ResultAsync(id, resultPrefix);
    }

    public static async Task<JsonObject> ResultAsync(this HttpClient client, string id, string prefix = "/api/ai")
    {
        for (var i = 0; i < 400; i++)
        {
            var response = await client.GetAsync($"{prefix}/result/{id}");
            if (response.StatusCode == HttpStatusCode.OK) return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
            Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
            await Task.Delay(50);
        }
        throw new TimeoutException($"request {id} did not finish");
    }
}
