// PostgreSQL mode (PG_CONNECTION set): what the result's UPDATE costs a worker there, and how much
// of it is the round trip itself. As the worker runs it (EF's ExecuteSql on a context of its own,
// the service's connection settings), through Npgsql alone, and two floors: the same UPDATE with
// the commit not waiting for its flush, and an empty round trip (SELECT 1). Writes GAP_MS apart.
using System.Diagnostics;
using GigaOffice.Data;
using GigaOffice.Requests;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Npgsql;

internal static class PostgresCost
{
    public static async Task RunAsync(string server, int rows, Action gap, string result, Action<string, List<double>> report)
    {
        // The service's settings (DatabaseSetup.PostgresConnectionString): statements prepared per connection, no reset.
        var connectionString = new NpgsqlConnectionStringBuilder(server) { MaxAutoPrepare = 32, NoResetOnClose = true }.ConnectionString;
        // And the service's context: pooled, with retries on transient failures (DatabaseSetup.AddGigaOfficeDatabase).
        var options = new DbContextOptionsBuilder<PostgresGigaOfficeDbContext>().UseNpgsql(connectionString,
            npgsql => npgsql.EnableRetryOnFailure(maxRetryCount: 4, maxRetryDelay: TimeSpan.FromSeconds(2), errorCodesToAdd: null)).Options;
        var contexts = new PooledDbContextFactory<PostgresGigaOfficeDbContext>(options);
        await using (var db = new PostgresGigaOfficeDbContext(options)) await db.Database.MigrateAsync();
        await using var dataSource = NpgsqlDataSource.Create(connectionString);

        async Task<List<Guid>> AddRowsAsync()
        {
            await using var db = new PostgresGigaOfficeDbContext(options);
            return await ProcessingRows.AddAsync(db, rows);
        }

        CompletedRequest Done(Guid id) => new(DateTime.UtcNow, result, id.ToString("N"), "GigaChat", 1, 100, 20, 120, 300.2, 300.0);

        const string Update = """
            UPDATE "ai_requests" SET "Status" = 'completed', "Attempts" = $1, "CompletedAt" = $2, "LeaseUntil" = NULL,
              "ResultJson" = $3, "CacheKey" = $4, "Model" = $5, "PromptVersion" = $6,
              "PromptTokens" = $7, "CompletionTokens" = $8, "TotalTokens" = $9, "ProcessingMs" = $10, "GigaChatMs" = $11
            WHERE "Id" = $12 AND (("Status" = 'processing' AND "Attempts" = $1) OR ("Status" = 'queued' AND "Attempts" = $1 - 1))
            """;
        void Bind(NpgsqlCommand command, Guid id, CompletedRequest done)
        {
            command.Parameters.Clear();
            foreach (var value in new object[] { 1, done.CompletedAt, done.ResultJson, done.CacheKey, done.Model, done.PromptVersion,
                         done.PromptTokens, done.CompletionTokens, done.TotalTokens, done.ProcessingMs, done.GigaChatMs, id })
                command.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        for (var round = 0; round < 2; round++)
        {
            Console.WriteLine(round == 0 ? "-- warm-up round (PostgreSQL) --" : "-- measured round (PostgreSQL) --");
            var times = new List<double>(rows);

            // As RequestProcessor with EfResultStore: the scope's pooled context; EF opens a pooled connection for the statement.
            var efStore = new EfResultStore();
            foreach (var id in await AddRowsAsync())
            {
                await using var db = contexts.CreateDbContext();
                gap();
                var started = Stopwatch.GetTimestamp();
                if (await efStore.CompleteAsync(db, id, 1, Done(id), default) != 1) throw new InvalidOperationException("not stored");
                times.Add(Stopwatch.GetElapsedTime(started).TotalMicroseconds);
            }
            report("EF ExecuteSql (the service), pooled connection", times);

            times.Clear();
            foreach (var id in await AddRowsAsync())
            {
                gap();
                var started = Stopwatch.GetTimestamp();
                await using var connection = await dataSource.OpenConnectionAsync();
                await using var command = new NpgsqlCommand(Update, connection);
                Bind(command, id, Done(id));
                if (await command.ExecuteNonQueryAsync() != 1) throw new InvalidOperationException("not stored");
                times.Add(Stopwatch.GetElapsedTime(started).TotalMicroseconds);
            }
            report("Npgsql, pooled connection per call", times);

            await using (var kept = await dataSource.OpenConnectionAsync())
            {
                times.Clear();
                await using var command = new NpgsqlCommand(Update, kept);
                foreach (var id in await AddRowsAsync())
                {
                    gap();
                    var started = Stopwatch.GetTimestamp();
                    Bind(command, id, Done(id));
                    if (round == 0 && !command.IsPrepared) await command.PrepareAsync();
                    if (await command.ExecuteNonQueryAsync() != 1) throw new InvalidOperationException("not stored");
                    times.Add(Stopwatch.GetElapsedTime(started).TotalMicroseconds);
                }
                report("Npgsql, kept connection, prepared", times);

                // Floors: the same UPDATE in one trip with its commit not waiting for the flush (the
                // setting transaction-local, as the claim's), then a trip with no write at all.
                times.Clear();
                foreach (var id in await AddRowsAsync())
                {
                    gap();
                    var started = Stopwatch.GetTimestamp();
                    await using var batch = new NpgsqlBatch(kept);
                    batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT set_config('synchronous_commit', 'off', true)"));
                    var update = new NpgsqlBatchCommand(Update);
                    foreach (var value in new object[] { 1, DateTime.UtcNow, result, id.ToString("N"), "GigaChat", 1, 100, 20, 120, 300.2, 300.0, id })
                        update.Parameters.Add(new NpgsqlParameter { Value = value });
                    batch.BatchCommands.Add(update);
                    await batch.ExecuteNonQueryAsync();
                    if (update.RecordsAffected != 1) throw new InvalidOperationException("not stored");
                    times.Add(Stopwatch.GetElapsedTime(started).TotalMicroseconds);
                }
                report("  floor: one trip, commit not waiting for the flush", times);

                times.Clear();
                await using var ping = new NpgsqlCommand("SELECT 1", kept);
                for (var i = 0; i < rows; i++)
                {
                    gap();
                    var started = Stopwatch.GetTimestamp();
                    await ping.ExecuteScalarAsync();
                    times.Add(Stopwatch.GetElapsedTime(started).TotalMicroseconds);
                }
                report("  floor: an empty round trip (SELECT 1)", times);
            }
        }
    }
}

/// <summary>Requests a worker has claimed, ready for their results.</summary>
internal static class ProcessingRows
{
    public static async Task<List<Guid>> AddAsync(GigaOfficeDbContext db, int count)
    {
        var ids = Enumerable.Range(0, count).Select(_ => Guid.CreateVersion7()).ToList();
        db.Requests.AddRange(ids.Select(id => new AiRequest
        {
            Id = id, Status = RequestStatus.Processing, Attempts = 1, QueryText = "Проанализируй продажи", Category = "spreadsheet-analysis",
            InputDataJson = """[["Месяц","Продажи"],["Январь",100],["Февраль",120]]"""u8.ToArray(), CreatedAt = DateTime.UtcNow, StartedAt = DateTime.UtcNow,
        }));
        await db.SaveChangesAsync();
        return ids;
    }
}
