namespace GigaOffice.Requests;

// The processor's log messages, defined once (LoggerMessage): no boxing or template parsing per request.
public sealed partial class RequestProcessor
{
    [LoggerMessage(LogLevel.Debug, "Calling GigaChat for request {RequestId}, attempt {Attempt}")]
    private partial void LogCalling(Guid requestId, int attempt);

    [LoggerMessage(LogLevel.Information, "Request {RequestId} completed in {ProcessingMs:F0} ms ({GigaChatMs:F0} ms in GigaChat), {Tokens} tokens")]
    private partial void LogCompleted(Guid requestId, double processingMs, double gigaChatMs, int tokens);

    [LoggerMessage(LogLevel.Information, "Request {RequestId} answered from the cache (identical to {SourceId})")]
    private partial void LogFromCache(Guid requestId, Guid sourceId);

    [LoggerMessage(LogLevel.Information, "Request {RequestId}: the model's answer was repaired: {Repairs}")]
    private partial void LogRepaired(Guid requestId, string repairs);

    [LoggerMessage(LogLevel.Warning, "Request {RequestId}: the model's answer is unusable ({Reason}: {Detail})")]
    private partial void LogUnusable(Guid requestId, string? reason, string? detail);

    [LoggerMessage(LogLevel.Warning, "Request {RequestId} attempt {Attempt} failed with {Code}; retrying in {Delay}")]
    private partial void LogRetrying(Guid requestId, int attempt, string code, TimeSpan delay);

    [LoggerMessage(LogLevel.Warning, "Request {RequestId} failed with {Code}")]
    private partial void LogFailedWith(Guid requestId, string code);

    [LoggerMessage(LogLevel.Information, "Shutting down: request {RequestId} handed back to the queue")]
    private partial void LogHandedBack(Guid requestId);

    [LoggerMessage(LogLevel.Error, "Request {RequestId} attempt {Attempt} failed unexpectedly; will retry")]
    private partial void LogUnexpected(Exception exception, Guid requestId, int attempt);

    [LoggerMessage(LogLevel.Warning, "Could not release request {RequestId}; its lease will expire")]
    private partial void LogReleaseFailed(Exception exception, Guid requestId);

    [LoggerMessage(LogLevel.Error, "Request {RequestId} failed after {Attempt} attempts")]
    private partial void LogGaveUp(Exception exception, Guid requestId, int attempt);

    [LoggerMessage(LogLevel.Warning, "Request {RequestId}: its lease expired and another worker took it over; this result is discarded")]
    private partial void LogTakenOver(Guid requestId);

    [LoggerMessage(LogLevel.Warning, "Database unavailable while handling request {RequestId}; retrying in {Delay}")]
    private partial void LogDatabaseUnavailable(Guid requestId, TimeSpan delay);
}
