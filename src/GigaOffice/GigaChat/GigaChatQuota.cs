namespace GigaOffice.GigaChat;

/// <summary>
/// GigaChat's request-per-minute quota (<c>GIGACHAT_MAX_REQUESTS_PER_MINUTE</c>). Queue work waits
/// for a slot; synchronous calls take one or learn how long to wait.
/// </summary>
public interface IGigaChatQuota
{
    /// <summary>Waits until a call is allowed and takes the slot.</summary>
    ValueTask AcquireAsync(CancellationToken cancellationToken);

    /// <summary>Takes a slot if one is free now; otherwise says how long until one frees up.</summary>
    ValueTask<TimeSpan?> TryAcquireAsync(CancellationToken cancellationToken);
}

/// <summary>No limit: the dry-run model costs nothing.</summary>
public sealed class UnlimitedQuota : IGigaChatQuota
{
    public ValueTask AcquireAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;
    public ValueTask<TimeSpan?> TryAcquireAsync(CancellationToken cancellationToken) => ValueTask.FromResult<TimeSpan?>(null);
}
