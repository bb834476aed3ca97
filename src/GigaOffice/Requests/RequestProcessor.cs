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
/// Processes one request: claim it, build the prompt, wait for quota, call the model, parse,
/// store. Every write is fenced by the attempt number, so a worker that lost its lease cannot
/// overwrite the work of the one that took over.
/// </summary>
public sealed class RequestProcessor(
    IServiceScopeFactory scopes,
    PromptCatalog prompts,
    PromptBuilder promptBuilder,
    AnswerParser parser,
    IGigaChatClient gigaChat,
    IGigaChatQuota quota,
    IRequestQueue queue,
    IOptions<GigaChatOptions> gigaChatOptions,
    IOptions<WorkerOptions> workerOptions,
    TimeProvider time,
    GigaOfficeMetrics metrics,
    ILogger<RequestProcessor> logger)
{
    private readonly WorkerOptions _worker = workerOptions.Value;
    private readonly int _maxTokens = gigaChatOptions.Value.MaxTokensPerRequest;

    public async Task ProcessAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GigaOfficeDbContext>();

        // Look before waiting for quota: a duplicate notice must not spend a slot.
        var now = time.GetUtcNow().UtcDateTime;
        if (!await Claimable(db, now).AnyAsync(r => r.Id == id, cancellationToken)) return;
        if (await quota.TryAcquireAsync(cancellationToken) is not null)
        {
            var waitStarted = Stopwatch.GetTimestamp();
            await quota.AcquireAsync(cancellationToken);
            metrics.QuotaWaited(Stopwatch.GetElapsedTime(waitStarted));
        }

        now = time.GetUtcNow().UtcDateTime;
        var leaseUntil = now.AddSeconds(_worker.LeaseSeconds);
        var claimed = await Claimable(db, now).Where(r => r.Id == id).ExecuteUpdateAsync(s => s
            .SetProperty(r => r.Status, RequestStatus.Processing)
            .SetProperty(r => r.StartedAt, now)
            .SetProperty(r => r.LeaseUntil, leaseUntil)
            .SetProperty(r => r.Attempts, r => r.Attempts + 1), cancellationToken);
        if (claimed == 0) return;

        var request = await db.Requests.AsNoTracking().FirstAsync(r => r.Id == id, cancellationToken);
        var attempt = request.Attempts;
        var started = Stopwatch.GetTimestamp();
        using var logScope = logger.BeginScope(new Dictionary<string, object?> { ["RequestId"] = id, ["CorrelationId"] = request.CorrelationId });
        using var activity = GigaOfficeMetrics.ActivitySource.StartActivity("ProcessRequest");
        activity?.SetTag("gigaoffice.request_id", id).SetTag("gigaoffice.category", request.Category).SetTag("gigaoffice.attempt", attempt);
        try
        {
            var snapshot = await prompts.GetAsync(cancellationToken);
            var category = snapshot.Find(request.Category)
                           ?? throw new GigaChatException("unknown_category", $"Категория «{request.Category}» больше не существует.", transient: false);
            var context = new RequestContext(category.Name, request.QueryText, request.InputRange,
                request.InputDataJson is null ? null : JsonSerializer.Deserialize<JsonElement>(request.InputDataJson));
            var prompt = promptBuilder.Build(category, context, _maxTokens);

            var callStarted = Stopwatch.GetTimestamp();
            var completion = await gigaChat.CompleteAsync(new GigaChatRequest(prompt.Messages, context, id.ToString()), cancellationToken);
            var gigaChatMs = Stopwatch.GetElapsedTime(callStarted).TotalMilliseconds;

            var finishFailure = completion.FinishReason switch
            {
                "blacklist" => ("content_refused", "Модель отказалась отвечать на эту тему. Переформулируйте запрос."),
                "length" => ("truncated", "Ответ модели оборвался: не хватило лимита токенов. Уменьшите диапазон или упростите запрос."),
                "error" => ("upstream_error", "Модель вернула ошибку при генерации ответа. Повторите запрос позже."),
                _ => default((string, string)?),
            };
            var parsed = finishFailure is null ? parser.Parse(completion.Content, category.ResultKind) : null;
            var outcome = new Outcome(completion, gigaChatMs, category.Version);
            if (finishFailure is { } f)
                await FailAsync(db, request, f.Item1, f.Item2, started, outcome, cancellationToken);
            else if (parsed!.Answer is null)
                await FailAsync(db, request, "unparseable_answer", $"Не удалось разобрать ответ модели: {parsed.FailureReason}.", started, outcome, cancellationToken);
            else
                await CompleteAsync(db, request, parsed.Answer with { DataTruncated = prompt.DataTruncated }, started, outcome, cancellationToken);
        }
        catch (GigaChatException ex) when (ex.Transient && attempt < _worker.MaxAttempts && !cancellationToken.IsCancellationRequested)
        {
            var delay = ex.RetryAfter ?? Backoff(attempt);
            logger.LogWarning("Request {RequestId} attempt {Attempt} failed with {Code}; retrying in {Delay}", id, attempt, ex.Code, delay);
            metrics.RetryScheduled(ex.Code);
            await ReleaseAsync(db, id, attempt, time.GetUtcNow().UtcDateTime + delay, CancellationToken.None);
            ScheduleRepublish(id, delay);
        }
        catch (GigaChatException ex)
        {
            logger.LogWarning("Request {RequestId} failed with {Code}", id, ex.Code);
            await FailAsync(db, request, ex.Code, ex.UserMessage, started, null, CancellationToken.None);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Shutting down: hand the request back so the next worker starts it at once.
            await ReleaseAsync(db, id, attempt, null, CancellationToken.None);
        }
        catch (Exception ex) when (attempt < _worker.MaxAttempts)
        {
            logger.LogError(ex, "Request {RequestId} attempt {Attempt} failed unexpectedly; will retry", id, attempt);
            metrics.RetryScheduled("internal_error");
            var delay = Backoff(attempt);
            try { await ReleaseAsync(db, id, attempt, time.GetUtcNow().UtcDateTime + delay, CancellationToken.None); }
            catch (Exception releaseError) { logger.LogWarning(releaseError, "Could not release request {RequestId}; its lease will expire", id); }
            ScheduleRepublish(id, delay);
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Request {RequestId} failed after {Attempt} attempts", id, attempt);
            await FailAsync(db, request, "internal_error", "Внутренняя ошибка сервиса при обработке запроса. Администратор может найти подробности в журнале по идентификатору запроса.", started, null, CancellationToken.None);
        }
    }

    /// <summary>Requests a worker may take: queued and due, or processing with an expired lease.</summary>
    public static IQueryable<AiRequest> Claimable(GigaOfficeDbContext db, DateTime now) =>
        db.Requests.Where(r => (r.Status == RequestStatus.Queued && (r.LeaseUntil == null || r.LeaseUntil <= now))
                               || (r.Status == RequestStatus.Processing && r.LeaseUntil < now));

    private sealed record Outcome(GigaChatCompletion Completion, double GigaChatMs, int PromptVersion);

    private async Task CompleteAsync(GigaOfficeDbContext db, AiRequest request, SpreadsheetAnswer answer, long started, Outcome outcome, CancellationToken ct)
    {
        var (id, attempt) = (request.Id, request.Attempts);
        var now = time.GetUtcNow().UtcDateTime;
        var processingMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        var resultJson = JsonSerializer.Serialize(answer, GigaOfficeJson.Options);
        var usage = outcome.Completion.Usage;
        var stored = await Owned(db, id, attempt).ExecuteUpdateAsync(s => s
            .SetProperty(r => r.Status, RequestStatus.Completed)
            .SetProperty(r => r.CompletedAt, now)
            .SetProperty(r => r.LeaseUntil, (DateTime?)null)
            .SetProperty(r => r.ResultJson, resultJson)
            .SetProperty(r => r.Model, outcome.Completion.Model)
            .SetProperty(r => r.PromptVersion, outcome.PromptVersion)
            .SetProperty(r => r.PromptTokens, usage.PromptTokens)
            .SetProperty(r => r.CompletionTokens, usage.CompletionTokens)
            .SetProperty(r => r.TotalTokens, usage.TotalTokens)
            .SetProperty(r => r.ProcessingMs, processingMs)
            .SetProperty(r => r.GigaChatMs, outcome.GigaChatMs), ct);
        // Only the worker that still owned the request counts it, so a takeover is not counted twice.
        if (stored > 0) metrics.RequestFinished(request.Category, completed: true, processingMs, outcome.GigaChatMs, usage, errorCode: null);
        logger.LogInformation("Request {RequestId} completed in {ProcessingMs:F0} ms ({GigaChatMs:F0} ms in GigaChat), {Tokens} tokens",
            id, processingMs, outcome.GigaChatMs, usage.TotalTokens);
    }

    private async Task FailAsync(GigaOfficeDbContext db, AiRequest request, string code, string message, long started, Outcome? outcome, CancellationToken ct)
    {
        var (id, attempt) = (request.Id, request.Attempts);
        var now = time.GetUtcNow().UtcDateTime;
        var processingMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        var usage = outcome?.Completion.Usage ?? new TokenUsage(0, 0, 0);
        // The model's tokens were spent even when its answer is unusable, so they are recorded.
        var stored = await Owned(db, id, attempt).ExecuteUpdateAsync(s => s
            .SetProperty(r => r.Status, RequestStatus.Failed)
            .SetProperty(r => r.CompletedAt, now)
            .SetProperty(r => r.LeaseUntil, (DateTime?)null)
            .SetProperty(r => r.ErrorCode, code)
            .SetProperty(r => r.ErrorMessage, message)
            .SetProperty(r => r.RawAnswer, outcome == null ? null : outcome.Completion.Content)
            .SetProperty(r => r.Model, outcome == null ? null : outcome.Completion.Model)
            .SetProperty(r => r.PromptVersion, outcome == null ? null : outcome.PromptVersion)
            .SetProperty(r => r.PromptTokens, usage.PromptTokens)
            .SetProperty(r => r.CompletionTokens, usage.CompletionTokens)
            .SetProperty(r => r.TotalTokens, usage.TotalTokens)
            .SetProperty(r => r.ProcessingMs, processingMs)
            .SetProperty(r => r.GigaChatMs, outcome == null ? null : outcome.GigaChatMs), ct);
        if (stored > 0) metrics.RequestFinished(request.Category, completed: false, processingMs, outcome?.GigaChatMs, usage, code);
    }

    private static Task<int> ReleaseAsync(GigaOfficeDbContext db, Guid id, int attempt, DateTime? notBefore, CancellationToken ct) =>
        Owned(db, id, attempt).ExecuteUpdateAsync(s => s
            .SetProperty(r => r.Status, RequestStatus.Queued)
            .SetProperty(r => r.LeaseUntil, notBefore), ct);

    private static IQueryable<AiRequest> Owned(GigaOfficeDbContext db, Guid id, int attempt) =>
        db.Requests.Where(r => r.Id == id && r.Status == RequestStatus.Processing && r.Attempts == attempt);

    /// <summary>Exponential backoff with jitter, capped at a minute.</summary>
    private static TimeSpan Backoff(int attempt) =>
        TimeSpan.FromSeconds(Math.Min(60, Math.Pow(2, attempt)) * (0.75 + Random.Shared.NextDouble() * 0.5));

    /// <summary>Best effort: the recovery sweep picks the request up anyway once it is due.</summary>
    private void ScheduleRepublish(Guid id, TimeSpan delay) =>
        _ = Task.Delay(delay, time).ContinueWith(_ => queue.PublishAsync(id, CancellationToken.None).AsTask(), TaskScheduler.Default);
}
