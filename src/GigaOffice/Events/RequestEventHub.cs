using System.Collections.Concurrent;
using System.Threading.Channels;

namespace GigaOffice.Events;

/// <summary>
/// Who in this process waits for a request's next status: each open event stream subscribes to its
/// request, and whatever learns of a change (this instance's worker, PostgreSQL's notifications,
/// the SQLite watcher) wakes it. A wake-up carries no status: the stream reads it from the database,
/// so a duplicate or a stray one is harmless.
/// </summary>
public sealed class RequestEventHub
{
    private readonly ConcurrentDictionary<Guid, ConcurrentDictionary<Subscription, byte>> _subscribers = new();
    // The answer's text so far, for requests this instance's worker is streaming from GigaChat.
    private readonly ConcurrentDictionary<Guid, string> _texts = new();

    public Subscription Subscribe(Guid requestId)
    {
        var subscription = new Subscription(this, requestId);
        _subscribers.GetOrAdd(requestId, _ => new()).TryAdd(subscription, 0);
        return subscription;
    }

    public void Changed(Guid requestId)
    {
        if (!_subscribers.TryGetValue(requestId, out var subscribers)) return;
        foreach (var subscriber in subscribers.Keys) subscriber.Wake();
    }

    /// <summary>The model's text so far for a request in work here (GIGACHAT_STREAM_PROGRESS), and its streams wake.</summary>
    public void Streamed(Guid requestId, string text)
    {
        _texts[requestId] = text;
        Changed(requestId);
    }

    /// <summary>The text so far of a request this instance is streaming, or null.</summary>
    public string? StreamedText(Guid requestId) => _texts.GetValueOrDefault(requestId);

    /// <summary>The worker here is done with the request (finished, failed or back to the queue).</summary>
    public void Processed(Guid requestId)
    {
        _texts.TryRemove(requestId, out _);
        Changed(requestId);
    }

    /// <summary>Wakes every stream, e.g. after notifications may have been missed during a reconnect.</summary>
    public void ChangedAll()
    {
        foreach (var subscribers in _subscribers.Values)
        foreach (var subscriber in subscribers.Keys)
            subscriber.Wake();
    }

    /// <summary>The requests some stream waits for.</summary>
    public ICollection<Guid> Watched => _subscribers.Keys;

    private void Remove(Subscription subscription)
    {
        if (!_subscribers.TryGetValue(subscription.RequestId, out var subscribers)) return;
        subscribers.TryRemove(subscription, out _);
        // Empty sets are dropped; one added meanwhile by a new subscriber is kept.
        if (subscribers.IsEmpty) _subscribers.TryRemove(new KeyValuePair<Guid, ConcurrentDictionary<Subscription, byte>>(subscription.RequestId, subscribers));
    }

    public sealed class Subscription : IDisposable
    {
        private readonly RequestEventHub _hub;
        // One pending wake-up is enough: the stream reads the latest status anyway.
        private readonly Channel<bool> _wakeUps = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

        internal Subscription(RequestEventHub hub, Guid requestId) => (_hub, RequestId) = (hub, requestId);

        public Guid RequestId { get; }

        internal void Wake() => _wakeUps.Writer.TryWrite(true);

        /// <summary>True when woken, false when the time ran out first.</summary>
        public async Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
        {
            if (_wakeUps.Reader.TryRead(out _)) return true;
            using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timer.CancelAfter(timeout);
            try
            {
                await _wakeUps.Reader.ReadAsync(timer.Token);
                return true;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return false;
            }
        }

        public void Dispose() => _hub.Remove(this);
    }
}
