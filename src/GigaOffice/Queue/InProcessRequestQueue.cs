using System.Collections.Concurrent;
using System.Threading.Channels;

namespace GigaOffice.Queue;

/// <summary>
/// The embedded default: a channel inside the process. Ids already waiting or in work are not
/// queued twice, so the recovery sweep can re-publish freely.
/// </summary>
public sealed class InProcessRequestQueue(ILogger<InProcessRequestQueue> logger) : IRequestQueue
{
    private readonly Channel<Guid> _channel = Channel.CreateUnbounded<Guid>(new UnboundedChannelOptions { SingleWriter = false });
    private readonly ConcurrentDictionary<Guid, byte> _pending = new();

    public string Name => "in-process";

    public bool IsDurable => false;

    public long ApproximateDepth => _channel.Reader.Count;

    public ValueTask PublishAsync(Guid requestId, CancellationToken cancellationToken)
    {
        if (_pending.TryAdd(requestId, 0)) _channel.Writer.TryWrite(requestId);
        return ValueTask.CompletedTask;
    }

    public async Task ConsumeAsync(Func<Guid, CancellationToken, Task<ProcessOutcome>> handler, int concurrency, CancellationToken cancellationToken)
    {
        var workers = Enumerable.Range(0, Math.Max(1, concurrency)).Select(async worker =>
        {
            try
            {
                await foreach (var id in _channel.Reader.ReadAllAsync(cancellationToken))
                {
                    try
                    {
                        await handler(id, cancellationToken);
                    }
                    catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
                    {
                        // The row keeps its state; the recovery sweep brings it back.
                        logger.LogError(ex, "Processing of request {RequestId} failed unexpectedly", id);
                    }
                    finally
                    {
                        _pending.TryRemove(id, out _);
                    }
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
            }
        });
        await Task.WhenAll(workers);
    }
}
