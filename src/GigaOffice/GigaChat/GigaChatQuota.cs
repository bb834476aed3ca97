namespace GigaOffice.GigaChat;

/// <summary>
/// GigaChat's request-per-minute quota (<c>GIGACHAT_MAX_REQUESTS_PER_MINUTE</c>). Queue work waits
/// for a slot; synchronous calls take one or learn how long to wait.
/// </summary>
public interface IGigaChatQuota
{
    /// <summary>Waits until a call is allowed and takes the slot.</summary>
    ValueTask<QuotaSlot> AcquireAsync(CancellationToken cancellationToken);

    /// <summary>Takes a slot if one is free now; otherwise says how long until one frees up.</summary>
    ValueTask<TimeSpan?> TryAcquireAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Gives a slot back when the call it was taken for will not be made (another instance claimed
    /// the request meanwhile), so that it is not lost for the rest of the window.
    /// </summary>
    ValueTask ReturnAsync(QuotaSlot slot, CancellationToken cancellationToken);
}

/// <summary>A slot taken by <see cref="IGigaChatQuota.AcquireAsync"/>: its grant (if recorded) and how long it took to get.</summary>
public readonly record struct QuotaSlot(long? GrantId, TimeSpan Waited);

/// <summary>No limit: the dry-run model costs nothing.</summary>
public sealed class UnlimitedQuota : IGigaChatQuota
{
    public ValueTask<QuotaSlot> AcquireAsync(CancellationToken cancellationToken) => ValueTask.FromResult(default(QuotaSlot));
    public ValueTask<TimeSpan?> TryAcquireAsync(CancellationToken cancellationToken) => ValueTask.FromResult<TimeSpan?>(null);
    public ValueTask ReturnAsync(QuotaSlot slot, CancellationToken cancellationToken) => ValueTask.CompletedTask;
}
