using System.Collections.Concurrent;
using Confluent.Kafka;
using GigaOffice.Configuration;
using GigaOffice.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace GigaOffice.Queue.Kafka;

/// <summary>
/// Kafka as the queue. Publishing goes through the outbox (the API commits the row, the relay
/// produces the notice); consuming is at-least-once: a message's offset is committed only after
/// its request is stored, found finished, owned by another worker, or back in the outbox.
/// </summary>
public sealed class KafkaRequestQueue(
    IOptions<KafkaOptions> options, OutboxSignal outbox, KafkaProducer producer, KafkaResponsePublisher responses, ILoggerFactory loggers)
    : IRequestQueue
{
    public string Name => "kafka";

    public bool IsDurable => true;

    public long ApproximateDepth => outbox.Backlog;

    public ValueTask PublishAsync(Guid requestId, CancellationToken cancellationToken)
    {
        outbox.Nudge();
        return ValueTask.CompletedTask;
    }

    public Task ConsumeAsync(Func<Guid, CancellationToken, Task<ProcessOutcome>> handler, int concurrency, CancellationToken cancellationToken)
    {
        var consumer = new KafkaRequestConsumer(options.Value, producer, responses, handler, Math.Max(1, concurrency), loggers.CreateLogger<KafkaRequestConsumer>());
        // librdkafka's Consume blocks: give the poll loop a thread of its own.
        return Task.Factory.StartNew(() => consumer.Run(cancellationToken), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }
}

/// <summary>Reads the responses topic's document from the stored row and publishes it.</summary>
public sealed class KafkaResponsePublisher(IServiceScopeFactory scopes, KafkaProducer producer, IOptions<KafkaOptions> options)
{
    /// <summary>False only when cancelled before the broker acknowledged.</summary>
    public async Task<bool> PublishAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GigaOfficeDbContext>();
        var row = await db.Requests.AsNoTracking().FirstOrDefaultAsync(r => r.Id == id, cancellationToken);
        if (row is null || row.Status is not (RequestStatus.Completed or RequestStatus.Failed)) return true;
        return await producer.DeliverAsync(options.Value.TopicResponses, KafkaMessages.Response(Requests.RequestResultResponse.Of(row)), cancellationToken);
    }
}

/// <summary>
/// One poll loop: dispatches messages to up to <c>concurrency</c> handlers, pauses the partitions
/// while all are busy (so the loop keeps polling and the group keeps this member), and commits
/// per partition only up to the oldest message still in work.
/// </summary>
internal sealed class KafkaRequestConsumer(
    KafkaOptions options, KafkaProducer producer, KafkaResponsePublisher responses,
    Func<Guid, CancellationToken, Task<ProcessOutcome>> handler, int concurrency, ILogger<KafkaRequestConsumer> logger)
{
    private readonly ConcurrentQueue<(PartitionTracker Tracker, long Offset)> _finished = new();
    private readonly Dictionary<TopicPartition, PartitionTracker> _trackers = new();
    private readonly ConcurrentDictionary<Task, byte> _running = new();
    /// <summary>Handlers still processing; one that only publishes its response no longer counts.</summary>
    private int _processing;
    /// <summary>Consumed, waiting for a free handler (poll thread only).</summary>
    private readonly Queue<(ConsumeResult<string, string> Message, PartitionTracker Tracker)> _backlog = new();
    private int BacklogLimit => Math.Max(32, concurrency * 8);
    private bool _assignmentChanged;

    public void Run(CancellationToken stopping)
    {
        var config = new ConsumerConfig(KafkaClientConfig.From(options))
        {
            GroupId = options.ConsumerGroup,
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            SessionTimeoutMs = options.SessionTimeoutMs,
            AllowAutoCreateTopics = true,
        };
        using var consumer = new ConsumerBuilder<string, string>(config)
            .SetLogHandler((_, m) => KafkaClientConfig.Log(logger, m))
            .SetErrorHandler(KafkaClientConfig.ErrorLogger(logger, "consumer"))
            .SetPartitionsAssignedHandler((_, partitions) =>
            {
                logger.LogInformation("Assigned partitions {Partitions}", string.Join(", ", partitions.Select(p => p.Partition.Value)));
                _assignmentChanged = true;
            })
            .SetPartitionsRevokedHandler((c, partitions) =>
            {
                // Work already done is committed before another member takes the partitions over;
                // messages still in work will be delivered to it again (the claim makes that harmless).
                Commit(c, partitions.Select(p => p.TopicPartition));
                Forget(partitions.Select(p => p.TopicPartition));
            })
            .SetPartitionsLostHandler((_, partitions) => Forget(partitions.Select(p => p.TopicPartition)))
            .Build();

        consumer.Subscribe(options.TopicRequests);
        logger.LogInformation("Consuming {Topic} as group {Group}", options.TopicRequests, options.ConsumerGroup);
        var paused = false;
        while (!stopping.IsCancellationRequested)
        {
            Commit(consumer, null);
            while (_backlog.Count > 0 && Volatile.Read(ref _processing) < concurrency)
            {
                var (message, tracker) = _backlog.Dequeue();
                Dispatch(message, tracker, stopping);
            }
            // Pausing makes librdkafka drop and later re-fetch what it prefetched, so it is kept for a real
            // backlog, with hysteresis; a short one is held here.
            var pause = paused ? _backlog.Count > BacklogLimit / 2 : _backlog.Count >= BacklogLimit;
            if (pause != paused || _assignmentChanged)
            {
                try
                {
                    if (pause) consumer.Pause(consumer.Assignment);
                    else consumer.Resume(consumer.Assignment);
                    paused = pause;
                    _assignmentChanged = false;
                }
                catch (KafkaException ex)
                {
                    // A rebalance may be under way; the next round tries again.
                    logger.LogDebug("Pause/resume deferred: {Reason}", ex.Error.Reason);
                }
            }

            ConsumeResult<string, string>? result;
            try
            {
                // While work waits for a free handler, come back quickly to hand it out.
                result = consumer.Consume(TimeSpan.FromMilliseconds(_backlog.Count > 0 ? 5 : 100));
            }
            catch (ConsumeException ex) when (!ex.Error.IsFatal)
            {
                logger.LogWarning("Kafka consume error: {Reason}", ex.Error.Reason);
                continue;
            }
            if (result?.Message is null) continue;

            if (!_trackers.TryGetValue(result.TopicPartition, out var owner))
                _trackers[result.TopicPartition] = owner = new PartitionTracker(result.TopicPartition);
            owner.Started(result.Offset.Value);
            _backlog.Enqueue((result, owner));
        }

        // Shutting down: handlers see the cancellation and hand their requests back; then what is done is committed.
        if (!Task.WhenAll(_running.Keys).Wait(TimeSpan.FromSeconds(20)))
            logger.LogWarning("Some requests were still in work at shutdown; their messages will be delivered again");
        Commit(consumer, null);
        try { consumer.Close(); }
        catch (KafkaException ex) { logger.LogWarning("Kafka consumer close: {Reason}", ex.Error.Reason); }
    }

    private void Dispatch(ConsumeResult<string, string> message, PartitionTracker tracker, CancellationToken stopping)
    {
        var offset = message.Offset.Value;
        Interlocked.Increment(ref _processing);
        var released = 0;
        void ReleaseSlot()
        {
            if (Interlocked.Exchange(ref released, 1) == 0) Interlocked.Decrement(ref _processing);
        }
        var task = Task.Run(() => HandleAsync(message, ReleaseSlot, stopping), CancellationToken.None);
        _running[task] = 0;
        task.ContinueWith(t =>
        {
            ReleaseSlot();
            if (t.IsCompletedSuccessfully && t.Result) _finished.Enqueue((tracker, offset));
            else if (t.Exception is { } ex) logger.LogError(ex, "Handling a Kafka message failed; it will be delivered again");
            _running.TryRemove(t, out _);
        }, TaskScheduler.Default);
    }

    /// <summary>True when the message is dealt with and its offset may be committed.</summary>
    /// <param name="releaseSlot">Called once the request is processed: the wait for the broker to
    /// acknowledge its response (linger plus a round trip) need not hold a worker slot.</param>
    private async Task<bool> HandleAsync(ConsumeResult<string, string> message, Action releaseSlot, CancellationToken stopping)
    {
        if (!KafkaMessages.TryParseRequest(message.Message, out var id, out var problem))
            return await DeadLetterAsync(message, "malformed_payload", problem, stopping);

        int unknown = 0, failures = 0;
        while (true)
        {
            try
            {
                switch (await handler(id, stopping))
                {
                    case ProcessOutcome.NotFound when unknown >= options.UnknownRequestRetries:
                        return await DeadLetterAsync(message, "unknown_request",
                            $"request {id} does not exist (looked {unknown + 1} times)", stopping);
                    case ProcessOutcome.NotFound:
                        unknown++;
                        break;
                    case ProcessOutcome.Completed or ProcessOutcome.Failed or ProcessOutcome.AlreadyFinished:
                        // Also for a request found finished: its worker may have died before publishing.
                        releaseSlot();
                        return await responses.PublishAsync(id, stopping);
                    default:
                        return true;
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return false;
            }
            catch (Exception ex)
            {
                // Database outages are waited out (every message would fail alike); anything else is
                // given a budget before the message is set aside.
                failures++;
                if (!DatabaseErrors.IsUnavailable(ex) && failures > Math.Max(1, options.UnknownRequestRetries))
                    return await DeadLetterAsync(message, "processing_error", $"{ex.GetType().Name}: {ex.Message}", stopping);
                logger.LogWarning("Request {RequestId} from Kafka could not be handled ({Error}); retrying", id, ex.GetBaseException().Message);
            }
            try { await Task.Delay(TimeSpan.FromSeconds(Math.Min(30, Math.Pow(2, Math.Max(unknown, failures) - 1))), stopping); }
            catch (OperationCanceledException) { return false; }
        }
    }

    private async Task<bool> DeadLetterAsync(ConsumeResult<string, string> message, string reason, string detail, CancellationToken stopping)
    {
        logger.LogWarning("Message {Topic}/{Partition}/{Offset} goes to the dead-letter topic {DeadLetterTopic}: {Reason} ({Detail})",
            message.Topic, message.Partition.Value, message.Offset.Value, options.DeadLetterTopic, reason, detail);
        return await producer.DeliverAsync(options.DeadLetterTopic, KafkaMessages.DeadLetter(message, reason, detail), stopping);
    }

    /// <summary>Partitions this member no longer owns: their waiting messages go to the new owner.</summary>
    private void Forget(IEnumerable<TopicPartition> partitions)
    {
        var gone = partitions.ToHashSet();
        foreach (var partition in gone) _trackers.Remove(partition);
        var keep = _backlog.Where(b => !gone.Contains(b.Message.TopicPartition)).ToList();
        _backlog.Clear();
        foreach (var item in keep) _backlog.Enqueue(item);
        _assignmentChanged = true;
    }

    /// <summary>Commits what is safe on the given partitions (all when null). Runs on the poll thread only.</summary>
    private void Commit(IConsumer<string, string> consumer, IEnumerable<TopicPartition>? only)
    {
        while (_finished.TryDequeue(out var done)) done.Tracker.Finished(done.Offset);
        var offsets = new List<TopicPartitionOffset>();
        foreach (var (partition, tracker) in _trackers)
        {
            if (only is not null && !only.Contains(partition)) continue;
            if (tracker.Committable() is { } offset) offsets.Add(new TopicPartitionOffset(partition, offset));
        }
        if (offsets.Count == 0) return;
        try
        {
            consumer.Commit(offsets);
            foreach (var o in offsets) _trackers.GetValueOrDefault(o.TopicPartition)?.Committed(o.Offset.Value);
        }
        catch (KafkaException ex)
        {
            // Broker away or a rebalance under way: the offsets are committed next time (or redelivered).
            logger.LogDebug("Offset commit deferred: {Reason}", ex.Error.Reason);
        }
    }

    /// <summary>
    /// Offsets of one partition: the commit point is the oldest message still in work (or past the
    /// newest dispatched when none is), so a crash never skips an unfinished message.
    /// </summary>
    private sealed class PartitionTracker(TopicPartition partition)
    {
        private readonly SortedSet<long> _inWork = [];
        private long _next = -1;
        private long _committed = -1;

        public TopicPartition Partition => partition;

        public void Started(long offset)
        {
            _inWork.Add(offset);
            _next = Math.Max(_next, offset + 1);
        }

        public void Finished(long offset) => _inWork.Remove(offset);

        public long? Committable()
        {
            var safe = _inWork.Count > 0 ? _inWork.Min : _next;
            return safe > _committed ? safe : null;
        }

        public void Committed(long offset) => _committed = Math.Max(_committed, offset);
    }
}
