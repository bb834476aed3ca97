using GigaOffice.Configuration;
using Microsoft.Extensions.Options;
using Npgsql;

namespace GigaOffice.Data.Postgres;

/// <summary>What one PostgreSQL notification channel wakes in this instance.</summary>
public interface IPostgresNotificationHandler
{
    string Channel { get; }

    void Notified(string payload);

    /// <summary>After a (re)connection: notifications sent while none was listening are gone.</summary>
    void Resubscribed();
}

/// <summary>
/// One connection per instance LISTENs on every channel a handler names (request status changes,
/// client key changes) and passes each notification on, whichever instance or process sent it.
/// </summary>
public sealed class PostgresNotifications(
    IEnumerable<IPostgresNotificationHandler> handlers, IOptions<DatabaseOptions> database, DatabaseReadiness readiness,
    ILogger<PostgresNotifications> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var byChannel = handlers.ToDictionary(h => h.Channel);
        await readiness.WaitAsync(stoppingToken);
        var connectionString = new NpgsqlConnectionStringBuilder(DatabaseSetup.PostgresConnectionString(database.Value))
        {
            KeepAlive = 30, // a dead connection is noticed even when no notification comes
            Pooling = false,
        }.ConnectionString;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(connectionString);
                await connection.OpenAsync(stoppingToken);
                connection.Notification += (_, e) =>
                {
                    if (byChannel.TryGetValue(e.Channel, out var handler)) handler.Notified(e.Payload);
                };
                foreach (var channel in byChannel.Keys)
                {
                    await using var listen = new NpgsqlCommand($"LISTEN {channel}", connection);
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }
                foreach (var handler in byChannel.Values) handler.Resubscribed();
                logger.LogDebug("Listening on {Channels}", byChannel.Keys);
                while (true) await connection.WaitAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogWarning("PostgreSQL notifications interrupted ({Error}); reconnecting", ex.GetType().Name);
                try { await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken); }
                catch (OperationCanceledException) { return; }
            }
        }
    }
}
