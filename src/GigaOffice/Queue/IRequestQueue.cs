namespace GigaOffice.Queue;

/// <summary>
/// Carries "request N is ready to process" between the API and the workers. The database row
/// stays the source of truth: a notice may be lost or repeated, and the workers' conditional
/// claim plus the recovery sweep make either harmless.
/// </summary>
public interface IRequestQueue
{
    string Name { get; }

    /// <summary>
    /// True when notices survive a restart (Kafka). Such a queue publishes through the outbox
    /// (<see cref="Data.AiRequest.PublishedAt"/>), so recovery only re-announces requests whose worker
    /// died. False (in-process): recovery re-announces every unfinished request.
    /// </summary>
    bool IsDurable { get; }

    /// <summary>Announces a committed request (for the outbox-backed queue: wakes the relay).</summary>
    ValueTask PublishAsync(Guid requestId, CancellationToken cancellationToken);

    /// <summary>Delivers notices to <paramref name="handler"/>, up to <paramref name="concurrency"/> at once, until cancelled.</summary>
    Task ConsumeAsync(Func<Guid, CancellationToken, Task<ProcessOutcome>> handler, int concurrency, CancellationToken cancellationToken);

    /// <summary>Notices waiting to be consumed, as far as this instance can tell.</summary>
    long ApproximateDepth { get; }
}

/// <summary>What handling one notice did to its request; a durable queue decides from it what to acknowledge and publish.</summary>
public enum ProcessOutcome
{
    /// <summary>No such request.</summary>
    NotFound,
    /// <summary>Completed or failed before this notice: nothing was done.</summary>
    AlreadyFinished,
    /// <summary>Another worker holds a live lease, or a retry is not due yet (the outbox announces it when it is).</summary>
    Busy,
    Completed,
    Failed,
    /// <summary>Handed back (transient failure or shutdown); the outbox announces it again.</summary>
    Released,
}
