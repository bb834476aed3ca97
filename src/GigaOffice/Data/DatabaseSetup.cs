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
            services.AddHostedService<Postgres.PostgresNotifications>();
        }
        else
        {
            var connectionString = SqliteConnectionString(options, contentRoot);
            // Microsoft.Data.Sqlite does its I/O synchronously under the async methods, so reads and
            // EF's calls hold pool threads while the disk answers. With the pool's default minimum (one
            // thread per core) accepting on SQLite lost half its throughput and its p99 at 500 req/s
            // went from ~0.14 s to ~1 s on the shared 2-core machine (A/B, docs/BENCHMARKS.md); idle
            // threads cost little, and UnfairSemaphoreSpinLimit=0 keeps them from spinning.
            ThreadPool.GetMinThreads(out var workers, out var completionPorts);
            ThreadPool.SetMinThreads(Math.Max(workers, SqliteMinThreads), completionPorts);
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

    private const int SqliteMinThreads = 64;

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
                // PostgreSQL's parse and plan, a fifth of a claim's round trip (docs/benchmarks-history.md).
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
