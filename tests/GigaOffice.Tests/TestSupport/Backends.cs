using GigaOffice.Testing;
using Npgsql;

namespace GigaOffice.Tests.TestSupport;

/// <summary>
/// Where one test's service keeps its data and queue, as the settings an admin's environment would
/// carry. Every app created from it shares the database (and the Kafka topics), like instances of
/// one deployment.
/// </summary>
public sealed class TestBackend(IReadOnlyDictionary<string, string?> settings)
{
    public IReadOnlyDictionary<string, string?> Settings { get; } = settings;

    public TestApp CreateApp(IDictionary<string, string?>? extra = null)
    {
        var all = new Dictionary<string, string?>(Settings);
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>()) all[key] = value;
        return new TestApp(all);
    }

    public string? this[string key] => Settings.GetValueOrDefault(key);

    /// <summary>With a copy of the settings changed (another role, another delay...).</summary>
    public IReadOnlyDictionary<string, string?> With(params (string Key, string? Value)[] changes)
    {
        var all = new Dictionary<string, string?>(Settings);
        foreach (var (key, value) in changes) all[key] = value;
        return all;
    }

    /// <summary>This backend's PostgreSQL database, for a connection of the test's own (not pooled).</summary>
    public string PostgresConnectionString => new NpgsqlConnectionStringBuilder
    {
        Host = this["Database:Host"], Port = int.Parse(this["Database:Port"]!), Database = this["Database:Name"],
        Username = this["Database:User"], Password = this["Database:Password"], Pooling = false,
    }.ConnectionString;

    /// <summary>The stored requests, read straight from PostgreSQL (not through the service).</summary>
    public async Task<List<RequestRow>> RequestRowsAsync()
    {
        await using var connection = new NpgsqlConnection(PostgresConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""SELECT "Id", "Status", "Attempts", "PublishedAt" IS NOT NULL FROM ai_requests""", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<RequestRow>();
        while (await reader.ReadAsync()) rows.Add(new RequestRow(reader.GetGuid(0), reader.GetString(1), reader.GetInt32(2), reader.GetBoolean(3)));
        return rows;
    }
}

public sealed record RequestRow(Guid Id, string Status, int Attempts, bool Published)
{
    /// <summary>The rows not yet completed, for a failure message.</summary>
    public static string Unfinished(IEnumerable<RequestRow> rows) =>
        string.Join("; ", rows.Where(r => r.Status != "completed").Select(r => $"{r.Id} {r.Status} attempts={r.Attempts} published={r.Published}"));
}

/// <summary>Row locks on PostgreSQL that tests hold to stop workers between their read and their claim.</summary>
public static class PostgresLocks
{
    /// <summary>Holds the request's row until disposed: a worker's claim of it waits meanwhile.</summary>
    public static async Task<IAsyncDisposable> HoldRequestAsync(string connectionString, Guid id)
    {
        var holder = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await holder.OpenAsync();
        var hold = await holder.BeginTransactionAsync();
        await using (var lockRow = new NpgsqlCommand("""SELECT 1 FROM ai_requests WHERE "Id" = @id FOR UPDATE""", holder, hold))
        {
            lockRow.Parameters.AddWithValue("id", id);
            await lockRow.ExecuteScalarAsync();
        }
        return holder; // closing the connection rolls the transaction back
    }

    /// <summary>Claims waiting for a row lock, seen from a connection outside any transaction (a transaction sees one snapshot of the activity).</summary>
    public static async Task<long> ClaimsWaitingAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand("""
            SELECT COUNT(*) FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'UPDATE "ai_requests" SET "Status" = ''processing''%'
            """, connection);
        return (long)(await count.ExecuteScalarAsync())!;
    }
}

/// <summary>A kind of deployment the suite runs against; it hands out fresh databases.</summary>
public abstract class BackendFixture : IAsyncLifetime
{
    /// <summary>As /api/health names the database provider.</summary>
    public abstract string DatabaseProvider { get; }

    /// <summary>As /api/health names the queue.</summary>
    public abstract string QueueKind { get; }

    /// <summary>A fresh, empty database (and queue topics of its own).</summary>
    public abstract Task<TestBackend> CreateAsync();

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual Task DisposeAsync() => Task.CompletedTask;
}

/// <summary>The embedded default: a SQLite file and the in-process queue.</summary>
public sealed class EmbeddedBackend : BackendFixture
{
    public override string DatabaseProvider => "sqlite";
    public override string QueueKind => "in-process";

    public override Task<TestBackend> CreateAsync() =>
        Task.FromResult(new TestBackend(new Dictionary<string, string?> { ["Database:SqlitePath"] = TempPaths.NewDatabase() }));
}

/// <summary>
/// The production shape: a real PostgreSQL server (one per test run, a database per call) and a
/// Kafka-protocol broker (librdkafka's mock cluster, one per fixture) reached over TCP.
/// </summary>
public sealed class PostgresKafkaBackend : BackendFixture
{
    public override string DatabaseProvider => "postgresql";
    public override string QueueKind => "kafka";

    public KafkaMockCluster Kafka { get; private set; } = null!;
    public PostgresServer Postgres { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        Postgres = await SharedPostgres.GetAsync();
        Kafka = new KafkaMockCluster(groupInitialRebalanceDelayMs: 0);
    }

    public override Task<TestBackend> CreateAsync() => CreateAsync(Postgres, Kafka);

    public override Task DisposeAsync()
    {
        Kafka?.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>A new database on <paramref name="server"/> and topics of its own on <paramref name="kafka"/>.</summary>
    public static async Task<TestBackend> CreateAsync(PostgresServer server, KafkaMockCluster kafka)
    {
        var name = "t" + Guid.NewGuid().ToString("N")[..12];
        await server.CreateDatabaseAsync(name);
        var settings = PostgresKafkaSettings(server, name, kafka, name);
        // As an admin would: the topics exist before the service starts.
        foreach (var topic in new[] { settings["Kafka:TopicRequests"]!, settings["Kafka:TopicResponses"]!, settings["Kafka:TopicRequests"] + ".dlq" })
            kafka.CreateTopic(topic, partitions: 4);
        return new TestBackend(settings);
    }

    public static Dictionary<string, string?> PostgresKafkaSettings(PostgresServer server, string database, KafkaMockCluster kafka, string topicPrefix) => new()
    {
        ["Database:Host"] = server.Host,
        ["Database:Port"] = server.Port.ToString(),
        ["Database:Name"] = database,
        ["Database:User"] = server.User,
        ["Database:Password"] = server.Password,
        ["Kafka:BootstrapServers"] = kafka.BootstrapServers,
        ["Kafka:TopicRequests"] = topicPrefix + "-requests",
        ["Kafka:TopicResponses"] = topicPrefix + "-responses",
        ["Kafka:ConsumerGroup"] = topicPrefix + "-workers",
        // The mock cluster waits about a session timeout before a member that left is replaced.
        ["Kafka:SessionTimeoutMs"] = "6000",
        ["Kafka:OutboxPollMs"] = "200",
    };
}

/// <summary>A fresh database several instances can share, as settings.</summary>
public static class SharedDatabase
{
    /// <summary>
    /// A SQLite file (<paramref name="provider"/> "sqlite"), or a database on the suite's PostgreSQL
    /// server ("postgresql"; on the server GIGAOFFICE_TEST_POSTGRES names instead, when set).
    /// </summary>
    public static async Task<Dictionary<string, string?>> SettingsAsync(string provider)
    {
        if (provider == "sqlite") return new() { ["Database:SqlitePath"] = TempPaths.NewDatabase() };
        var name = "gigaoffice_test_" + Guid.NewGuid().ToString("N")[..12];
        var server = Environment.GetEnvironmentVariable("GIGAOFFICE_TEST_POSTGRES");
        var connection = string.IsNullOrWhiteSpace(server)
            ? (await SharedPostgres.GetAsync()).GetConnectionString(name)
            : new NpgsqlConnectionStringBuilder(server) { Database = name }.ConnectionString;
        return new() { ["Database:ConnectionString"] = connection };
    }
}

/// <summary>One PostgreSQL server for the whole test run; it stops when the test process exits.</summary>
public static class SharedPostgres
{
    private static readonly Lazy<Task<PostgresServer>> Server = new(() => PostgresServer.StartAsync());

    public static Task<PostgresServer> GetAsync() => Server.Value;
}

/// <summary>One service over one fresh database of a backend, shared by a test class.</summary>
public class BackendApp<TBackend> : IAsyncLifetime where TBackend : BackendFixture, new()
{
    public TBackend Backend { get; } = new();
    public TestBackend Database { get; private set; } = null!;
    public TestApp App { get; private set; } = null!;
    public HttpClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Backend.InitializeAsync();
        Database = await Backend.CreateAsync();
        App = Database.CreateApp();
        Client = App.CreateClient();
    }

    public async Task DisposeAsync()
    {
        if (App is not null) await App.DisposeAsync();
        await Backend.DisposeAsync();
    }
}
