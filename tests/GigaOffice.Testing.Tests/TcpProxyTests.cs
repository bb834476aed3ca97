using System.Diagnostics;
using System.Net.Sockets;
using GigaOffice.Testing;
using Npgsql;

namespace GigaOffice.Testing.Tests;

public sealed class TcpProxyTests(PostgresFixture fixture) : IClassFixture<PostgresFixture>
{
    private PostgresServer Server => fixture.Server;

    private string ViaProxy(TcpProxy proxy, int timeoutSeconds = 5) =>
        new NpgsqlConnectionStringBuilder(Server.ConnectionString)
        {
            Host = proxy.Host,
            Port = proxy.Port,
            Pooling = false,
            Timeout = timeoutSeconds,
            CommandTimeout = timeoutSeconds,
        }.ConnectionString;

    [Fact]
    public async Task Forwards_to_the_target()
    {
        await using var proxy = new TcpProxy(Server.Host, Server.Port);
        Assert.Equal($"127.0.0.1:{proxy.Port}", proxy.Address);
        Assert.NotEqual(Server.Port, proxy.Port);

        Assert.Equal(42, await QueryAsync(ViaProxy(proxy), "SELECT 42"));
        Assert.Equal(1, proxy.AcceptedConnections);
    }

    [Fact]
    public async Task Pause_resets_open_and_new_connections_and_Resume_restores_them()
    {
        await using var proxy = new TcpProxy($"{Server.Host}:{Server.Port}");
        var connectionString = ViaProxy(proxy);

        await using var open = new NpgsqlConnection(connectionString);
        await open.OpenAsync();
        Assert.Equal(1, await ScalarAsync(open, "SELECT 1"));
        Assert.Equal(1, proxy.ActiveConnections);

        proxy.Pause();
        Assert.True(proxy.IsPaused);

        // The open connection is cut...
        await Assert.ThrowsAnyAsync<NpgsqlException>(() => ScalarAsync(open, "SELECT 2"));
        // ...and new ones fail fast rather than hang.
        var failedAfter = Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<NpgsqlException>(() => QueryAsync(connectionString, "SELECT 3"));
        Assert.True(failedAfter.Elapsed < TimeSpan.FromSeconds(3), $"took {failedAfter.Elapsed}");

        proxy.Resume();
        Assert.False(proxy.IsPaused);
        Assert.Equal(4, await QueryAsync(connectionString, "SELECT 4"));
    }

    [Fact]
    public async Task Blackhole_pause_makes_clients_time_out_and_resume_lets_held_connections_finish()
    {
        await using var proxy = new TcpProxy(Server.Host, Server.Port);
        proxy.Pause(TcpProxyPauseMode.Blackhole);

        // Nothing answers: the client's own connect time-out fires.
        var timedOut = Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<NpgsqlException>(() => QueryAsync(ViaProxy(proxy, timeoutSeconds: 1), "SELECT 1"));
        Assert.True(timedOut.Elapsed >= TimeSpan.FromSeconds(0.9), $"failed too early: {timedOut.Elapsed}");

        // A connection attempt made while paused completes once resumed.
        var pending = QueryAsync(ViaProxy(proxy, timeoutSeconds: 10), "SELECT 5");
        await Task.Delay(500);
        Assert.False(pending.IsCompleted);
        proxy.Resume();
        Assert.Equal(5, await pending.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task Target_down_closes_the_client_connection()
    {
        // A port nobody listens on.
        await using var proxy = new TcpProxy("127.0.0.1", FreePort.Get());
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(proxy.ListenEndPoint);
            var read = await client.GetStream().ReadAsync(new byte[1]).AsTask().WaitAsync(TimeSpan.FromSeconds(5));
            Assert.Equal(0, read);
        }
        catch (Exception e) when (e is SocketException or IOException)
        {
            // A reset, even one that beats the connect's completion, is as good as a close here.
        }
    }

    [Fact]
    public async Task Dispose_stops_listening()
    {
        var proxy = new TcpProxy(Server.Host, Server.Port);
        var endPoint = proxy.ListenEndPoint;
        await proxy.DisposeAsync();
        using var client = new TcpClient();
        await Assert.ThrowsAnyAsync<SocketException>(() => client.ConnectAsync(endPoint));
    }

    private static async Task<int> QueryAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        return await ScalarAsync(connection, sql);
    }

    private static async Task<int> ScalarAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return (int)(await command.ExecuteScalarAsync())!;
    }
}
