using FakeGigaChat;
using GigaOffice.Data;
using GigaOffice.Queue;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace GigaOffice.Tests.Queue;

/// <summary>
/// Instances with the in-process queue on one database: each keeps its requests while its
/// heartbeat lives, and the others take them up once it lapses or the instance signs off.
/// </summary>
public sealed class InstanceOwnershipTests
{
    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgresql")]
    public async Task The_recovery_sweep_leaves_a_live_instance_its_requests_and_takes_them_up_when_it_dies(string provider)
    {
        var database = await SharedDatabase.SettingsAsync(provider);
        Guid self;
        await using (var app = new TestApp(database))
        {
            var client = app.CreateClient();
            self = app.Services.GetRequiredService<ThisInstance>().Id;
            await using var scope = app.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<GigaOfficeDbContext>();
            await Eventually.WaitAsync(() => db.Instances.AsNoTracking().AnyAsync(i => i.Id == self && i.AliveUntil > DateTime.UtcNow),
                alive => alive, TimeSpan.FromSeconds(20));

            var now = DateTime.UtcNow;
            Guid peer = Guid.CreateVersion7(), gone = Guid.CreateVersion7();
            db.Instances.AddRange(new ServiceInstance { Id = peer, StartedAt = now, AliveUntil = now.AddHours(1) },
                new ServiceInstance { Id = gone, StartedAt = now.AddHours(-1), AliveUntil = now.AddSeconds(-1) });
            // Accepted a minute ago and never announced: only the recovery sweep can bring them to a worker.
            AiRequest AcceptedBy(Guid? instance) => new()
            {
                Id = Guid.CreateVersion7(), Status = RequestStatus.Queued, QueryText = "Посчитай сумму", Category = "spreadsheet-analysis",
                InputDataJson = """[["Товар","Сумма"],["A",100],["B",230]]"""u8.ToArray(), CreatedAt = now.AddMinutes(-1), AcceptedBy = instance,
            };
            var (ofPeer, ofGone, ofNobody, own) = (AcceptedBy(peer), AcceptedBy(gone), AcceptedBy(null), AcceptedBy(self));
            db.Requests.AddRange(ofPeer, ofGone, ofNobody, own);
            await db.SaveChangesAsync();

            foreach (var taken in new[] { ofGone, ofNobody, own })
                Assert.Equal("completed", (await client.WaitFinishedAsync(taken.Id)).GetProperty("status").GetString());
            // The sweep that found those found the peer's request too; two more sweeps (one a second) leave it alone.
            await Task.Delay(TimeSpan.FromSeconds(2.5));
            Assert.Equal((RequestStatus.Queued, 0), await StatusAsync(db, ofPeer.Id));

            await db.Instances.Where(i => i.Id == peer).ExecuteUpdateAsync(s => s.SetProperty(i => i.AliveUntil, DateTime.UtcNow.AddSeconds(-1)));
            Assert.Equal("completed", (await client.WaitFinishedAsync(ofPeer.Id)).GetProperty("status").GetString());
        }

        // Stopped, the instance signed off: the others need not wait for its heartbeat to lapse.
        await using var next = new TestApp(database);
        next.CreateClient();
        await using var nextScope = next.Services.CreateAsyncScope();
        var nextDb = nextScope.ServiceProvider.GetRequiredService<GigaOfficeDbContext>();
        Assert.False(await nextDb.Instances.AnyAsync(i => i.Id == self));
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgresql")]
    public async Task A_silent_instance_s_request_is_taken_up_when_its_heartbeat_lapses_not_a_sweep_interval_later(string provider)
    {
        var database = await SharedDatabase.SettingsAsync(provider);
        var request = Guid.CreateVersion7();
        DateTime lapse;
        // A process that crashed a moment ago: its heartbeat still has seconds to run, and it left a queued request.
        await using (var before = new TestApp(database))
        {
            before.CreateClient();
            await using var scope = before.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<GigaOfficeDbContext>();
            var crashed = Guid.CreateVersion7();
            lapse = DateTime.UtcNow.AddSeconds(6);
            db.Instances.Add(new ServiceInstance { Id = crashed, StartedAt = DateTime.UtcNow.AddHours(-1), AliveUntil = lapse });
            db.Requests.Add(new AiRequest
            {
                Id = request, Status = RequestStatus.Queued, QueryText = "Посчитай сумму", Category = "spreadsheet-analysis",
                InputDataJson = """[["Товар","Сумма"],["A",100]]"""u8.ToArray(), CreatedAt = DateTime.UtcNow.AddMinutes(-1), AcceptedBy = crashed,
            });
            await db.SaveChangesAsync();
        }

        // Its successor sweeps once a minute, but wakes for the lapse.
        var settings = new Dictionary<string, string?>(database) { ["Worker:RecoveryIntervalSeconds"] = "60" };
        await using var after = new TestApp(settings);
        var client = after.CreateClient();
        Assert.Equal("completed", (await client.WaitFinishedAsync(request, TimeSpan.FromSeconds(25))).GetProperty("status").GetString());
        await using var afterScope = after.Services.CreateAsyncScope();
        var row = await afterScope.ServiceProvider.GetRequiredService<GigaOfficeDbContext>().Requests.AsNoTracking().SingleAsync(r => r.Id == request);
        Assert.True(row.StartedAt >= lapse, $"claimed at {row.StartedAt:O}, before the heartbeat lapsed at {lapse:O}");
    }

    internal static async Task<(string, int)> StatusAsync(GigaOfficeDbContext db, Guid id)
    {
        var row = await db.Requests.AsNoTracking().SingleAsync(r => r.Id == id);
        return (row.Status, row.Attempts);
    }
}

/// <summary>
/// With the in-process queue, a request of this instance's own is read by its workers alone, so
/// the model is called while the claim is written; one taken up from a dead instance is claimed first.
/// The claim is held back by a row lock on PostgreSQL, and the calls are seen arriving at the fake GigaChat.
/// </summary>
public sealed class InstanceOwnershipCallTests() : FakeGigaChatTest(new FakeGigaChatOptions())
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task The_model_is_called_before_the_claim_holds_only_for_a_request_of_this_instance(bool ownRequest)
    {
        var settings = GigaChatSettings.Cloud(Fake);
        var database = await SharedDatabase.SettingsAsync("postgresql");
        foreach (var (key, value) in database) settings[key] = value;
        var connectionString = database["Database:ConnectionString"]!;
        await using var app = new TestApp(settings);
        var client = app.CreateClient();
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GigaOfficeDbContext>();

        // Created "in a minute", so no sweep announces it: only this test's notice below does.
        var request = new AiRequest
        {
            Id = Guid.CreateVersion7(), Status = RequestStatus.Queued, QueryText = "Проанализируй продажи", Category = "spreadsheet-analysis",
            InputDataJson = """[["Месяц","Продажи"],["Январь",100],["Февраль",120]]"""u8.ToArray(), CreatedAt = DateTime.UtcNow.AddMinutes(1),
            AcceptedBy = ownRequest ? app.Services.GetRequiredService<ThisInstance>().Id : Guid.CreateVersion7(),
        };
        db.Requests.Add(request);
        await db.SaveChangesAsync();

        var hold = await PostgresLocks.HoldRequestAsync(connectionString, request.Id);
        await app.Services.GetRequiredService<IRequestQueue>().PublishAsync(request.Id, CancellationToken.None);
        await Eventually.WaitAsync(() => PostgresLocks.ClaimsWaitingAsync(connectionString), waiting => waiting == 1, TimeSpan.FromSeconds(20));
        if (ownRequest)
        {
            // Answered while the claim still waits; the answer is stored once the claim holds.
            await Eventually.WaitAsync(() => Task.FromResult(Fake.ChatCalls.Count), calls => calls == 1, TimeSpan.FromSeconds(20));
            Assert.Equal(1, await PostgresLocks.ClaimsWaitingAsync(connectionString));
            Assert.Equal((RequestStatus.Queued, 0), await InstanceOwnershipTests.StatusAsync(db, request.Id));
        }
        else
        {
            await Task.Delay(TimeSpan.FromSeconds(1));
            Assert.Empty(Fake.ChatCalls);
        }

        await hold.DisposeAsync();
        Assert.Equal("completed", (await client.WaitFinishedAsync(request.Id)).GetProperty("status").GetString());
        Assert.Single(Fake.ChatCalls);
        Assert.Equal((RequestStatus.Completed, 1), await InstanceOwnershipTests.StatusAsync(db, request.Id));
    }
}
