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

/// <summary>Degraded while the relay cannot publish: requests are still accepted, they wait in the outbox.</summary>
public sealed class OutboxHealthCheck(OutboxSignal signal) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken)
    {
        var data = new Dictionary<string, object> { ["backlog"] = signal.Backlog };
        if (signal.FailingSince is { } since) data["failing_since"] = since.ToString("O");
        return Task.FromResult(signal.LastError is null
            ? HealthCheckResult.Healthy("publishing", data)
            : HealthCheckResult.Degraded("cannot publish: " + signal.LastError, data: data));
    }
}
