using System.Diagnostics;
using System.Text.Json;
using GigaOffice.Answers;
using GigaOffice.Configuration;
using GigaOffice.Data;
using GigaOffice.GigaChat;
using GigaOffice.Metrics;
using GigaOffice.Prompts;
using GigaOffice.Queue;
using Microsoft.Extensions.Options;

namespace GigaOffice.Requests;

/// <summary>
/// Processes one request in named steps over one <see cref="AttemptContext"/>: read it, answer it
/// from the cache or wait for quota, claim it (mostly while the model is called), call the model,
/// parse, store. Every write after the claim is fenced by the attempt number (<see cref="IRequestStore"/>).
/// </summary>
public sealed partial class RequestProcessor(
    PromptCatalog prompts,
    MeasuredPrompts promptBuilder,
    AnswerParser parser,
    IGigaChatClient gigaChat,
    IGigaChatQuota quota,
    IRequestQueue queue,
    IRequestStore store,
    ThisInstance instance,
    Events.RequestEventHub events,
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

    private DateTime Now => time.GetUtcNow().UtcDateTime;
    private TimeSpan Lease => TimeSpan.FromSeconds(_worker.LeaseSeconds);

    public async Task<ProcessOutcome> ProcessAsync(Guid id, CancellationToken cancellationToken)
    {
        // Look before waiting for quota: a duplicate notice must not spend a slot, nor a cached answer.
        var request = await store.FindClaimableAsync(id, Now, cancellationToken);
        if (request is null) return await WhyNotClaimableAsync(id, cancellationToken);
        if (_cache.Enabled && await TryAnswerFromCacheAsync(request, cancellationToken) is { } cached) return cached;

        var slot = await quota.AcquireAsync(cancellationToken);
        if (slot.Waited > TimeSpan.Zero) metrics.QuotaWaited(slot.Waited);
        var attempt = new AttemptContext(request, RequestClaim.For(request, Now, Lease), slot);
        using var logScope = logger.BeginScope(new Dictionary<string, object?> { ["RequestId"] = id, ["CorrelationId"] = request.CorrelationId });
        using var activity = GigaOfficeMetrics.ActivitySource.StartActivity("ProcessRequest");
        activity?.SetTag("gigaoffice.request_id", id).SetTag("gigaoffice.category", request.Category).SetTag("gigaoffice.attempt", attempt.Number);

        using var abandon = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (ReadByThisWorkerAlone(attempt)) attempt.Call = StartCall(attempt, abandon);
        if (!await ClaimAsync(attempt))
        {
            // Another worker took the request while this one waited for quota or sent the call.
            if (attempt.Call is not null && await attempt.Call.AbandonAsync()) metrics.CallAbandoned();
            else await quota.ReturnAsync(slot, CancellationToken.None); // the model was never asked: the slot is unused
            return await WhyNotClaimableAsync(id, cancellationToken);
        }
        attempt.Call ??= StartCall(attempt, abandon);
        return await FinishAsync(attempt, cancellationToken);
    }

    /// <summary>
    /// Where no other worker should be reading the request now, the model is called while the claim
    /// goes to the database, so the claim's round trip hides in the model's wait. Kafka hands each
    /// notice to one worker; the in-process queue hands this instance's queued requests to it alone,
    /// as other instances' sweeps leave them to it while it is alive (InstanceHeartbeat). The row
    /// was claimable a moment ago, so the claim is lost only to a worker that read it at the same
    /// time, and then the call is cancelled at once and counted as abandoned. Elsewhere the claim
    /// comes first: a request taken up from a dead instance is read by the sweeps of all the
    /// others, and one that waited for quota may have been read by another worker meanwhile.
    /// </summary>
    private bool ReadByThisWorkerAlone(AttemptContext attempt) =>
        attempt.Slot.Waited == TimeSpan.Zero
        && (queue.IsDurable || (attempt.Request.Status == RequestStatus.Queued && attempt.Request.AcceptedBy == instance.Id));

    /// <summary>
    /// Step: the claim. Not cancellable: once claimed, the request must reach <see cref="FinishAsync"/>,
    /// which hands it back on shutdown. A retried claim whose first try did commit (the answer was
    /// lost with the connection) finds no claimable row; the times it wrote tell that the claim is ours.
    /// </summary>
    private async Task<bool> ClaimAsync(AttemptContext attempt)
    {
        try
        {
            var tries = 0;
            return await WhileLeasedAsync(attempt, () => { tries++; return store.ClaimAsync(attempt.Claim, CancellationToken.None); })
                   || (tries > 1 && await WhileLeasedAsync(attempt, () => store.HoldsClaimAsync(attempt.Claim, CancellationToken.None)));
        }
        catch
        {
            if (attempt.Call is not null) await attempt.Call.AbandonAsync();
            throw;
        }
    }

    /// <summary>Step: the model's answer, parsed and stored; or the attempt's failure, retried or stored.</summary>
    private async Task<ProcessOutcome> FinishAsync(AttemptContext attempt, CancellationToken cancellationToken)
    {
        try
        {
            var answer = await attempt.Call!.Result;
            using var inputToReturn = answer.Input; // its pooled buffers go back once the result is stored
            // The model has answered (and been paid): stored even if shutdown begins now.
            return await StoreAnswerAsync(attempt, answer);
        }
        catch (GigaChatException ex) when (ex.Transient && attempt.Number < _worker.MaxAttempts && !cancellationToken.IsCancellationRequested)
        {
            var delay = ex.RetryAfter ?? Backoff(attempt.Number);
            LogRetrying(attempt.Id, attempt.Number, ex.Code, delay);
            metrics.RetryScheduled(ex.Code);
            await store.ReleaseAsync(attempt.Id, attempt.Number, Now + delay, CancellationToken.None);
            ScheduleRepublish(attempt.Id, delay);
            return ProcessOutcome.Released;
        }
        catch (GigaChatException ex)
        {
            LogFailedWith(attempt.Id, ex.Code);
            return await FailAsync(attempt, ex.Code, ex.UserMessage, null);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Shutting down: hand the request back so the next worker starts it at once.
            LogHandedBack(attempt.Id);
            await store.ReleaseAsync(attempt.Id, attempt.Number, null, CancellationToken.None);
            return ProcessOutcome.Released;
        }
        catch (Exception ex) when (attempt.Number < _worker.MaxAttempts)
        {
            LogUnexpected(ex, attempt.Id, attempt.Number);
            metrics.RetryScheduled("internal_error");
            var delay = Backoff(attempt.Number);
            try { await store.ReleaseAsync(attempt.Id, attempt.Number, Now + delay, CancellationToken.None); }
            catch (Exception releaseError) { LogReleaseFailed(releaseError, attempt.Id); }
            ScheduleRepublish(attempt.Id, delay);
            return ProcessOutcome.Released;
        }
        catch (Exception ex)
        {
            LogGaveUp(ex, attempt.Id, attempt.Number);
            return await FailAsync(attempt, "internal_error", "Внутренняя ошибка сервиса при обработке запроса. Администратор может найти подробности в журнале по идентификатору запроса.", null);
        }
    }

    private async Task<ProcessOutcome> StoreAnswerAsync(AttemptContext attempt, ModelAnswer answer)
    {
        var (category, context, prompt, completion, gigaChatMs, _) = answer;
        var outcome = new Outcome(completion, gigaChatMs, category.Version, ResultCacheKey.For(attempt.Request, category.Version, gigaChat.Mode, _model));
        var finishFailure = completion.FinishReason switch
        {
            "blacklist" => ("content_refused", "Модель отказалась отвечать на эту тему. Переформулируйте запрос."),
            "length" => ("truncated", "Ответ модели оборвался: не хватило лимита токенов. Уменьшите диапазон или упростите запрос."),
            "error" => ("upstream_error", "Модель вернула ошибку при генерации ответа. Повторите запрос позже."),
            _ => default((string, string)?),
        };
        if (finishFailure is { } f) return await FailAsync(attempt, f.Item1, f.Item2, outcome);

        var parsed = parser.Parse(completion, new AnswerContext(category.Name, category.ResultKind, context.InputRange, context.InputData));
        if (parsed is { Success: true, Repairs.Count: > 0 }) LogRepaired(attempt.Id, string.Join("; ", parsed.Repairs));
        else if (parsed is { Success: false }) LogUnusable(attempt.Id, parsed.FailureKind, parsed.FailureReason);
        if (parsed.Answer is null)
            return await FailAsync(attempt, "unparseable_answer", $"Не удалось разобрать ответ модели: {parsed.FailureReason}.", outcome);

        // The output boundary: only allowlisted formulas reach a sheet (input echoed back and the model's own).
        var resultJson = JsonSerializer.Serialize(Answers.FormulaPolicy.Apply(parsed.Answer with { DataTruncated = prompt.DataTruncated }), GigaOfficeJson.Options);
        var usage = completion.Usage;
        var done = new CompletedRequest(Now, resultJson, outcome.CacheKey, completion.Model, outcome.PromptVersion,
            usage.PromptTokens, usage.CompletionTokens, usage.TotalTokens, attempt.ElapsedMs, gigaChatMs) { PrecachedPromptTokens = usage.PrecachedPromptTokens };
        if (!await StoreAsync(attempt, ct => store.CompleteAsync(attempt.Id, attempt.Number, done, ct))) return ProcessOutcome.Busy;
        // Only the worker that still owned the request counts it, so a takeover is not counted twice.
        // The metrics include the write the row's own times cannot.
        metrics.RequestFinished(attempt.Request.Category, completed: true, attempt.ElapsedMs, gigaChatMs, usage, errorCode: null);
        LogCompleted(attempt.Id, done.ProcessingMs, gigaChatMs, usage.TotalTokens);
        return ProcessOutcome.Completed;
    }

    private async Task<ProcessOutcome> FailAsync(AttemptContext attempt, string code, string message, Outcome? outcome)
    {
        var usage = outcome?.Completion.Usage ?? new TokenUsage(0, 0, 0);
        var failed = new FailedRequest(Now, code, message, outcome?.Completion.RawAnswer, outcome?.Completion.Model, outcome?.PromptVersion,
            usage.PromptTokens, usage.CompletionTokens, usage.TotalTokens, attempt.ElapsedMs, outcome?.GigaChatMs) { PrecachedPromptTokens = usage.PrecachedPromptTokens };
        if (!await StoreAsync(attempt, ct => store.FailAsync(attempt.Id, attempt.Number, failed, ct))) return ProcessOutcome.Busy;
        metrics.RequestFinished(attempt.Request.Category, completed: false, attempt.ElapsedMs, outcome?.GigaChatMs, usage, code);
        return ProcessOutcome.Failed;
    }

    private sealed record Outcome(GigaChatCompletion Completion, double GigaChatMs, int PromptVersion, string CacheKey);

    /// <summary>
    /// Step, instead of the model: completes the request with the answer of an identical request
    /// completed within the cache time: no quota slot, no tokens. Null when there is none.
    /// </summary>
    private async Task<ProcessOutcome?> TryAnswerFromCacheAsync(AiRequest request, CancellationToken ct)
    {
        var snapshot = await prompts.GetAsync(ct);
        if (snapshot.Find(request.Category) is not { } category) return null;
        var key = ResultCacheKey.For(request, category.Version, gigaChat.Mode, _model);
        var source = await store.FindCacheSourceAsync(key, Now.AddSeconds(-_cache.TtlSeconds), request.Id, ct);
        if (source is null) return null;

        var attempt = new AttemptContext(request, RequestClaim.For(request, Now, Lease), default);
        if (!await ClaimAsync(attempt)) return ProcessOutcome.Busy; // another worker has it
        var done = new CachedCompletion(Now, source, key, category.Version, attempt.ElapsedMs);
        if (!await StoreAsync(attempt, c => store.CompleteFromCacheAsync(attempt.Id, attempt.Number, done, c))) return ProcessOutcome.Busy;
        LogFromCache(request.Id, source.Id);
        return ProcessOutcome.Completed;
    }

    private async Task<ProcessOutcome> WhyNotClaimableAsync(Guid id, CancellationToken ct) =>
        await store.FindStatusAsync(id, ct) switch
        {
            null => ProcessOutcome.NotFound,
            RequestStatus.Completed or RequestStatus.Failed => ProcessOutcome.AlreadyFinished,
            _ => ProcessOutcome.Busy,
        };

    private ModelCall StartCall(AttemptContext attempt, CancellationTokenSource abandon)
    {
        var call = new ModelCall(abandon);
        call.Result = CallModelAsync(call, attempt, abandon.Token);
        return call;
    }

    /// <summary>Step: the prompt built from the stored request, and the model's answer to it.</summary>
    private async Task<ModelAnswer> CallModelAsync(ModelCall call, AttemptContext attempt, CancellationToken cancellationToken)
    {
        var request = attempt.Request;
        var snapshot = await prompts.GetAsync(cancellationToken);
        var category = snapshot.Find(request.Category)
                       ?? throw new GigaChatException("unknown_category", $"Категория «{request.Category}» больше не существует.", transient: false);
        // Parsed in place, over the stored UTF-8, rather than deserialized to a JsonElement: that copies the document.
        var input = request.InputDataJson is null ? null : JsonDocument.Parse(request.InputDataJson.AsMemory());
        try
        {
            var context = new RequestContext(category.Name, request.QueryText, request.InputRange, input?.RootElement)
            {
                TableInfo = request.TableInfoJson is null ? null : JsonSerializer.Deserialize<RequiredTableInfo>(request.TableInfoJson, GigaOfficeJson.Options),
                InputStyles = request.InputStylesJson is null ? null : JsonSerializer.Deserialize<JsonElement>(request.InputStylesJson),
            };
            var prompt = await promptBuilder.BuildAsync(category, context, _maxTokens, cancellationToken);
            LogCalling(request.Id, attempt.Number);
            var callStarted = Stopwatch.GetTimestamp();
            call.Sent = true;
            var completion = await gigaChat.CompleteAsync(new GigaChatRequest(prompt.Messages, context, request.Id.ToString())
            {
                OnText = text => events.Streamed(request.Id, text),
            }, cancellationToken);
            return new ModelAnswer(category, context, prompt, completion, Stopwatch.GetElapsedTime(callStarted).TotalMilliseconds, input);
        }
        catch
        {
            input?.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Writes a finished request, waiting out a database outage while this attempt still owns the
    /// lease, so an answer already paid for is not thrown away. False: another worker took over.
    /// </summary>
    private async Task<bool> StoreAsync(AttemptContext attempt, Func<CancellationToken, Task<bool>> write)
    {
        if (await WhileLeasedAsync(attempt, () => write(CancellationToken.None))) return true;
        // A retried write whose first try did commit finds nothing left to change.
        if (await store.IsFinishedByAsync(attempt.Id, attempt.Number, CancellationToken.None)) return true;
        LogTakenOver(attempt.Id);
        return false;
    }

    /// <summary>A database step of a claimed request: a database outage is waited out while the lease lasts.</summary>
    private async Task<T> WhileLeasedAsync<T>(AttemptContext attempt, Func<Task<T>> step)
    {
        var delay = TimeSpan.FromMilliseconds(500);
        while (true)
        {
            try
            {
                return await step();
            }
            catch (Exception ex) when (DatabaseErrors.IsUnavailable(ex) && Now + delay < attempt.Claim.LeaseUntil)
            {
                LogDatabaseUnavailable(attempt.Id, delay);
                await Task.Delay(delay, time);
                delay = TimeSpan.FromSeconds(Math.Min(10, delay.TotalSeconds * 2));
            }
        }
    }

    /// <summary>Exponential backoff with jitter, capped at a minute.</summary>
    private static TimeSpan Backoff(int attempt) =>
        TimeSpan.FromSeconds(Math.Min(60, Math.Pow(2, attempt)) * (0.75 + Random.Shared.NextDouble() * 0.5));

    /// <summary>Best effort: the recovery sweep picks the request up anyway once it is due.</summary>
    private void ScheduleRepublish(Guid id, TimeSpan delay) =>
        _ = Task.Delay(delay, time).ContinueWith(_ => queue.PublishAsync(id, CancellationToken.None).AsTask(), TaskScheduler.Default);
}
