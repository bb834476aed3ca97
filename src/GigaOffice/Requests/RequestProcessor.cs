using System.Diagnostics;
using System.Text.Json;
using GigaOffice.Configuration;
using GigaOffice.Data;
using GigaOffice.GigaChat;
using GigaOffice.Metrics;
using GigaOffice.Prompts;
using GigaOffice.Queue;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace GigaOffice.Requests;

/// <summary>
/// Processes one request: read it, wait for quota, claim it (mostly while the model is called),
/// call the model, parse, store. Every write is fenced by the attempt number, so a worker that lost its lease cannot
/// overwrite the work of the one that took over.
/// </summary>
public sealed class RequestProcessor(
    IServiceScopeFactory scopes,
    PromptCatalog prompts,
    MeasuredPrompts promptBuilder,
    Answers.AnswerParser parser,
    IGigaChatClient gigaChat,
    IGigaChatQuota quota,
    IRequestQueue queue,
    IResultStore results,
    ResultsFirst resultsFirst,
    ThisInstance instance,
    IOptions<GigaChatOptions> gigaChatOptions,
    IOptions<WorkerOptions> workerOptions,
    IOptions<ResultCacheOptions> cacheOptions,
    TimeProvider time,
    GigaOfficeMetrics metrics,
    ILogger<RequestProcessor> logger)
{
    private readonly WorkerOptions _worker = workerOptions.Value;
    private readonly int _maxTokens = gigaChatOptions.Value.MaxTokensPerRequest;
    private readonly string _model = gigaChatOptions.Value.Model;
    private readonly ResultCacheOptions _cache = cacheOptions.Value;

    public async Task<ProcessOutcome> ProcessAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GigaOfficeDbContext>();

        // Look before waiting for quota: a duplicate notice must not spend a slot, nor a cached answer.
        var now = time.GetUtcNow().UtcDateTime;
        var pending = await WorkerQueries.FindClaimableAsync(db, id, now, cancellationToken);
        if (pending is null) return await WhyNotClaimableAsync(db, id, cancellationToken);
        if (_cache.Enabled && await TryAnswerFromCacheAsync(db, pending, cancellationToken) is { } cached) return cached;
        resultsFirst.HoldBack(); // another worker's result is about to be written: it goes first
        var slot = await quota.AcquireAsync(cancellationToken);
        if (slot.Waited > TimeSpan.Zero) metrics.QuotaWaited(slot.Waited);

        // Whole microseconds, as PostgreSQL stores them: the claim is recognised by its exact times below.
        now = TruncateToMicroseconds(time.GetUtcNow().UtcDateTime);
        var leaseUntil = now.AddSeconds(_worker.LeaseSeconds);
        var request = pending;
        var seenAttempts = request.Attempts;
        var attempt = seenAttempts + 1;
        var started = Stopwatch.GetTimestamp();
        using var logScope = logger.BeginScope(new Dictionary<string, object?> { ["RequestId"] = id, ["CorrelationId"] = request.CorrelationId });
        using var activity = GigaOfficeMetrics.ActivitySource.StartActivity("ProcessRequest");
        activity?.SetTag("gigaoffice.request_id", id).SetTag("gigaoffice.category", request.Category).SetTag("gigaoffice.attempt", attempt);

        // Where no other worker should be reading the request now, the model is called while the claim
        // goes to the database, so the claim's round trip hides in the model's wait (docs/BENCHMARKS.md,
        // changes 27 and 28). Kafka hands each notice to one worker; the in-process queue hands this
        // instance's queued requests to it alone, as other instances' sweeps leave them to it while it
        // is alive (InstanceHeartbeat). The row was claimable a moment ago, so the claim is lost only to
        // a worker that read it at the same time, and then this call is cancelled at once and counted
        // as abandoned. Elsewhere the claim comes first: a request taken up from a dead instance is read
        // by the sweeps of all the others, and one that waited for quota may have been read by another
        // worker meanwhile. Each call lost so would waste a slot of the account's limit.
        var readByThisWorkerAlone = queue.IsDurable || (request.Status == RequestStatus.Queued && request.AcceptedBy == instance.Id);
        using var abandon = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var call = readByThisWorkerAlone && slot.Waited == TimeSpan.Zero ? StartCall(request, attempt, abandon.Token) : null;
        if (call is not null) resultsFirst.HoldBack(); // the claim hides in the call's wait anyway

        // Not cancellable from here: once claimed, the request must reach the try below, which hands it
        // back on shutdown. A retried claim whose first try did commit (the answer was lost with the
        // connection) finds no claimable row; the times it wrote tell that the claim is ours. Only
        // then are they asked: a worker claiming in the same microsecond would write the same times.
        // Fenced by the attempt seen above, so the row read then is the row claimed: no second read.
        bool claimed;
        try
        {
            var tries = 0;
            claimed = await WhileLeasedAsync(id, leaseUntil, () => { tries++; return WorkerQueries.ClaimAsync(db, id, seenAttempts, now, leaseUntil, CancellationToken.None); }) == 1
                || (tries > 1 && await WhileLeasedAsync(id, leaseUntil, () => db.Requests.AnyAsync(r => r.Id == id && r.Status == RequestStatus.Processing
                    && r.Attempts == seenAttempts + 1 && r.StartedAt == now && r.LeaseUntil == leaseUntil, CancellationToken.None)));
        }
        catch
        {
            await AbandonAsync(call, abandon);
            throw;
        }
        if (!claimed)
        {
            // Another worker took the request while this one waited for quota or sent the call.
            if (await AbandonAsync(call, abandon)) metrics.CallAbandoned();
            else await quota.ReturnAsync(slot, CancellationToken.None); // the model was never asked: the slot is unused
            return await WhyNotClaimableAsync(db, id, cancellationToken);
        }

        call ??= StartCall(request, attempt, cancellationToken);
        try
        {
            var (category, context, prompt, completion, gigaChatMs, input) = await call.Result;
            using var inputToReturn = input; // its pooled buffers go back once the result is stored
            using var resultComing = resultsFirst.ResultComing();
            var finishFailure = completion.FinishReason switch
            {
                "blacklist" => ("content_refused", "Модель отказалась отвечать на эту тему. Переформулируйте запрос."),
                "length" => ("truncated", "Ответ модели оборвался: не хватило лимита токенов. Уменьшите диапазон или упростите запрос."),
                "error" => ("upstream_error", "Модель вернула ошибку при генерации ответа. Повторите запрос позже."),
                _ => default((string, string)?),
            };
            var parsed = finishFailure is null ? parser.Parse(completion, new Answers.AnswerContext(category.Name, category.ResultKind, context.InputRange, context.InputData)) : null;
            var outcome = new Outcome(completion, gigaChatMs, category.Version, ResultCacheKey.For(request, category.Version, gigaChat.Mode, _model));
            if (parsed is { Success: true, Repairs.Count: > 0 })
                logger.LogInformation("Request {RequestId}: the model's answer was repaired: {Repairs}", id, string.Join("; ", parsed.Repairs));
            else if (parsed is { Success: false })
                logger.LogWarning("Request {RequestId}: the model's answer is unusable ({Reason}: {Detail})", id, parsed.FailureKind, parsed.FailureReason);
            // The model has answered (and been paid): store it even if shutdown begins now.
            if (finishFailure is { } f)
                return await FailAsync(db, id, attempt, leaseUntil, request.Category, f.Item1, f.Item2, started, outcome);
            if (parsed!.Answer is null)
                return await FailAsync(db, id, attempt, leaseUntil, request.Category, "unparseable_answer", $"Не удалось разобрать ответ модели: {parsed.FailureReason}.", started, outcome);
            return await CompleteAsync(db, id, attempt, leaseUntil, request.Category, parsed.Answer with { DataTruncated = prompt.DataTruncated }, started, outcome);
        }
        catch (GigaChatException ex) when (ex.Transient && attempt < _worker.MaxAttempts && !cancellationToken.IsCancellationRequested)
        {
            var delay = ex.RetryAfter ?? Backoff(attempt);
            logger.LogWarning("Request {RequestId} attempt {Attempt} failed with {Code}; retrying in {Delay}", id, attempt, ex.Code, delay);
            metrics.RetryScheduled(ex.Code);
            await ReleaseAsync(db, id, attempt, time.GetUtcNow().UtcDateTime + delay, CancellationToken.None);
            ScheduleRepublish(id, delay);
            return ProcessOutcome.Released;
        }
        catch (GigaChatException ex)
        {
            logger.LogWarning("Request {RequestId} failed with {Code}", id, ex.Code);
            return await FailAsync(db, id, attempt, leaseUntil, request.Category, ex.Code, ex.UserMessage, started, null);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Shutting down: hand the request back so the next worker starts it at once.
            logger.LogInformation("Shutting down: request {RequestId} handed back to the queue", id);
            await ReleaseAsync(db, id, attempt, null, CancellationToken.None);
            return ProcessOutcome.Released;
        }
        catch (Exception ex) when (attempt < _worker.MaxAttempts)
        {
            logger.LogError(ex, "Request {RequestId} attempt {Attempt} failed unexpectedly; will retry", id, attempt);
            metrics.RetryScheduled("internal_error");
            var delay = Backoff(attempt);
            try { await ReleaseAsync(db, id, attempt, time.GetUtcNow().UtcDateTime + delay, CancellationToken.None); }
            catch (Exception releaseError) { logger.LogWarning(releaseError, "Could not release request {RequestId}; its lease will expire", id); }
            ScheduleRepublish(id, delay);
            return ProcessOutcome.Released;
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Request {RequestId} failed after {Attempt} attempts", id, attempt);
            return await FailAsync(db, id, attempt, leaseUntil, request.Category, "internal_error", "Внутренняя ошибка сервиса при обработке запроса. Администратор может найти подробности в журнале по идентификатору запроса.", started, null);
        }
    }

    /// <summary>The model's call for one attempt, begun before the claim is known to hold.</summary>
    private sealed class ModelCall
    {
        /// <summary>Set once the request goes to the model: from then its quota slot counts as spent.</summary>
        public volatile bool Sent;
        public Task<ModelAnswer> Result = null!; // set by StartCall
    }

    /// <param name="Input">The parsed table <see cref="RequestContext.InputData"/> points into; the caller disposes it.</param>
    private sealed record ModelAnswer(CategoryInfo Category, RequestContext Context, BuiltPrompt Prompt, GigaChatCompletion Completion, double GigaChatMs, JsonDocument? Input);

    private ModelCall StartCall(AiRequest request, int attempt, CancellationToken cancellationToken)
    {
        var call = new ModelCall();
        call.Result = CallModelAsync(call, request, attempt, cancellationToken);
        return call;
    }

    private async Task<ModelAnswer> CallModelAsync(ModelCall call, AiRequest request, int attempt, CancellationToken cancellationToken)
    {
        var snapshot = await prompts.GetAsync(cancellationToken);
        var category = snapshot.Find(request.Category)
                       ?? throw new GigaChatException("unknown_category", $"Категория «{request.Category}» больше не существует.", transient: false);
        // Parsed in place, over the stored UTF-8, rather than deserialized to a JsonElement: that
        // copies the document, and from a string it transcodes through a buffer of three bytes per
        // character (docs/BENCHMARKS.md, changes 40 and 41).
        var input = request.InputDataJson is null ? null : JsonDocument.Parse(request.InputDataJson.AsMemory());
        try
        {
            var context = new RequestContext(category.Name, request.QueryText, request.InputRange, input?.RootElement)
            {
                TableInfo = request.TableInfoJson is null ? null : JsonSerializer.Deserialize<RequiredTableInfo>(request.TableInfoJson, GigaOfficeJson.Options),
                InputStyles = request.InputStylesJson is null ? null : JsonSerializer.Deserialize<JsonElement>(request.InputStylesJson),
            };
            var prompt = await promptBuilder.BuildAsync(category, context, _maxTokens, cancellationToken);

            logger.LogDebug("Calling GigaChat for request {RequestId}, attempt {Attempt}", request.Id, attempt);
            var callStarted = Stopwatch.GetTimestamp();
            call.Sent = true;
            var completion = await gigaChat.CompleteAsync(new GigaChatRequest(prompt.Messages, context, request.Id.ToString()), cancellationToken);
            return new ModelAnswer(category, context, prompt, completion, Stopwatch.GetElapsedTime(callStarted).TotalMilliseconds, input);
        }
        catch
        {
            input?.Dispose();
            throw;
        }
    }

    /// <summary>Cancels a call whose claim did not hold and waits for it to end; true if it had reached the model.</summary>
    private static async Task<bool> AbandonAsync(ModelCall? call, CancellationTokenSource abandon)
    {
        if (call is null) return false;
        await abandon.CancelAsync();
        try { await call.Result; }
        catch { /* its outcome belongs to the worker that holds the claim */ }
        return call.Sent;
    }

    private static async Task<ProcessOutcome> WhyNotClaimableAsync(GigaOfficeDbContext db, Guid id, CancellationToken ct) =>
        await db.Requests.AsNoTracking().Where(r => r.Id == id).Select(r => r.Status).FirstOrDefaultAsync(ct) switch
        {
            null => ProcessOutcome.NotFound,
            RequestStatus.Completed or RequestStatus.Failed => ProcessOutcome.AlreadyFinished,
            _ => ProcessOutcome.Busy,
        };

    /// <summary>Requests a worker may take: queued and due, or processing with an expired lease.</summary>
    public static IQueryable<AiRequest> Claimable(GigaOfficeDbContext db, DateTime now) =>
        db.Requests.Where(r => (r.Status == RequestStatus.Queued && (r.LeaseUntil == null || r.LeaseUntil <= now))
                               || (r.Status == RequestStatus.Processing && r.LeaseUntil < now));

    /// <summary>Completed answers under a cache key, newest first (index: CacheKey, CompletedAt).</summary>
    internal static IQueryable<AiRequest> CacheSources(GigaOfficeDbContext db, string key, DateTime notBefore, Guid except) =>
        db.Requests.AsNoTracking()
            .Where(r => r.CacheKey == key && r.Status == RequestStatus.Completed && r.CachedFromId == null && r.CompletedAt >= notBefore && r.Id != except)
            .OrderByDescending(r => r.CompletedAt);

    private sealed record Outcome(GigaChatCompletion Completion, double GigaChatMs, int PromptVersion, string CacheKey);

    /// <summary>
    /// Completes the request with the answer of an identical request completed within the cache
    /// time, without calling GigaChat: no quota slot, no tokens. Null when there is none.
    /// </summary>
    private async Task<ProcessOutcome?> TryAnswerFromCacheAsync(GigaOfficeDbContext db, AiRequest request, CancellationToken ct)
    {
        var snapshot = await prompts.GetAsync(ct);
        if (snapshot.Find(request.Category) is not { } category) return null;
        var key = ResultCacheKey.For(request, category.Version, gigaChat.Mode, _model);
        var now = time.GetUtcNow().UtcDateTime;
        var cutoff = now.AddSeconds(-_cache.TtlSeconds);
        var source = await CacheSources(db, key, cutoff, request.Id)
            .Select(r => new { r.Id, r.ResultJson, r.Model })
            .FirstOrDefaultAsync(ct);
        if (source?.ResultJson is null) return null;

        var started = Stopwatch.GetTimestamp();
        var claimed = await Claimable(db, now).Where(r => r.Id == request.Id).ExecuteUpdateAsync(s => s
            .SetProperty(r => r.Status, RequestStatus.Processing)
            .SetProperty(r => r.StartedAt, now)
            .SetProperty(r => r.LeaseUntil, now.AddSeconds(_worker.LeaseSeconds))
            .SetProperty(r => r.Attempts, r => r.Attempts + 1), ct);
        if (claimed == 0) return ProcessOutcome.Busy; // another worker has it
        var attempt = await db.Requests.Where(r => r.Id == request.Id).Select(r => r.Attempts).FirstAsync(ct);
        var processingMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        var completedAt = time.GetUtcNow().UtcDateTime;
        await Owned(db, request.Id, attempt).ExecuteUpdateAsync(s => s
            .SetProperty(r => r.Status, RequestStatus.Completed)
            .SetProperty(r => r.Attempts, attempt)
            .SetProperty(r => r.CompletedAt, completedAt)
            .SetProperty(r => r.LeaseUntil, (DateTime?)null)
            .SetProperty(r => r.ResultJson, source.ResultJson)
            .SetProperty(r => r.CachedFromId, source.Id)
            .SetProperty(r => r.CacheKey, key)
            .SetProperty(r => r.Model, source.Model)
            .SetProperty(r => r.PromptVersion, category.Version)
            .SetProperty(r => r.PromptTokens, 0)
            .SetProperty(r => r.CompletionTokens, 0)
            .SetProperty(r => r.TotalTokens, 0)
            .SetProperty(r => r.ProcessingMs, processingMs)
            .SetProperty(r => r.GigaChatMs, (double?)null), ct);
        logger.LogInformation("Request {RequestId} answered from the cache (identical to {SourceId})", request.Id, source.Id);
        return ProcessOutcome.Completed;
    }

    private async Task<ProcessOutcome> CompleteAsync(GigaOfficeDbContext db, Guid id, int attempt, DateTime leaseUntil, string category, SpreadsheetAnswer answer, long started, Outcome outcome)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var processingMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        var resultJson = JsonSerializer.Serialize(answer, GigaOfficeJson.Options);
        var usage = outcome.Completion.Usage;
        var done = new CompletedRequest(now, resultJson, outcome.CacheKey, outcome.Completion.Model, outcome.PromptVersion,
            usage.PromptTokens, usage.CompletionTokens, usage.TotalTokens, processingMs, outcome.GigaChatMs) { PrecachedPromptTokens = usage.PrecachedPromptTokens };
        var stored = await StoreAsync(db, id, attempt, leaseUntil, ct => results.CompleteAsync(db, id, attempt, done, ct));
        if (!stored) return ProcessOutcome.Busy;
        // Only the worker that still owned the request counts it, so a takeover is not counted twice.
        // The metrics include the write the row's own times cannot.
        metrics.RequestFinished(category, completed: true, Stopwatch.GetElapsedTime(started).TotalMilliseconds, outcome.GigaChatMs, usage, errorCode: null);
        logger.LogInformation("Request {RequestId} completed in {ProcessingMs:F0} ms ({GigaChatMs:F0} ms in GigaChat), {Tokens} tokens",
            id, processingMs, outcome.GigaChatMs, usage.TotalTokens);
        return ProcessOutcome.Completed;
    }

    private async Task<ProcessOutcome> FailAsync(GigaOfficeDbContext db, Guid id, int attempt, DateTime leaseUntil, string category, string code, string message, long started, Outcome? outcome)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var processingMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        var usage = outcome?.Completion.Usage ?? new TokenUsage(0, 0, 0);
        // The model's tokens were spent even when its answer is unusable, so they are recorded.
        var stored = await StoreAsync(db, id, attempt, leaseUntil, ct => Owned(db, id, attempt).ExecuteUpdateAsync(s => s
            .SetProperty(r => r.Status, RequestStatus.Failed)
            .SetProperty(r => r.Attempts, attempt)
            .SetProperty(r => r.CompletedAt, now)
            .SetProperty(r => r.LeaseUntil, (DateTime?)null)
            .SetProperty(r => r.ErrorCode, code)
            .SetProperty(r => r.ErrorMessage, message)
            .SetProperty(r => r.RawAnswer, outcome == null ? null : outcome.Completion.RawAnswer)
            .SetProperty(r => r.Model, outcome == null ? null : outcome.Completion.Model)
            .SetProperty(r => r.PromptVersion, outcome == null ? null : outcome.PromptVersion)
            .SetProperty(r => r.PromptTokens, usage.PromptTokens)
            .SetProperty(r => r.CompletionTokens, usage.CompletionTokens)
            .SetProperty(r => r.TotalTokens, usage.TotalTokens)
            .SetProperty(r => r.PrecachedPromptTokens, usage.PrecachedPromptTokens)
            .SetProperty(r => r.ProcessingMs, processingMs)
            .SetProperty(r => r.GigaChatMs, outcome == null ? null : outcome.GigaChatMs), ct));
        if (stored) metrics.RequestFinished(category, completed: false, Stopwatch.GetElapsedTime(started).TotalMilliseconds, outcome?.GigaChatMs, usage, code);
        return stored ? ProcessOutcome.Failed : ProcessOutcome.Busy;
    }

    /// <summary>
    /// Writes a finished request, waiting out a database outage while this worker still owns the
    /// lease, so an answer already paid for is not thrown away. False: another worker took over.
    /// </summary>
    private async Task<bool> StoreAsync(GigaOfficeDbContext db, Guid id, int attempt, DateTime leaseUntil, Func<CancellationToken, Task<int>> write)
    {
        if (await WhileLeasedAsync(id, leaseUntil, () => write(CancellationToken.None)) == 1) return true;
        // A retried write whose first try did commit finds nothing left to change.
        if (await db.Requests.AnyAsync(r => r.Id == id && r.Attempts == attempt
                && (r.Status == RequestStatus.Completed || r.Status == RequestStatus.Failed), CancellationToken.None)) return true;
        logger.LogWarning("Request {RequestId}: its lease expired and another worker took it over; this result is discarded", id);
        return false;
    }

    /// <summary>A database step of a claimed request: a database outage is waited out while the lease lasts.</summary>
    private async Task<T> WhileLeasedAsync<T>(Guid id, DateTime leaseUntil, Func<Task<T>> step)
    {
        var delay = TimeSpan.FromMilliseconds(500);
        while (true)
        {
            try
            {
                return await step();
            }
            catch (Exception ex) when (DatabaseErrors.IsUnavailable(ex) && time.GetUtcNow().UtcDateTime + delay < leaseUntil)
            {
                logger.LogWarning("Database unavailable while handling request {RequestId}; retrying in {Delay}", id, delay);
                await Task.Delay(delay, time);
                delay = TimeSpan.FromSeconds(Math.Min(10, delay.TotalSeconds * 2));
            }
        }
    }

    private static DateTime TruncateToMicroseconds(DateTime value) => new(value.Ticks - value.Ticks % 10, DateTimeKind.Utc);

    /// <summary>Hands the request back: queued (due at <paramref name="notBefore"/>) and back in the outbox.</summary>
    private static Task<int> ReleaseAsync(GigaOfficeDbContext db, Guid id, int attempt, DateTime? notBefore, CancellationToken ct) =>
        Owned(db, id, attempt).ExecuteUpdateAsync(s => s
            .SetProperty(r => r.Status, RequestStatus.Queued)
            .SetProperty(r => r.Attempts, attempt)
            .SetProperty(r => r.LeaseUntil, notBefore)
            .SetProperty(r => r.PublishedAt, (DateTime?)null), ct);

    /// <summary>
    /// The request while this worker's attempt owns it: processing under its attempt number, or
    /// queued one attempt earlier, which only a claim undone by a PostgreSQL crash leaves behind
    /// (<see cref="WorkerQueries.NotFlushedOnPostgres"/>; a release or an expired lease keeps the
    /// number, and any other claim raises it). Writes through it set the attempt number again.
    /// </summary>
    private static IQueryable<AiRequest> Owned(GigaOfficeDbContext db, Guid id, int attempt) =>
        db.Requests.Where(r => r.Id == id && ((r.Status == RequestStatus.Processing && r.Attempts == attempt)
                                              || (r.Status == RequestStatus.Queued && r.Attempts == attempt - 1)));

    /// <summary>Exponential backoff with jitter, capped at a minute.</summary>
    private static TimeSpan Backoff(int attempt) =>
        TimeSpan.FromSeconds(Math.Min(60, Math.Pow(2, attempt)) * (0.75 + Random.Shared.NextDouble() * 0.5));

    /// <summary>Best effort: the recovery sweep picks the request up anyway once it is due.</summary>
    private void ScheduleRepublish(Guid id, TimeSpan delay) =>
        _ = Task.Delay(delay, time).ContinueWith(_ => queue.PublishAsync(id, CancellationToken.None).AsTask(), TaskScheduler.Default);
}
