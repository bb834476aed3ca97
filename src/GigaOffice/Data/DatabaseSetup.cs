using GigaOffice.Configuration;
using GigaOffice.Prompts;
using GigaOffice.Data.Postgres;
using GigaOffice.Data.Sqlite;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace GigaOffice.Data;

public static class DatabaseSetup
{
    public static IServiceCollection AddGigaOfficeDatabase(this IServiceCollection services, DatabaseOptions options, string contentRoot)
    {
        if (options.UsePostgres)
        {
            var connectionString = PostgresConnectionString(options);
            // Short retries ride out a restart or failover; longer outages surface as 503 and unhealthy.
            services.AddDbContextPool<PostgresGigaOfficeDbContext>(o => o.UseNpgsql(connectionString,
                npgsql => npgsql.EnableRetryOnFailure(maxRetryCount: 4, maxRetryDelay: TimeSpan.FromSeconds(2), errorCodesToAdd: null)));
            services.AddScoped<GigaOfficeDbContext>(sp => sp.GetRequiredService<PostgresGigaOfficeDbContext>());
            services.AddSingleton<IRequestStore, PostgresRequestStore>();
        }
        else
        {
            var connectionString = SqliteConnectionString(options, contentRoot);
            services.AddDbContextPool<SqliteGigaOfficeDbContext>(o => o.UseSqlite(connectionString)
                .AddInterceptors(SqliteConnectionSetup.Instance));
            services.AddScoped<GigaOfficeDbContext>(sp => sp.GetRequiredService<SqliteGigaOfficeDbContext>());
            services.AddSingleton<IRequestStore, SqliteRequestStore>();
            services.AddHostedService(sp => ActivatorUtilities.CreateInstance<SqliteCheckpointer>(sp, connectionString));
        }
        services.AddSingleton<DatabaseReadiness>();
        services.AddHostedService<DatabaseInitializer>();
        return services;
    }

    public static string PostgresConnectionString(DatabaseOptions options) =>
        !string.IsNullOrWhiteSpace(options.ConnectionString)
            ? options.ConnectionString
            : new NpgsqlConnectionStringBuilder
            {
                Host = options.Host, Port = options.Port, Database = options.Name,
                Username = options.User, Password = options.Password,
                // Fail fast when the server is unreachable, so health checks and clients hear it quickly.
                Timeout = 5,
                // The same few statements run all the time: prepared once per connection, they skip
                // PostgreSQL's parse and plan, a fifth of a claim's round trip (docs/BENCHMARKS.md).
                MaxAutoPrepare = 32,
                // The service sets no session state (its one setting is transaction-local), so a
                // connection taken from the pool needs no reset statement in front of its first query.
                NoResetOnClose = true,
            }.ConnectionString;

    public static string SqliteConnectionString(DatabaseOptions options, string contentRoot)
    {
        if (!string.IsNullOrWhiteSpace(options.ConnectionString)) return options.ConnectionString;
        var path = Path.GetFullPath(options.SqlitePath, contentRoot);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        // Default Timeout: writers wait for each other instead of failing with SQLITE_BUSY.
        return new SqliteConnectionStringBuilder { DataSource = path, DefaultTimeout = 30, Pooling = true }.ConnectionString;
    }

    /// <summary>Applies migrations and seeds the prompts. Used at start and by <c>GigaOffice migrate</c>.</summary>
    public static async Task MigrateAndSeedAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GigaOfficeDbContext>();
        // On a fresh database EF looks the history up before creating its table and logs that failure
        // as an error (dotnet/efcore#37328); creating the table first keeps an admin's first start clean.
        if (await db.GetService<IRelationalDatabaseCreator>().ExistsAsync(cancellationToken))
            await db.GetService<IHistoryRepository>().CreateIfNotExistsAsync(cancellationToken);
        await db.Database.MigrateAsync(cancellationToken);
        if (db.Database.IsSqlite())
            // WAL lets readers (status polling) run while a worker writes.
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
        await ActivatorUtilities.CreateInstance<PromptSeeder>(scope.ServiceProvider).SeedAsync(cancellationToken);
    }
}

/// <summary>Lets workers and endpoints wait for (or check) a migrated, seeded database.</summary>
public sealed class DatabaseReadiness
{
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public bool IsReady => _ready.Task.IsCompleted;
    public string? LastError { get; set; }
    public void MarkReady() => _ready.TrySetResult();
    public Task WaitAsync(CancellationToken cancellationToken) => _ready.Task.WaitAsync(cancellationToken);
}

/// <summary>
/// Migrates and seeds at start. The first try blocks start-up briefly so that a healthy setup is
/// ready when it begins listening; if the database is down the service starts anyway, reports
/// unhealthy and keeps trying in the background.
/// </summary>
public sealed class DatabaseInitializer(IServiceProvider services, DatabaseReadiness readiness,
    Microsoft.Extensions.Options.IOptions<DatabaseOptions> options, ILogger<DatabaseInitializer> logger) : IHostedService
{
    private readonly CancellationTokenSource _stopping = new();
    private Task? _retrying;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.MigrateOnStart)
        {
            readiness.MarkReady();
            return;
        }
        if (await TryOnceAsync(cancellationToken)) return;
        _retrying = Task.Run(() => RetryAsync(_stopping.Token), CancellationToken.None);
    }

    private async Task RetryAsync(CancellationToken cancellationToken)
    {
        var delay = TimeSpan.FromSeconds(1);
        while (!cancellationToken.IsCancellationRequested)
        {
            try { await Task.Delay(delay, cancellationToken); }
            catch (OperationCanceledException) { return; }
            if (await TryOnceAsync(cancellationToken)) return;
            delay = TimeSpan.FromSeconds(Math.Min(30, delay.TotalSeconds * 2));
        }
    }

    private async Task<bool> TryOnceAsync(CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await DatabaseSetup.MigrateAndSeedAsync(services, cancellationToken);
                readiness.LastError = null;
                readiness.MarkReady();
                logger.LogInformation("Database is migrated and prompts are seeded");
                return true;
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && attempt < 3 && DatabaseErrors.IsUniqueViolation(ex))
            {
                // Instances started together on an empty database seed the same prompts; one wins,
                // the others see its rows on the next pass. Not an outage, so not an error.
                logger.LogInformation("Another instance seeded the prompts at the same time; seeding again");
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                readiness.LastError = ex.GetType().Name;
                logger.LogError(ex, "Database is not available yet; retrying in the background");
                return false;
            }
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        if (_retrying is not null) await _retrying.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }
}

/// <summary>For <c>dotnet ef migrations add</c>: one factory per provider.</summary>
public sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteGigaOfficeDbContext>
{
    public SqliteGigaOfficeDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqliteGigaOfficeDbContext>().UseSqlite("Data Source=design.db").Options);
}

public sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresGigaOfficeDbContext>
{
    public PostgresGigaOfficeDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresGigaOfficeDbContext>().UseNpgsql("Host=localhost;Database=design").Options);
}
