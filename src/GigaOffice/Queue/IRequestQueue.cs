namespace GigaOffice.Queue;

/// <summary>
/// Carries "request N is ready to process" between the API and the workers. The database row
/// stays the source of truth: a notice may be lost or repeated, and the workers' conditional
/// claim plus the recovery sweep make either harmless.
/// </summary>
public interface IRequestQueue
{
    string Name { get; }

    ValueTask PublishAsync(Guid requestId, CancellationToken cancellationToken);

    /// <summary>Delivers notices to <paramref name="handler"/>, up to <paramref name="concurrency"/> at once, until cancelled.</summary>
    Task ConsumeAsync(Func<Guid, CancellationToken, Task> handler, int concurrency, CancellationToken cancellationToken);

    /// <summary>Notices waiting to be consumed, as far as this instance can tell.</summary>
    long ApproximateDepth { get; }
}
