using System.Text.Json;
using GigaOffice.Data;
using GigaOffice.Prompts;
using GigaOffice.Queue;
using GigaOffice.Requests;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.DependencyInjection;

namespace GigaOffice.Tests.Data;

/// <summary>What is stored survives a restart on the same database, for every backend (subclasses below).</summary>
public abstract class PersistenceTests<TBackend>(TBackend backends) : IClassFixture<TBackend>
    where TBackend : BackendFixture, new()
{
    protected TBackend Backends => backends;

    /// <summary>
    /// A published request that falls due an hour from now, so the service's own workers leave it to
    /// the test; the time in whole microseconds, as PostgreSQL keeps it.
    /// </summary>
    protected static async Task<(GigaOfficeDbContext Db, Guid Id, DateTime Due)> AddRequestDueLaterAsync(TestApp app, AsyncServiceScope scope)
    {
        app.CreateClient(); // starts the host: migrates and seeds
        var db = scope.ServiceProvider.GetRequiredService<GigaOfficeDbContext>();
        var id = Guid.CreateVersion7();
        var due = new DateTime(DateTime.UtcNow.AddHours(1).Ticks / 10 * 10, DateTimeKind.Utc);
        db.Requests.Add(new AiRequest { Id = id, Status = RequestStatus.Queued, QueryText = "сумма", Category = "spreadsheet-analysis",
            CreatedAt = DateTime.UtcNow, LeaseUntil = due, PublishedAt = DateTime.UtcNow });
        await db.SaveChangesAsync();
        return (db, id, due);
    }

    [Fact]
    public async Task Restart_on_the_same_database_keeps_requests_results_and_metrics()
    {
        var backend = await backends.CreateAsync();
        Guid id;
        await using (var first = backend.CreateApp())
        {
            var client = first.CreateClient();
            id = await client.SubmitAsync(TestRequests.SeedExample);
            await client.WaitFinishedAsync(id);
        }

        await using var second = backend.CreateApp();
        var again = second.CreateClient();
        var status = await again.GetJsonAsync($"/api/ai/status/{id}");
        Assert.Equal("completed", status.GetProperty("status").GetString());
        var result = await again.GetJsonAsync($"/api/ai/result/{id}");
        Assert.Equal(330, result.GetProperty("result").GetProperty("table")[1][1].GetDouble());
        var metrics = await again.GetJsonAsync("/api/metrics?period=all");
        Assert.Equal(1, metrics.GetProperty("by_status").GetProperty("completed").GetInt32());
        Assert.True(metrics.GetProperty("tokens").GetProperty("total").GetInt64() > 0);
    }

    [Fact]
    public async Task Prompt_seeding_keeps_ids_stable_and_leaves_admin_changes_alone()
    {
        var backend = await backends.CreateAsync();
        Dictionary<string, int> categoryIds, presetIds;
        await using (var first = backend.CreateApp())
        {
            var client = first.CreateClient();
            categoryIds = (await client.GetJsonAsync("/api/prompts/categories?include_inactive=true")).EnumerateArray()
                .ToDictionary(c => c.GetProperty("name").GetString()!, c => c.GetProperty("id").GetInt32());
            presetIds = (await client.GetJsonAsync("/api/prompts/presets")).EnumerateArray()
                .ToDictionary(p => p.GetProperty("name").GetString()!, p => p.GetProperty("id").GetInt32());
            Assert.Equal(9, categoryIds.Count);
            Assert.True(presetIds.Count >= 20);

            // An admin renames a category; the next start must not undo it.
            await using var scope = first.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<GigaOfficeDbContext>();
            await db.Categories.Where(c => c.Name == "spreadsheet-analysis").ExecuteUpdateAsync(s => s
                .SetProperty(c => c.DisplayName, "Анализ (изменено)").SetProperty(c => c.IsCustomized, true));
        }

        await using var second = backend.CreateApp();
        var again = second.CreateClient();
        var categories = (await again.GetJsonAsync("/api/prompts/categories?include_inactive=true")).EnumerateArray().ToList();
        Assert.Equal(categoryIds, categories.ToDictionary(c => c.GetProperty("name").GetString()!, c => c.GetProperty("id").GetInt32()));
        Assert.Equal(presetIds, (await again.GetJsonAsync("/api/prompts/presets")).EnumerateArray()
            .ToDictionary(p => p.GetProperty("name").GetString()!, p => p.GetProperty("id").GetInt32()));
        Assert.Equal("Анализ (изменено)", categories.Single(c => c.GetProperty("name").GetString() == "spreadsheet-analysis").GetProperty("display_name").GetString());
    }

    [Fact]
    public async Task Requests_left_behind_by_a_dead_process_are_picked_up_at_start()
    {
        var backend = await backends.CreateAsync();
        Guid orphanQueued = Guid.CreateVersion7(), orphanProcessing = Guid.CreateVersion7();
        await using (var first = backend.CreateApp())
        {
            first.CreateClient(); // starts the host: migrates and seeds
            await using var scope = first.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<GigaOfficeDbContext>();
            var now = DateTime.UtcNow;
            // As a killed process leaves them: committed but never published, and claimed by a worker that died.
            db.Requests.Add(new AiRequest { Id = orphanQueued, Status = RequestStatus.Queued, QueryText = "сумма", Category = "spreadsheet-analysis",
                InputDataJson = "[[\"a\",1,2]]"u8.ToArray(), CreatedAt = now.AddMinutes(-1) });
            db.Requests.Add(new AiRequest { Id = orphanProcessing, Status = RequestStatus.Processing, QueryText = "сумма", Category = "spreadsheet-analysis",
                InputDataJson = "[[\"a\",1,2]]"u8.ToArray(), CreatedAt = now.AddMinutes(-10), StartedAt = now.AddMinutes(-9), LeaseUntil = now.AddMinutes(-4), Attempts = 1 });
            await db.SaveChangesAsync();
        }

        await using var second = backend.CreateApp();
        var client = second.CreateClient();
        Assert.Equal("completed", (await client.WaitFinishedAsync(orphanQueued)).GetProperty("status").GetString());
        var taken = await client.WaitFinishedAsync(orphanProcessing);
        Assert.Equal("completed", taken.GetProperty("status").GetString());
        Assert.Equal(2, taken.GetProperty("attempts").GetInt32());
    }

    [Fact]
    public async Task A_table_stored_as_text_before_the_upgrade_is_processed_and_matches_the_same_table_sent_after()
    {
        var backend = await backends.CreateAsync();
        // A database as the release before the table became bytes left it (PostgreSQL: a text column),
        // with a request accepted then and never processed: its table written as that release wrote it.
        var table = JsonSerializer.Serialize(JsonDocument.Parse("""[["Товар","Сумма"],["Ёлка «B»",100],["Свеча",230.5]]""").RootElement, GigaOffice.GigaChat.GigaOfficeJson.Options);
        var id = Guid.CreateVersion7();
        await using (var old = OpenContext(backend))
        {
            await old.GetService<IMigrator>().MigrateAsync("InstanceHeartbeats");
            // In SQL: today's model has columns that release's schema had not.
            var createdAt = DateTime.UtcNow.AddMinutes(-1);
            Assert.Equal(1, await old.Database.ExecuteSqlAsync($"""
                INSERT INTO ai_requests ("Id", "Status", "QueryText", "Category", "CategoryClassified", "CreatedAt",
                  "Attempts", "PromptTokens", "CompletionTokens", "TotalTokens", "ClassificationTokens")
                VALUES ({id}, {RequestStatus.Queued}, {"Посчитай сумму"}, {"spreadsheet-analysis"}, {false}, {createdAt}, 0, 0, 0, 0, 0)
                """));
            Assert.Equal(1, await old.Database.ExecuteSqlAsync($"""UPDATE ai_requests SET "InputDataJson" = {table}"""));
        }

        await using var app = backend.CreateApp(new Dictionary<string, string?> { ["ResultCache:TtlSeconds"] = "3600" });
        var client = app.CreateClient();
        Assert.Equal("completed", (await client.WaitFinishedAsync(id)).GetProperty("status").GetString());
        Assert.Contains("330,5", (await client.GetJsonAsync($"/api/ai/result/{id}")).GetRawText());
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var stored = await scope.ServiceProvider.GetRequiredService<GigaOfficeDbContext>().Requests.AsNoTracking().SingleAsync(r => r.Id == id);
            Assert.Equal(System.Text.Encoding.UTF8.GetBytes(table), stored.InputDataJson);
        }

        // Sent now, the same table is stored as bytes and keyed the same: the answer comes from the cache.
        var again = await client.SubmitAsync(new
        {
            query_text = "Посчитай сумму", category = "spreadsheet-analysis",
            input_data = new object[][] { ["Товар", "Сумма"], ["Ёлка «B»", 100], ["Свеча", 230.5] },
        });
        await client.WaitFinishedAsync(again);
        Assert.Equal(id, (await client.GetJsonAsync($"/api/ai/result/{again}")).GetProperty("cached_from").GetGuid());
    }

    private static GigaOfficeDbContext OpenContext(TestBackend backend) => backend["Database:SqlitePath"] is { } path
        ? new SqliteGigaOfficeDbContext(new DbContextOptionsBuilder<SqliteGigaOfficeDbContext>().UseSqlite($"Data Source={path}").Options)
        : new PostgresGigaOfficeDbContext(new DbContextOptionsBuilder<PostgresGigaOfficeDbContext>().UseNpgsql(backend.PostgresConnectionString).Options);

    [Fact]
    public async Task A_processing_request_with_a_live_lease_is_not_taken_twice()
    {
        await using var app = (await backends.CreateAsync()).CreateApp();
        app.CreateClient();
        var id = Guid.CreateVersion7();
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<GigaOfficeDbContext>();
            db.Requests.Add(new AiRequest { Id = id, Status = RequestStatus.Processing, QueryText = "сумма", Category = "spreadsheet-analysis",
                CreatedAt = DateTime.UtcNow, StartedAt = DateTime.UtcNow, LeaseUntil = DateTime.UtcNow.AddMinutes(5), Attempts = 1 });
            await db.SaveChangesAsync();
        }
        var processor = app.Services.GetRequiredService<GigaOffice.Requests.RequestProcessor>();
        await processor.ProcessAsync(id, CancellationToken.None);

        await using var check = app.Services.CreateAsyncScope();
        var row = await check.ServiceProvider.GetRequiredService<GigaOfficeDbContext>().Requests.AsNoTracking().SingleAsync(r => r.Id == id);
        Assert.Equal(RequestStatus.Processing, row.Status);
        Assert.Equal(1, row.Attempts);
    }

    [Fact]
    public async Task Accepted_rows_written_without_EF_read_back_through_EF_as_saved_and_a_duplicate_fails_alone()
    {
        await using var app = (await backends.CreateAsync()).CreateApp();
        app.CreateClient();
        var writer = app.Services.GetRequiredService<GigaOffice.Requests.AcceptedRequestWriter>();
        // Microsecond times: PostgreSQL keeps no finer. Completed and published, so no worker or relay touches them.
        var now = new DateTime(DateTime.UtcNow.Ticks / 10 * 10, DateTimeKind.Utc);
        AiRequest Row(int i, Guid? id = null) => new()
        {
            Id = id ?? Guid.CreateVersion7(), Status = RequestStatus.Completed, QueryText = $"сумма «{i}» 😀 '\"\n\\", Category = "spreadsheet-analysis",
            CategoryClassified = i % 2 == 0, InputRange = i % 3 == 0 ? null : "A1:C3", InputDataJson = System.Text.Encoding.UTF8.GetBytes($"[[\"a\",{i}]]"),
            CorrelationId = i % 2 == 0 ? null : $"corr-{i}", ClientKeyId = i % 2 == 0 ? null : Guid.NewGuid(),
            CreatedAt = now.AddTicks(-i * 10), StartedAt = now.AddMilliseconds(1.5), CompletedAt = i % 3 == 0 ? null : now.AddSeconds(1),
            LeaseUntil = i % 2 == 0 ? null : now.AddMinutes(5), Attempts = i, PublishedAt = now, ResultJson = "{\"table\":[[1]]}",
            RawAnswer = i % 2 == 0 ? null : "ответ", ErrorCode = null, ErrorMessage = i % 4 == 1 ? "сообщение" : null, Model = "GigaChat-2-Max",
            PromptVersion = i % 2 == 0 ? null : i, PromptTokens = 10 + i, CompletionTokens = 20 + i, TotalTokens = 30 + 2 * i,
            ProcessingMs = i % 2 == 0 ? null : 12.25 + i, GigaChatMs = 0.125, CacheKey = $"key-{i}", CachedFromId = i % 5 == 0 ? Guid.NewGuid() : null,
            TableInfoJson = "{}", InputStylesJson = null, ClassifiedBy = i % 2 == 0 ? "offline" : null, ClassificationTokens = i,
        };
        var first = Row(0);
        await writer.SaveAsync(first);

        var rows = Enumerable.Range(1, 40).Select(i => Row(i)).ToList();
        var duplicate = Row(99, first.Id);
        var saves = rows.Select(writer.SaveAsync).Append(writer.SaveAsync(duplicate)).ToList();
        var outcomes = await Task.WhenAll(saves.Select(async t => { try { await t; return null; } catch (Exception ex) { return ex; } }));

        Assert.All(outcomes.SkipLast(1), Assert.Null);
        Assert.IsAssignableFrom<System.Data.Common.DbException>(outcomes[^1]);
        // Told apart from an outage: the start-up seeding retries on it quietly, clients never see it as 503.
        Assert.True(DatabaseErrors.IsUniqueViolation(outcomes[^1]!));
        Assert.False(DatabaseErrors.IsUnavailable(outcomes[^1]!));
        await using var scope = app.Services.CreateAsyncScope();
        var stored = await scope.ServiceProvider.GetRequiredService<GigaOfficeDbContext>().Requests.AsNoTracking()
            .Where(r => r.Status == RequestStatus.Completed).ToDictionaryAsync(r => r.Id);
        Assert.Equal(41, stored.Count);
        foreach (var expected in rows.Prepend(first))
            foreach (var property in typeof(AiRequest).GetProperties())
                Assert.True(property.GetValue(expected) is byte[] bytes ? bytes.SequenceEqual((byte[])property.GetValue(stored[expected.Id])!)
                        : Equals(property.GetValue(expected), property.GetValue(stored[expected.Id])),
                    $"{property.Name}: saved {property.GetValue(expected)}, read back {property.GetValue(stored[expected.Id])}");
    }
}

public sealed class PersistenceOnSqliteTests(EmbeddedBackend backends) : PersistenceTests<EmbeddedBackend>(backends);

public sealed class PersistenceOnPostgresKafkaTests(PostgresKafkaBackend backends) : PersistenceTests<PostgresKafkaBackend>(backends)
{
    [Fact]
    public async Task The_claim_alone_commits_without_waiting_for_the_log_flush()
    {
        await using var app = (await Backends.CreateAsync()).CreateApp();
        await using var scope = app.Services.CreateAsyncScope();
        var (db, id, due) = await AddRequestDueLaterAsync(app, scope);
        await db.Database.OpenConnectionAsync(); // one connection for all below, as a pooled one is reused
        var connection = db.Database.GetDbConnection();
        // The test server runs without flushes at all; a production one flushes every commit.
        await using (var asInProduction = connection.CreateCommand())
        {
            asInProduction.CommandText = "SET synchronous_commit = on";
            await asInProduction.ExecuteNonQueryAsync();
        }

        await using var within = connection.CreateCommand();
        within.CommandText = $"SELECT current_setting('synchronous_commit') FROM {GigaOffice.Data.Postgres.PostgresRequestStore.NotFlushed}";
        Assert.Equal("off", await within.ExecuteScalarAsync());
        await using var after = connection.CreateCommand();
        after.CommandText = "SHOW synchronous_commit";
        Assert.Equal("on", await after.ExecuteScalarAsync()); // the setting ended with the statement: the answer's write waits for the flush
        var store = app.Services.GetRequiredService<IRequestStore>();
        Assert.True(await store.ClaimAsync(new RequestClaim(id, 0, due, due.AddMinutes(5)), default));
    }

    [Fact]
    public async Task Of_two_workers_that_read_a_request_at_once_one_claims_it_and_the_other_cancels_its_call()
    {
        var backend = await Backends.CreateAsync();
        // The model answers after ten minutes: only a cancelled call ends sooner.
        await using var app = backend.CreateApp(new Dictionary<string, string?> { ["GigaChat:DryRunDelayMs"] = "600000" });
        await using var scope = app.Services.CreateAsyncScope();
        var (db, id, _) = await AddRequestDueLaterAsync(app, scope);
        // Due now; published, so only this test's two workers hear of it.
        await db.Requests.Where(r => r.Id == id).ExecuteUpdateAsync(s => s.SetProperty(r => r.LeaseUntil, (DateTime?)null));

        // Both read it as claimable, then both claims wait on the row this transaction holds.
        var hold = await PostgresLocks.HoldRequestAsync(backend.PostgresConnectionString, id);
        var processor = app.Services.GetRequiredService<RequestProcessor>();
        // Loaded, the prompts are at hand at once, so each worker's call reaches the model before its
        // claim is sent. Loading them first, the losing call may still be building its prompt when the
        // claim is lost: then it is never sent and its slot goes back uncounted, which is right too.
        await app.Services.GetRequiredService<PromptCatalog>().GetAsync(default);
        using var shutdown = new CancellationTokenSource();
        var workers = new[] { Task.Run(() => processor.ProcessAsync(id, shutdown.Token)), Task.Run(() => processor.ProcessAsync(id, shutdown.Token)) };
        await Eventually.WaitAsync(() => PostgresLocks.ClaimsWaitingAsync(backend.PostgresConnectionString), waiting => waiting == 2, TimeSpan.FromSeconds(20));
        await hold.DisposeAsync();

        var loser = await Task.WhenAny(workers).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(ProcessOutcome.Busy, await loser);
        var metrics = await app.CreateClient().GetStringAsync("/metrics");
        Assert.Matches(@"(?m)^gigaoffice_gigachat_calls_abandoned_total(\{[^}]*\})? 1(\s|$)", metrics);
        var winner = workers.Single(w => w != loser);
        Assert.False(winner.IsCompleted);
        Assert.Equal((RequestStatus.Processing, 1), await StatusAsync(db, id));

        // The winner still holds its call; stopped, it hands the request back under the attempt it claimed.
        await shutdown.CancelAsync();
        Assert.Equal(ProcessOutcome.Released, await winner.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal((RequestStatus.Queued, 1), await StatusAsync(db, id));
    }

    private static async Task<(string, int)> StatusAsync(GigaOfficeDbContext db, Guid id)
    {
        var row = await db.Requests.AsNoTracking().SingleAsync(r => r.Id == id);
        return (row.Status, row.Attempts);
    }
}
