using GigaOffice.Clients;
using GigaOffice.Data;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GigaOffice.Tests.TestSupport;

/// <summary>
/// The whole service in-process over a SQLite file in a temporary directory of its own (removed on
/// dispose). Settings are configuration keys, exactly as an admin's environment would set them;
/// the ones given to the constructor win over the defaults and over every <c>With…</c> call.
/// </summary>
public sealed class TestApp : WebApplicationFactory<Program>
{
    public const string AdminKey = "admin-key-for-tests-Bq8Rw3Lm6Xv1Tz9Kp4Nd7Hs2Jc5Fg0";

    private readonly Dictionary<string, string?> _settings;
    private readonly Dictionary<string, string?> _explicit;
    private readonly List<Action<IServiceCollection>> _services = [];
    private bool _built;
    private bool _removed;

    public TestApp(Dictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    {
        _explicit = new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>());
        _settings = new Dictionary<string, string?>
        {
            ["Database:SqlitePath"] = OwnDatabasePath,
            ["Logging:File"] = "false",
            // TEST_LOG_LEVEL=debug shows the services' logs when a test needs explaining.
            ["Logging:Level"] = Environment.GetEnvironmentVariable("TEST_LOG_LEVEL") ?? "warning",
            ["Worker:RecoveryIntervalSeconds"] = "1",
            // Tests submit the same request repeatedly and expect it processed each time; the cache has its own tests.
            ["ResultCache:TtlSeconds"] = "0",
        };
        if (services is not null) _services.Add(services);
    }

    public string Root { get; } = Directory.CreateTempSubdirectory("gigaoffice-test-").FullName;
    public string DatabaseDirectory => Path.Combine(Root, "db");
    public string LogDirectory => Path.Combine(Root, "logs");
    private string OwnDatabasePath => Path.Combine(DatabaseDirectory, "gigaoffice.db");

    /// <summary>The SQLite file this app uses (its own unless the settings name another).</summary>
    public string DatabasePath => _explicit.GetValueOrDefault("Database:SqlitePath") ?? OwnDatabasePath;

    /// <summary>Client keys required, and the admin API on with <see cref="AdminKey"/>.</summary>
    public TestApp WithAuth() => WithAdminKey().Set("Auth:Mode", "required");

    /// <summary>The admin API on with <see cref="AdminKey"/>; <see cref="Admin"/> gives a client that sends it.</summary>
    public TestApp WithAdminKey() => Set("Admin:ApiKey", AdminKey);

    /// <summary>
    /// Without the test speed-ups: the result cache, recovery interval and log level as the service
    /// ships them, and log files written to <see cref="LogDirectory"/> (read with <see cref="ReadLogs"/>).
    /// </summary>
    public TestApp WithServiceDefaults()
    {
        EnsureNotBuilt();
        foreach (var key in new[] { "Logging:File", "Logging:Level", "Worker:RecoveryIntervalSeconds", "ResultCache:TtlSeconds" })
            _settings.Remove(key);
        return Set("Logging:Directory", LogDirectory);
    }

    /// <summary>Replaces services after the app's own registrations (a clock, a failing dependency...).</summary>
    public TestApp WithServices(Action<IServiceCollection> services)
    {
        EnsureNotBuilt();
        _services.Add(services);
        return this;
    }

    /// <summary>Every log message goes to <paramref name="logs"/> (Serilog owns the logger factory; this replaces it).</summary>
    public TestApp WithLogCapture(LogCapture logs) => WithServices(services => services.AddSingleton<ILoggerFactory>(
        new LoggerFactory([logs], new LoggerFilterOptions { MinLevel = LogLevel.Trace })));

    private TestApp Set(string key, string? value)
    {
        EnsureNotBuilt();
        _settings[key] = value;
        return this;
    }

    private void EnsureNotBuilt()
    {
        if (_built) throw new InvalidOperationException("The app has started: change its settings before the first client or service is asked for.");
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        _built = true;
        foreach (var (key, value) in _settings.Where(s => !_explicit.ContainsKey(s.Key)).Concat(_explicit))
            builder.UseSetting(key, value);
        foreach (var services in _services) builder.ConfigureTestServices(services);
    }

    public HttpClient Admin()
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Add("X-Admin-Key", AdminKey);
        return client;
    }

    public HttpClient ClientWithKey(string key, bool bearer = false)
    {
        var client = CreateClient();
        if (bearer) client.DefaultRequestHeaders.Authorization = new("Bearer", key);
        else client.DefaultRequestHeaders.Add(ApiKeyAuthenticationHandler.HeaderName, key);
        return client;
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
        RemoveRoot();
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing) RemoveRoot();
    }

    private void RemoveRoot()
    {
        if (_removed) return;
        _removed = true;
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
