using System.Threading.Channels;
using GigaOffice.Data;

namespace GigaOffice.Requests;

/// <summary>
/// Group commit for accepted requests: concurrent POSTs share one transaction, so one disk flush.
/// A commit waits for its flush (about 3 ms on this kind of disk), and SQLite has a single writer,
/// so one commit per request capped accepting near 300/s; a batch per flush lifts that by the
/// batch size. Each caller still answers 202 only after its own row is committed.
/// </summary>
public sealed partial class AcceptedRequestWriter : IAsyncDisposable
{
    private const int MaxBatch = 256;
    private readonly Channel<Pending> _pending = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = false });
    private readonly IRequestStore _store;
    private readonly ILogger<AcceptedRequestWriter> _logger;
    private readonly Task[] _loops;

    public AcceptedRequestWriter(IRequestStore store, ILogger<AcceptedRequestWriter> logger)
    {
        _store = store;
        _logger = logger;
        _loops = Enumerable.Range(0, store.AcceptWriters).Select(_ => Task.Run(RunAsync)).ToArray();
    }

    /// <summary>Completes once the request's row is committed; throws what the database threw.</summary>
    public Task SaveAsync(AiRequest request)
    {
        var pending = new Pending(request, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_pending.Writer.TryWrite(pending)) throw new ObjectDisposedException(nameof(AcceptedRequestWriter));
        return pending.Done.Task;
    }

    private async Task RunAsync()
    {
        var batch = new List<Pending>(MaxBatch);
        while (await _pending.Reader.WaitToReadAsync())
        {
            while (batch.Count < MaxBatch && _pending.Reader.TryRead(out var next)) batch.Add(next);
            if (batch.Count == 0) continue;
            await WriteAsync(batch);
            batch.Clear();
        }
    }

    private async Task WriteAsync(IReadOnlyList<Pending> batch)
    {
        try
        {
            await _store.AcceptAsync(batch.Select(p => p.Request).ToList(), CancellationToken.None);
            foreach (var p in batch) p.Done.TrySetResult();
        }
        catch (Exception ex) when (batch.Count > 1)
        {
            // One bad row must not fail its neighbours: write them one by one.
            LogBatchFailed(ex, batch.Count);
            foreach (var p in batch) await WriteAsync([p]);
        }
        catch (Exception ex)
        {
            batch[0].Done.TrySetException(ex);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _pending.Writer.TryComplete();
        await Task.WhenAll(_loops);
    }

    [LoggerMessage(LogLevel.Warning, "Writing a batch of {Count} accepted requests failed; writing them one by one")]
    private partial void LogBatchFailed(Exception exception, int count);

    private sealed record Pending(AiRequest Request, TaskCompletionSource Done);
}
