using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;
using FakeGigaChat;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GigaOffice.Tests.GigaChat;

/// <summary>
/// The service in cloud or mtls mode, in-process, talking real HTTPS to a <see cref="FakeGigaChatServer"/>
/// and keeping its data in a SQLite file of its own (or a shared one, for multi-instance tests).
/// </summary>
internal sealed class RealModeApp(IDictionary<string, string?> settings, LogCapture? logs = null) : WebApplicationFactory<Program>
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in settings) builder.UseSetting(key, value);
        if (logs is not null)
            // Serilog owns the logger factory; the capture replaces it to see every message.
            builder.ConfigureTestServices(services => services.AddSingleton<ILoggerFactory>(
                new LoggerFactory([logs], new LoggerFilterOptions { MinLevel = LogLevel.Trace })));
    }

    public static Dictionary<string, string?> Cloud(FakeGigaChatServer fake, string? databasePath = null) => new(Common(fake, databasePath))
    {
        ["GigaChat:RunMode"] = "cloud",
        ["GigaChat:Credentials"] = FakeGigaChatOptions.DefaultAuthorizationKey,
        ["GigaChat:AuthUrl"] = fake.AuthUrl,
        ["GigaChat:CaBundleFile"] = fake.Certificates.CaBundlePath,
    };

    public static Dictionary<string, string?> Mtls(FakeGigaChatServer fake, string? databasePath = null) => new(Common(fake, databasePath))
    {
        ["GigaChat:RunMode"] = "mtls",
        ["GigaChat:MtlsCaBundleFile"] = fake.Certificates.CaBundlePath,
        ["GigaChat:MtlsCertFile"] = fake.Certificates.ClientCertPath,
        ["GigaChat:MtlsKeyFile"] = fake.Certificates.ClientKeyPath,
        ["GigaChat:MtlsKeyFilePassword"] = fake.Certificates.ClientKeyPassword,
    };

    private static Dictionary<string, string?> Common(FakeGigaChatServer fake, string? databasePath) => new()
    {
        ["GigaChat:BaseUrl"] = fake.ApiBaseUrl,
        ["GigaChat:TimeoutSeconds"] = "10",
        ["GigaChat:RetryBaseDelayMs"] = "50",
        ["GigaChat:MaxRequestsPerMinute"] = "1000",
        ["Database:SqlitePath"] = databasePath ?? NewDatabasePath(),
        ["Logging:File"] = "false",
        // Identical requests must reach the fake each time; the cache has its own tests.
        ["ResultCache:TtlSeconds"] = "0",
        ["Logging:Level"] = "warning",
        ["Worker:RecoveryIntervalSeconds"] = "1",
        ["Worker:MaxAttempts"] = "3",
    };

    /// <summary>
    /// Settings of a fresh database that several instances can share: a SQLite file
    /// (<paramref name="provider"/> "sqlite"), or a database on the suite's PostgreSQL server
    /// ("postgresql"; on the server GIGAOFFICE_TEST_POSTGRES names instead, when set).
    /// </summary>
    public static async Task<Dictionary<string, string?>> SharedDatabaseAsync(string provider)
    {
        if (provider == "sqlite") return new() { ["Database:SqlitePath"] = NewDatabasePath() };
        var name = "gigaoffice_test_" + Guid.NewGuid().ToString("N")[..12];
        var server = Environment.GetEnvironmentVariable("GIGAOFFICE_TEST_POSTGRES");
        var connection = string.IsNullOrWhiteSpace(server)
            ? (await GigaOffice.Tests.Infrastructure.SharedPostgres.GetAsync()).GetConnectionString(name)
            : new Npgsql.NpgsqlConnectionStringBuilder(server) { Database = name }.ConnectionString;
        return new() { ["Database:ConnectionString"] = connection };
    }

    public static string NewDatabasePath()
    {
        var directory = Path.Combine(Path.GetTempPath(), "gigaoffice-gigachat-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        return Path.Combine(directory, "gigaoffice.db");
    }

    public static readonly object AnalysisRequest = new
    {
        query_text = "Проанализируй данные продаж и найди тренды",
        input_range = "A1:D3",
        category = "analysis",
        input_data = new object[][]
        {
            ["Товар", "Январь", "Февраль", "Март"],
            ["Товар A", 100, 120, 110],
            ["Товар B", 80, 90, 95],
        },
    };

    /// <summary>What a well-behaved model answers to the analysis request.</summary>
    public const string AnalysisAnswer =
        """{"text": "Товар A растёт быстрее", "output_range": "F1:G3", "table": [["Товар", "Сумма"], ["Товар A", 330], ["Товар B", 265]], "chart": null}""";
}

/// <summary>A fresh certificate set and fake GigaChat per test, answering the analysis request well.</summary>
public abstract class FakeGigaChatTest(FakeGigaChatOptions options) : IAsyncLifetime
{
    protected TestCertificates Certificates { get; } = TestCertificates.CreateInTempDirectory();
    protected FakeGigaChatServer Fake { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Fake = await FakeGigaChatServer.StartAsync(options, Certificates);
        Fake.Responder = _ => FakeReply.Text(RealModeApp.AnalysisAnswer, promptTokens: 1234, completionTokens: 56);
    }

    public async Task DisposeAsync()
    {
        await Fake.DisposeAsync();
        Certificates.Dispose();
    }
}

internal static class RealModeHttp
{
    public static async Task<Guid> SubmitAsync(this HttpClient client, object body)
    {
        var response = await client.PostAsJsonAsync("/api/ai/process", body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == 202, $"Expected 202, got {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.GetProperty("request_id").GetGuid();
    }

    public static async Task<JsonElement> GetJsonAsync(this HttpClient client, string url)
    {
        var response = await client.GetAsync(url);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {url}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Polls until the request is completed or failed and returns its result document.</summary>
    public static async Task<JsonElement> WaitResultAsync(this HttpClient client, Guid id, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            var status = await client.GetJsonAsync($"/api/ai/status/{id}");
            if (status.GetProperty("status").GetString() is "completed" or "failed")
                return await client.GetJsonAsync($"/api/ai/result/{id}");
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Request {id} is still {status.GetProperty("status")}");
            await Task.Delay(50);
        }
    }

    public static string? ErrorCode(this JsonElement result) =>
        result.GetProperty("error") is { ValueKind: JsonValueKind.Object } error ? error.GetProperty("code").GetString() : null;
}

/// <summary>Every log message and exception the service writes, to search for secrets.</summary>
internal sealed class LogCapture : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _entries = new();

    public IReadOnlyCollection<string> Entries => _entries;

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _entries);

    public void Dispose() { }

    private sealed class Logger(string category, ConcurrentQueue<string> entries) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            // The structured values too: a sink that renders them differently must not reveal more.
            var values = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(" ", pairs.Select(p => $"{p.Key}={p.Value}")) : "";
            entries.Enqueue($"{logLevel} {category}: {formatter(state, exception)} [{values}] {exception}");
        }
    }
}
