using System.Threading.Channels;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using GigaOffice.Configuration;
using GigaOffice.Data;
using GigaOffice.Requests;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace GigaOffice.Queue.Kafka;

/// <summary>Wakes the relay when a request was committed, and tells health checks how it is doing.</summary>
public sealed class OutboxSignal
{
    private readonly Channel<bool> _nudges = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    /// <summary>Unpublished requests seen by the last relay round.</summary>
    public long Backlog { get; internal set; }
    public string? LastError { get; internal set; }
    public DateTime? FailingSince { get; internal set; }

    public void Nudge() => _nudges.Writer.TryWrite(true);

    /// <summary>Returns when nudged or after <paramref name="timeout"/>.</summary>
    public async Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timer.CancelAfter(timeout);
        try { await _nudges.Reader.ReadAsync(timer.Token); }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested) { }
    }
}
