// What one worker write costs on SQLite, and where: the result's UPDATE as the worker runs it
// before change 31 (EF's ExecuteSql, new context or one context), then the same statement through
// Microsoft.Data.Sqlite alone, opened per call, and as the service now runs it (SqliteResultStore: a
// kept connection, the statement prepared). No contention: one thread, one writer.
//   dotnet run -c Release --project bench/StoreCost [-- ROWS]
//   GAP_MS=30 dotnet run -c Release --project bench/StoreCost -- 300   # writes 30 ms apart, as a worker's
//   PG_CONNECTION="Host=...;Username=...;Password=...;Database=..." GAP_MS=300 dotnet run ... -- 200   # PostgreSQL (PostgresCost.cs)
using System.Diagnostics;
using GigaOffice.Data;
using GigaOffice.Requests;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

var rows = args.Length > 0 ? int.Parse(args[0]) : 2000;
// GAP_MS: a pause before each write, as a worker's writes come 300 ms apart (caches go cold).
var gapMs = int.Parse(Environment.GetEnvironmentVariable("GAP_MS") ?? "0");
void Gap() { if (gapMs > 0) Thread.Sleep(gapMs); }
var result = """{"table":[["Месяц","Продажи"],["Январь",100],["Февраль",120]],"summary":"Рост на 20 %"}""";
if (Environment.GetEnvironmentVariable("PG_CONNECTION") is { Length: > 0 } postgres)
{
    await PostgresCost.RunAsync(postgres, rows, Gap, result, Report);
    return;
}
var path = Path.Combine(Path.GetTempPath(), $"storecost-{Guid.NewGuid():N}.db");
var connectionString = new SqliteConnectionStringBuilder { DataSource = path, DefaultTimeout = 30, Pooling = true }.ConnectionString;
var options = new DbContextOptionsBuilder<SqliteGigaOfficeDbContext>().UseSqlite(connectionString)
    .AddInterceptors(SqliteConnectionSetup.Instance).WithoutSqliteFunctions().Options as DbContextOptions<SqliteGigaOfficeDbContext> ?? throw new InvalidOperationException();
await using (var db = new SqliteGigaOfficeDbContext(options))
{
    await db.Database.MigrateAsync();
    await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;");
}

async Task<List<Guid>> AddRowsAsync()
{
    await using var db = new SqliteGigaOfficeDbContext(options);
    return await ProcessingRows.AddAsync(db, rows);
}

const string Sql = """
    UPDATE "ai_requests" SET "Status" = 'completed', "Attempts" = $attempt, "CompletedAt" = $at, "LeaseUntil" = NULL,
      "ResultJson" = $json, "CacheKey" = $key, "Model" = 'GigaChat', "PromptVersion" = 1,
      "PromptTokens" = 100, "CompletionTokens" = 20, "TotalTokens" = 120, "ProcessingMs" = 300.2, "GigaChatMs" = 300.0
    WHERE "Id" = $id AND (("Status" = 'processing' AND "Attempts" = $attempt) OR ("Status" = 'queued' AND "Attempts" = $attempt - 1))
    """;

void Report(string name, List<double> us)
{
    us.Sort();
    double P(double q) => us[Math.Min(us.Count - 1, (int)(us.Count * q))];
    Console.WriteLine($"{name,-52} p50 {P(0.5),6:F0} µs  p90 {P(0.9),6:F0}  p99 {P(0.99),6:F0}  max {us[^1],6:F0}  n={us.Count}");
}

for (var round = 0; round < 2; round++)
{
    Console.WriteLine(round == 0 ? "-- warm-up round --" : "-- measured round --");
    var ids = await AddRowsAsync();
    var times = new List<double>(rows);
    foreach (var id in ids.Take(rows / 2))
    {
        // As RequestProcessor: a context from the pool's kind (here new), EF's raw SQL, its own parameters.
        await using var db = new SqliteGigaOfficeDbContext(options);
        Gap();
        var started = Stopwatch.GetTimestamp();
        var at = DateTime.UtcNow; var key = id.ToString("N"); var attempt = 1;
        await db.Database.ExecuteSqlAsync($"""
            UPDATE "ai_requests" SET "Status" = 'completed', "Attempts" = {attempt}, "CompletedAt" = {at}, "LeaseUntil" = NULL,
              "ResultJson" = {result}, "CacheKey" = {key}, "Model" = {"GigaChat"}, "PromptVersion" = {1},
              "PromptTokens" = {100}, "CompletionTokens" = {20}, "TotalTokens" = {120}, "ProcessingMs" = {300.2}, "GigaChatMs" = {300.0}
            WHERE "Id" = {id} AND (("Status" = 'processing' AND "Attempts" = {attempt}) OR ("Status" = 'queued' AND "Attempts" = {attempt - 1}))
            """);
        times.Add(Stopwatch.GetElapsedTime(started).TotalMicroseconds);
    }
    Report("EF ExecuteSql, new context per call", times);

    async Task EfStoreAsync(SqliteGigaOfficeDbContext db, Guid id)
    {
        var at = DateTime.UtcNow; var key = id.ToString("N"); var attempt = 1;
        await db.Database.ExecuteSqlAsync($"""
            UPDATE "ai_requests" SET "Status" = 'completed', "Attempts" = {attempt}, "CompletedAt" = {at}, "LeaseUntil" = NULL,
              "ResultJson" = {result}, "CacheKey" = {key}, "Model" = {"GigaChat"}, "PromptVersion" = {1},
              "PromptTokens" = {100}, "CompletionTokens" = {20}, "TotalTokens" = {120}, "ProcessingMs" = {300.2}, "GigaChatMs" = {300.0}
            WHERE "Id" = {id} AND (("Status" = 'processing' AND "Attempts" = {attempt}) OR ("Status" = 'queued' AND "Attempts" = {attempt - 1}))
            """);
    }
    var more = await AddRowsAsync();
    times.Clear();
    await using (var reused = new SqliteGigaOfficeDbContext(options))
        foreach (var id in more.Take(rows / 2))
        {
            Gap();
            var started = Stopwatch.GetTimestamp();
            await EfStoreAsync(reused, id);
            times.Add(Stopwatch.GetElapsedTime(started).TotalMicroseconds);
        }
    Report("EF ExecuteSql, one context, connection per call", times);
    times.Clear();
    await using (var open = new SqliteGigaOfficeDbContext(options))
    {
        await open.Database.OpenConnectionAsync();
        foreach (var id in more.Skip(rows / 2))
        {
            Gap();
            var started = Stopwatch.GetTimestamp();
            await EfStoreAsync(open, id);
            times.Add(Stopwatch.GetElapsedTime(started).TotalMicroseconds);
        }
    }
    Report("EF ExecuteSql, one context, connection kept open", times);

    times.Clear();
    foreach (var id in ids.Skip(rows / 2).Take(rows / 4))
    {
        Gap();
        var started = Stopwatch.GetTimestamp();
        using var connection = new SqliteConnection(connectionString);
        connection.Open();
        SqliteConnectionSetup.Configure(connection);
        using var command = connection.CreateCommand();
        command.CommandText = Sql;
        command.Parameters.AddWithValue("$attempt", 1);
        command.Parameters.AddWithValue("$at", DateTime.UtcNow);
        command.Parameters.AddWithValue("$json", result);
        command.Parameters.AddWithValue("$key", id.ToString("N"));
        command.Parameters.AddWithValue("$id", id.ToString().ToUpperInvariant());
        command.ExecuteNonQuery();
        times.Add(Stopwatch.GetElapsedTime(started).TotalMicroseconds);
    }
    Report("Microsoft.Data.Sqlite, pooled connection per call", times);

    times.Clear();
    // What the service runs (SqliteResultStore): a kept connection with the statement prepared.
    using (var store = new SqliteResultStore(connectionString))
        foreach (var id in ids.Skip(rows * 3 / 4))
        {
            Gap();
            var started = Stopwatch.GetTimestamp();
            await store.CompleteAsync(null!, id, 1, new CompletedRequest(DateTime.UtcNow, result, id.ToString("N"), "GigaChat", 1, 100, 20, 120, 300.2, 300.0), default);
            times.Add(Stopwatch.GetElapsedTime(started).TotalMicroseconds);
        }
    Report("SqliteResultStore: kept connection, prepared", times);
}
SqliteConnection.ClearAllPools();
foreach (var file in new[] { path, path + "-wal", path + "-shm" }) File.Delete(file);
