using GigaOffice.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace GigaOffice.Tests.Data;

/// <summary>
/// The lifecycle every <see cref="IRequestStore"/> keeps, run against each backend's store as the
/// service registers it (subclasses below). Every row falls due an hour from now and is published,
/// so the service's own workers and relay leave it to the test; "now" is passed in.
/// </summary>
public abstract class RequestStoreContractTests<TBackend>(TBackend backends) : IClassFixture<TBackend>, IAsyncLifetime
    where TBackend : BackendFixture, new()
{
    private TestApp _app = null!;
    protected IRequestStore Store { get; private set; } = null!;
    // Whole microseconds, as PostgreSQL keeps times.
    protected readonly DateTime Due = new(DateTime.UtcNow.AddHours(1).Ticks / 10 * 10, DateTimeKind.Utc);
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(5);

    public async Task InitializeAsync()
    {
        _app = (await backends.CreateAsync()).CreateApp();
        _app.CreateClient(); // starts the host: migrates and seeds
        Store = _app.Services.GetRequiredService<IRequestStore>();
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    protected async Task<AiRequest> AcceptAsync(Action<AiRequest>? change = null)
    {
        var request = new AiRequest
        {
            Id = Guid.CreateVersion7(), Status = RequestStatus.Queued, QueryText = "сумма", Category = "spreadsheet-analysis",
            CreatedAt = Due.AddMinutes(-1), LeaseUntil = Due, PublishedAt = Due.AddMinutes(-1),
        };
        change?.Invoke(request);
        await Store.AcceptAsync([request], default);
        return request;
    }

    protected async Task<AiRequest> RowAsync(Guid id)
    {
        await using var scope = _app.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<GigaOfficeDbContext>().Requests.AsNoTracking().SingleAsync(r => r.Id == id);
    }

    protected async Task<RequestClaim> ClaimedAsync(AiRequest request, DateTime now)
    {
        var claim = RequestClaim.For((await Store.FindClaimableAsync(request.Id, now, default))!, now, Lease);
        Assert.True(await Store.ClaimAsync(claim, default));
        return claim;
    }

    private static CompletedRequest Answer(DateTime at, int cell) =>
        new(at.AddSeconds(1).AddTicks(-10), $"{{\"table\":[[{cell}]]}}", $"key-{cell}", "GigaChat-2", 7, 11, 13, 24, 0.5, 300.25);

    [Fact]
    public async Task A_claim_takes_a_due_request_once_and_only_the_claimed_attempt_completes_it()
    {
        var request = await AcceptAsync();
        Assert.Null(await Store.FindClaimableAsync(request.Id, Due.AddSeconds(-1), default)); // not due yet
        Assert.False(await Store.ClaimAsync(new RequestClaim(request.Id, 0, Due.AddSeconds(-1), Due.AddMinutes(5)), default));
        var claim = new RequestClaim(request.Id, 0, Due, Due.AddMinutes(5));
        Assert.True(await Store.ClaimAsync(claim, default));
        Assert.False(await Store.ClaimAsync(claim, default)); // the same attempt, taken
        Assert.True(await Store.HoldsClaimAsync(claim, default));
        Assert.False(await Store.HoldsClaimAsync(claim with { StartedAt = Due.AddTicks(10) }, default)); // another worker's times
        Assert.Null(await Store.FindClaimableAsync(request.Id, Due.AddMinutes(1), default)); // leased
        var claimed = await RowAsync(request.Id);
        Assert.Equal((RequestStatus.Processing, 1, Due, Due.AddMinutes(5)), (claimed.Status, claimed.Attempts, claimed.StartedAt, claimed.LeaseUntil));

        Assert.False(await Store.CompleteAsync(request.Id, 2, Answer(Due, 2), default));
        var answer = Answer(Due, 1);
        Assert.True(await Store.CompleteAsync(request.Id, 1, answer, default));
        Assert.False(await Store.CompleteAsync(request.Id, 1, Answer(Due, 3), default)); // finished already
        Assert.True(await Store.IsFinishedByAsync(request.Id, 1, default));
        Assert.False(await Store.IsFinishedByAsync(request.Id, 2, default));
        var done = await RowAsync(request.Id);
        Assert.Equal((RequestStatus.Completed, 1, (DateTime?)null), (done.Status, done.Attempts, done.LeaseUntil));
        // Read back through EF as written, times to the tick: the status and cache queries compare them.
        Assert.Equal(answer, new CompletedRequest(done.CompletedAt!.Value, done.ResultJson!, done.CacheKey!, done.Model!, done.PromptVersion!.Value,
            done.PromptTokens, done.CompletionTokens, done.TotalTokens, done.ProcessingMs!.Value, done.GigaChatMs!.Value));
        Assert.Equal(RequestStatus.Completed, await Store.FindStatusAsync(request.Id, default));
        Assert.Null(await Store.FindStatusAsync(Guid.NewGuid(), default));
    }

    [Fact]
    public async Task A_failure_is_stored_by_the_owning_attempt_alone_with_or_without_the_models_answer()
    {
        var withAnswer = await AcceptAsync();
        var claim = await ClaimedAsync(withAnswer, Due);
        var failed = new FailedRequest(Due.AddSeconds(2), "truncated", "Ответ оборвался", "{\"table\":", "GigaChat-2", 3, 5, 7, 12, 40.5, 30.25);
        Assert.False(await Store.FailAsync(withAnswer.Id, claim.Attempt + 1, failed, default));
        Assert.True(await Store.FailAsync(withAnswer.Id, claim.Attempt, failed, default));
        var row = await RowAsync(withAnswer.Id);
        Assert.Equal(failed, new FailedRequest(row.CompletedAt!.Value, row.ErrorCode!, row.ErrorMessage!, row.RawAnswer, row.Model, row.PromptVersion,
            row.PromptTokens, row.CompletionTokens, row.TotalTokens, row.ProcessingMs!.Value, row.GigaChatMs));
        Assert.Equal(RequestStatus.Failed, row.Status);

        var withoutAnswer = await AcceptAsync();
        var second = await ClaimedAsync(withoutAnswer, Due);
        var internalError = new FailedRequest(Due.AddSeconds(2), "internal_error", "Внутренняя ошибка", null, null, null, 0, 0, 0, 1.5, null);
        Assert.True(await Store.FailAsync(withoutAnswer.Id, second.Attempt, internalError, default));
        var stored = await RowAsync(withoutAnswer.Id);
        Assert.Equal((RequestStatus.Failed, "internal_error", (string?)null, (int?)null, (double?)null),
            (stored.Status, stored.ErrorCode, stored.RawAnswer, stored.PromptVersion, stored.GigaChatMs));
    }

    [Fact]
    public async Task A_released_request_is_due_again_later_and_its_old_attempt_can_no_longer_store()
    {
        var request = await AcceptAsync();
        var claim = await ClaimedAsync(request, Due);
        var retryAt = Due.AddMinutes(1);
        Assert.False(await Store.ReleaseAsync(request.Id, claim.Attempt + 1, retryAt, default));
        Assert.True(await Store.ReleaseAsync(request.Id, claim.Attempt, retryAt, default));
        var released = await RowAsync(request.Id);
        Assert.Equal((RequestStatus.Queued, 1, (DateTime?)retryAt, (DateTime?)null), (released.Status, released.Attempts, released.LeaseUntil, released.PublishedAt));
        Assert.False(await Store.CompleteAsync(request.Id, claim.Attempt, Answer(Due, 1), default));

        Assert.Null(await Store.FindClaimableAsync(request.Id, retryAt.AddTicks(-10), default));
        var again = await ClaimedAsync(request, retryAt);
        Assert.Equal(2, again.Attempt);
        Assert.True(await Store.CompleteAsync(request.Id, again.Attempt, Answer(retryAt, 2), default));
    }

    [Fact]
    public async Task An_expired_lease_lets_another_attempt_take_over_and_fences_out_the_first()
    {
        var request = await AcceptAsync();
        var first = await ClaimedAsync(request, Due);
        var afterLease = first.LeaseUntil.AddTicks(10);
        Assert.Null(await Store.FindClaimableAsync(request.Id, first.LeaseUntil, default));
        var second = await ClaimedAsync(request, afterLease);
        Assert.Equal(2, second.Attempt);
        Assert.False(await Store.CompleteAsync(request.Id, first.Attempt, Answer(Due, 1), default));
        Assert.False(await Store.ReleaseAsync(request.Id, first.Attempt, null, default));
        Assert.True(await Store.CompleteAsync(request.Id, second.Attempt, Answer(afterLease, 2), default));
        Assert.Equal("{\"table\":[[2]]}", (await RowAsync(request.Id)).ResultJson);
    }

    [Fact]
    public async Task A_cached_answer_completes_an_identical_request_without_tokens_and_is_not_itself_a_source()
    {
        var source = await AcceptAsync();
        var claim = await ClaimedAsync(source, Due);
        Assert.True(await Store.CompleteAsync(source.Id, claim.Attempt, Answer(Due, 1) with { CacheKey = "same" }, default));
        Assert.Null(await Store.FindCacheSourceAsync("same", Due.AddHours(1), Guid.Empty, default)); // older than the cache time
        Assert.Null(await Store.FindCacheSourceAsync("same", Due.AddMinutes(-1), source.Id, default)); // not its own source
        var found = await Store.FindCacheSourceAsync("same", Due.AddMinutes(-1), Guid.Empty, default);
        Assert.Equal(new CacheSource(source.Id, "{\"table\":[[1]]}", "GigaChat-2"), found);

        var identical = await AcceptAsync();
        var second = await ClaimedAsync(identical, Due);
        var done = new CachedCompletion(Due.AddSeconds(3), found!, "same", 4, 0.75);
        Assert.False(await Store.CompleteFromCacheAsync(identical.Id, second.Attempt + 1, done, default));
        Assert.True(await Store.CompleteFromCacheAsync(identical.Id, second.Attempt, done, default));
        var row = await RowAsync(identical.Id);
        Assert.Equal((RequestStatus.Completed, (Guid?)source.Id, "{\"table\":[[1]]}", 0, (double?)null, (int?)4),
            (row.Status, row.CachedFromId, row.ResultJson, row.TotalTokens, row.GigaChatMs, row.PromptVersion));
        Assert.Equal(source.Id, (await Store.FindCacheSourceAsync("same", Due.AddMinutes(-1), Guid.Empty, default))!.Id);
    }

    [Fact]
    public async Task Recoverable_requests_are_those_nobody_works_on()
    {
        var otherInstance = Guid.NewGuid();
        var thisInstance = Guid.NewGuid();
        await using (var scope = _app.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<GigaOfficeDbContext>();
            db.Instances.Add(new ServiceInstance { Id = otherInstance, StartedAt = Due.AddHours(-2), AliveUntil = Due.AddHours(1) });
            await db.SaveChangesAsync();
        }
        var mine = await AcceptAsync(r => r.AcceptedBy = thisInstance);
        var othersLive = await AcceptAsync(r => r.AcceptedBy = otherInstance);
        var unowned = await AcceptAsync();
        var fresh = await AcceptAsync(r => r.CreatedAt = Due.AddSeconds(30));
        var abandoned = await AcceptAsync(r => r.AcceptedBy = otherInstance);
        var claim = await ClaimedAsync(abandoned, Due);
        var now = claim.LeaseUntil.AddSeconds(1);

        var found = await Store.FindRecoverableAsync(thisInstance, now, queuedBefore: Due, limit: 100, default);
        Assert.Equal(new[] { mine.Id, unowned.Id, abandoned.Id }.Order(), found.Where(new[] { mine.Id, othersLive.Id, unowned.Id, fresh.Id, abandoned.Id }.Contains).Order());
        Assert.Contains(othersLive.Id, await Store.FindRecoverableAsync(otherInstance, now, queuedBefore: Due, limit: 100, default));
    }

    [Fact]
    public async Task With_a_durable_queue_a_dead_workers_and_long_published_requests_go_back_into_the_outbox()
    {
        var abandoned = await AcceptAsync();
        var claim = await ClaimedAsync(abandoned, Due);
        var stale = await AcceptAsync(r => r.PublishedAt = Due.AddMinutes(-30));
        var recent = await AcceptAsync(r => r.PublishedAt = Due.AddMinutes(-1));
        var now = claim.LeaseUntil.AddSeconds(1);

        Assert.True(await Store.ReturnToOutboxAsync(now, staleBefore: Due.AddMinutes(-10), default) >= 2);
        var back = await RowAsync(abandoned.Id);
        Assert.Equal((RequestStatus.Queued, 1, (DateTime?)null, (DateTime?)null), (back.Status, back.Attempts, back.LeaseUntil, back.PublishedAt));
        Assert.Null((await RowAsync(stale.Id)).PublishedAt);
        Assert.NotNull((await RowAsync(recent.Id)).PublishedAt);
        await using var scope = _app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GigaOfficeDbContext>();
        Assert.Equal([abandoned.Id, stale.Id], (await Store.Claimable(db, now).Where(r => r.PublishedAt == null).Select(r => r.Id).ToListAsync()).Order());
    }
}

public sealed class SqliteRequestStoreTests(EmbeddedBackend backends) : RequestStoreContractTests<EmbeddedBackend>(backends)
{
    [Fact]
    public async Task A_queued_row_one_attempt_back_is_not_owned_the_claims_commit_is_not_undone_while_the_process_lives()
    {
        var request = await AcceptAsync();
        Assert.False(await Store.CompleteAsync(request.Id, 1, new CompletedRequest(Due, "{}", "k", "m", 1, 0, 0, 0, 1, 1), default));
        Assert.Equal(RequestStatus.Queued, (await RowAsync(request.Id)).Status);
    }
}

public sealed class PostgresRequestStoreTests(PostgresKafkaBackend backends) : RequestStoreContractTests<PostgresKafkaBackend>(backends)
{
    [Fact]
    public async Task An_answer_is_stored_when_a_server_crash_undid_its_claim()
    {
        // A claim committed without a flush and lost in a crash leaves the row as it was before it.
        var request = await AcceptAsync();
        Assert.True(await Store.CompleteAsync(request.Id, 1, new CompletedRequest(Due, "{\"table\":[[1]]}", "k", "m", 1, 0, 0, 0, 1, 1), default));
        var stored = await RowAsync(request.Id);
        Assert.Equal((RequestStatus.Completed, 1, "{\"table\":[[1]]}"), (stored.Status, stored.Attempts, stored.ResultJson));
    }
}
