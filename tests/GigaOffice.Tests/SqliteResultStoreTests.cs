using GigaOffice.Data;
using GigaOffice.Requests;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace GigaOffice.Tests;

/// <summary>Group commit of results on SQLite (change 33): results queued behind the writer go in its transaction.</summary>
public sealed class SqliteResultStoreTests : IAsyncLifetime
{
    private GigaOfficeApp _app = null!;

    public async Task InitializeAsync() => _app = (await new EmbeddedBackend().CreateAsync()).CreateApp();

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Results_queued_behind_a_held_write_lock_are_stored_in_one_transaction()
    {
        var (ids, due) = await AddClaimedRequestsAsync(4);
        var store = (SqliteResultStore)_app.Services.GetRequiredService<IResultStore>();
        var transactionsBefore = store.Transactions;

        var stored = await WhileTheWriteLockIsHeldAsync(() => ids.Select((id, i) => Answer(due, i, "key")).ToArray(), ids, store);

        Assert.All(stored, count => Assert.Equal(1, count));
        Assert.Equal(1, store.Transactions - transactionsBefore); // one after another, it would be four
        await using var scope = _app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GigaOfficeDbContext>();
        var rows = await db.Requests.AsNoTracking().Where(r => ids.Contains(r.Id)).ToListAsync();
        Assert.All(rows, row => Assert.Equal((RequestStatus.Completed, 1), (row.Status, row.Attempts)));
        Assert.Equal(ids.Select((_, i) => $"{{\"table\":[[{i}]]}}").Order(), rows.Select(r => r.ResultJson!).Order());
    }

    [Fact]
    public async Task A_result_that_fails_in_a_shared_transaction_fails_alone()
    {
        var (ids, due) = await AddClaimedRequestsAsync(3);
        var store = (SqliteResultStore)_app.Services.GetRequiredService<IResultStore>();
        await using (var setup = Open())
        {
            // A write that fails for one result only: as a full disk or a broken row would, but on demand.
            await using var trigger = setup.CreateCommand();
            trigger.CommandText = """
                CREATE TRIGGER poison BEFORE UPDATE ON ai_requests WHEN NEW."CacheKey" = 'poison'
                BEGIN SELECT RAISE(ABORT, 'poisoned result'); END;
                """;
            await trigger.ExecuteNonQueryAsync();
        }

        var outcomes = await WhileTheWriteLockIsHeldAsync(
            () => ids.Select((id, i) => Answer(due, i, i == 1 ? "poison" : "key")).ToArray(), ids, store, catchErrors: true);

        Assert.Equal(1, outcomes[0]);
        Assert.Equal(-1, outcomes[1]); // its worker got the error
        Assert.Equal(1, outcomes[2]);
        await using var scope = _app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GigaOfficeDbContext>();
        var statuses = await db.Requests.AsNoTracking().Where(r => ids.Contains(r.Id)).ToDictionaryAsync(r => r.Id, r => r.Status);
        Assert.Equal([RequestStatus.Completed, RequestStatus.Processing, RequestStatus.Completed], ids.Select(id => statuses[id]));
    }

    /// <summary>
    /// Each result from its own thread, as the workers write them, while another connection holds the
    /// write lock; the lock is let go once all of them are waiting. -1 for a result that failed.
    /// </summary>
    private async Task<int[]> WhileTheWriteLockIsHeldAsync(Func<CompletedRequest[]> answers, Guid[] ids, SqliteResultStore store, bool catchErrors = false)
    {
        var done = answers();
        await using var holder = Open();
        await using (var begin = holder.CreateCommand())
        {
            begin.CommandText = "BEGIN IMMEDIATE";
            await begin.ExecuteNonQueryAsync();
        }
        using var started = new CountdownEvent(ids.Length);
        var outcomes = new int[ids.Length];
        var threads = ids.Select((id, i) => new Thread(() =>
        {
            started.Signal();
            try
            {
                outcomes[i] = store.CompleteAsync(null!, id, 1, done[i], default).GetAwaiter().GetResult();
            }
            catch (SqliteException) when (catchErrors)
            {
                outcomes[i] = -1;
            }
        })).ToArray();
        foreach (var thread in threads) thread.Start();
        Assert.True(started.Wait(TimeSpan.FromSeconds(30)));
        await Task.Delay(1000); // all of them queued: one waits in SQLite for the lock, the others for that one
        await using (var commit = holder.CreateCommand())
        {
            commit.CommandText = "COMMIT";
            await commit.ExecuteNonQueryAsync();
        }
        foreach (var thread in threads) Assert.True(thread.Join(TimeSpan.FromSeconds(30)));
        return outcomes;
    }

    private async Task<(Guid[] Ids, DateTime Due)> AddClaimedRequestsAsync(int count)
    {
        _app.CreateClient(); // starts the host: migrates and seeds
        await using var scope = _app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GigaOfficeDbContext>();
        var due = new DateTime(DateTime.UtcNow.AddHours(1).Ticks / 10 * 10, DateTimeKind.Utc);
        var ids = Enumerable.Range(0, count).Select(_ => Guid.CreateVersion7()).ToArray();
        foreach (var id in ids)
            db.Requests.Add(new AiRequest { Id = id, Status = RequestStatus.Processing, Attempts = 1, QueryText = "сумма", Category = "spreadsheet-analysis",
                CreatedAt = DateTime.UtcNow, StartedAt = DateTime.UtcNow, LeaseUntil = due, PublishedAt = DateTime.UtcNow });
        await db.SaveChangesAsync();
        return (ids, due);
    }

    private SqliteConnection Open()
    {
        using var scope = _app.Services.CreateScope();
        var connection = new SqliteConnection(scope.ServiceProvider.GetRequiredService<GigaOfficeDbContext>().Database.GetConnectionString());
        connection.Open();
        return connection;
    }

    private static CompletedRequest Answer(DateTime due, int cell, string cacheKey) =>
        new(due.AddSeconds(1), $"{{\"table\":[[{cell}]]}}", cacheKey, "GigaChat-2", 7, 11, 13, 24, 0.5, 300.25);
}
