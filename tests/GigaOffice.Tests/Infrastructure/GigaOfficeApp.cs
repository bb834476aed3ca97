using System.Net.Http.Json;
using System.Text.Json;
using GigaOffice.GigaChat;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace GigaOffice.Tests.Infrastructure;

/// <summary>
/// The whole service in-process over a SQLite file of its own. Settings are passed as
/// configuration keys, exactly as an admin's environment would set them.
/// </summary>
public sealed class GigaOfficeApp : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> _settings;

    public GigaOfficeApp(string? databasePath = null, IDictionary<string, string?>? settings = null)
    {
        DatabasePath = databasePath ?? TempPaths.NewDatabase();
        _settings = new Dictionary<string, string?>
        {
            ["Database:SqlitePath"] = DatabasePath,
            ["Logging:File"] = "false",
            // TEST_LOG_LEVEL=debug shows the services' logs when a test needs explaining.
            ["Logging:Level"] = Environment.GetEnvironmentVariable("TEST_LOG_LEVEL") ?? "warning",
            ["Worker:RecoveryIntervalSeconds"] = "1",
            // Tests submit the same request repeatedly and expect it processed each time; the cache has its own tests.
            ["ResultCache:TtlSeconds"] = "0",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>()) _settings[key] = value;
    }

    public string DatabasePath { get; }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in _settings) builder.UseSetting(key, value);
    }

    public static readonly JsonSerializerOptions Json = GigaOfficeJson.Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));
}

public static class TempPaths
{
    private static readonly string Root = Path.Combine(Path.GetTempPath(), "gigaoffice-tests", Environment.ProcessId.ToString());

    public static string NewDatabase() => Path.Combine(NewDirectory(), "gigaoffice.db");

    public static string NewDirectory()
    {
        var path = Path.Combine(Root, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return path;
    }
}

public static class ApiClientExtensions
{
    public static readonly object SeedExample = new
    {
        query_text = "Проанализируй данные продаж и найди тренды",
        input_range = "A1:D10",
        category = "analysis",
        input_data = new object[][]
        {
            ["Товар", "Январь", "Февраль", "Март"],
            ["Товар A", 100, 120, 110],
            ["Товар B", 80, 90, 95],
        },
    };

    public static async Task<JsonElement> PostJsonAsync(this HttpClient client, string url, object body, int expectedStatus)
    {
        var response = await client.PostAsJsonAsync(url, body);
        return await response.ReadAsync(expectedStatus);
    }

    public static async Task<JsonElement> GetJsonAsync(this HttpClient client, string url, int expectedStatus = 200)
    {
        var response = await client.GetAsync(url);
        return await response.ReadAsync(expectedStatus);
    }

    public static async Task<JsonElement> ReadAsync(this HttpResponseMessage response, int expectedStatus)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == expectedStatus, $"Expected {expectedStatus}, got {(int)response.StatusCode}: {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    public static async Task<Guid> SubmitAsync(this HttpClient client, object body)
    {
        var accepted = await client.PostJsonAsync("/api/ai/process", body, 202);
        return accepted.GetProperty("request_id").GetGuid();
    }

    /// <summary>Polls the status until the request is finished; fails loudly if it never is.</summary>
    public static async Task<JsonElement> WaitFinishedAsync(this HttpClient client, Guid id, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var status = await client.GetJsonAsync($"/api/ai/status/{id}");
            var state = status.GetProperty("status").GetString();
            if (state is "completed" or "failed") return status;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Request {id} still {state}");
            await Task.Delay(50);
        }
    }

    public static async Task<JsonElement> ProcessToResultAsync(this HttpClient client, object body)
    {
        var id = await client.SubmitAsync(body);
        await client.WaitFinishedAsync(id);
        return await client.GetJsonAsync($"/api/ai/result/{id}");
    }
}
