using System.Net.Http.Json;
using System.Text.Json;
using GigaOffice.Clients;
using GigaOffice.Data;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace GigaOffice.Tests.Operations;

/// <summary>
/// The real service over a temporary SQLite file and log directory, with settings given the way
/// an admin gives them (configuration keys) and optional service replacements.
/// </summary>
public sealed class OperationsApp(Dictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    : WebApplicationFactory<Program>
{
    public const string AdminKey = "admin-key-for-tests-Bq8Rw3Lm6Xv1Tz9Kp4Nd7Hs2Jc5Fg0";

    public string Root { get; } = Directory.CreateTempSubdirectory("gigaoffice-ops-").FullName;
    public string LogDirectory => Path.Combine(Root, "logs");
    public string DatabaseDirectory => Path.Combine(Root, "db");

    public static OperationsApp WithAuth(Dictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    {
        var all = new Dictionary<string, string?> { ["Auth:Mode"] = "required", ["Admin:ApiKey"] = AdminKey };
        foreach (var (k, v) in settings ?? []) all[k] = v;
        return new OperationsApp(all, services);
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Database:SqlitePath", Path.Combine(DatabaseDirectory, "gigaoffice.db"));
        builder.UseSetting("Logging:Directory", LogDirectory);
        foreach (var (key, value) in settings ?? []) builder.UseSetting(key, value);
        if (services is not null) builder.ConfigureTestServices(services);
    }

    /// <summary>Creates a key the way the admin command does and returns the secret.</summary>
    public async Task<(Guid Id, string Key)> CreateKeyAsync(string name, int requestsPerMinute = 1000, long dailyTokenBudget = 0)
    {
        await WaitForDatabaseAsync();
        await using var scope = Services.CreateAsyncScope();
        var created = await scope.ServiceProvider.GetRequiredService<ClientKeyStore>().CreateAsync(name, requestsPerMinute, dailyTokenBudget, CancellationToken.None);
        return (created.Info.Id, created.Key);
    }

    public async Task WaitForDatabaseAsync()
    {
        _ = Server; // starts the host
        await Services.GetRequiredService<DatabaseReadiness>().WaitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60));
    }

    public async Task WithDbAsync(Func<GigaOfficeDbContext, Task> action)
    {
        await WaitForDatabaseAsync();
        await using var scope = Services.CreateAsyncScope();
        await action(scope.ServiceProvider.GetRequiredService<GigaOfficeDbContext>());
    }

    public HttpClient ClientWithKey(string key, bool bearer = false)
    {
        var client = CreateClient();
        if (bearer) client.DefaultRequestHeaders.Authorization = new("Bearer", key);
        else client.DefaultRequestHeaders.Add(ApiKeyAuthenticationHandler.HeaderName, key);
        return client;
    }

    public static Task<HttpResponseMessage> ProcessAsync(HttpClient client, string query = "Проанализируй данные продаж") =>
        client.PostAsJsonAsync("/api/ai/process", new
        {
            query_text = query,
            input_range = "A1:B3",
            input_data = new object[][] { ["Товар", "Сумма"], ["A", 100], ["B", 80] },
        });

    /// <summary>Polls the status until the request is finished (no timing is asserted).</summary>
    public static async Task<JsonElement> WaitFinishedAsync(HttpClient client, Guid id)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var status = await client.GetFromJsonAsync<JsonElement>($"/api/ai/status/{id}");
            if (status.GetProperty("status").GetString() is "completed" or "failed") return status;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Request {id} did not finish: {status}");
            await Task.Delay(50);
        }
    }

    public static async Task<Guid> AcceptedIdAsync(HttpResponseMessage response)
    {
        Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return body.GetProperty("request_id").GetGuid();
    }

    /// <summary>Everything the service wrote to its log files so far (the file sink flushes every event).</summary>
    public string ReadLogs() => Directory.Exists(LogDirectory)
        ? string.Concat(Directory.GetFiles(LogDirectory).Select(f =>
        {
            using var stream = new FileStream(f, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            return new StreamReader(stream).ReadToEnd();
        }))
        : "";

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
