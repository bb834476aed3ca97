using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using GigaOffice.Testing;
using Npgsql;
using Xunit.Abstractions;

namespace GigaOffice.Testing.Tests;

/// <summary>One server for the read/write tests of this class (the usual per-class pattern).</summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    public PostgresServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await PostgresServer.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

public sealed class PostgresServerTests(PostgresFixture fixture) : IClassFixture<PostgresFixture>
{
    private PostgresServer Server => fixture.Server;

    [Fact]
    public async Task Exposes_a_running_server_with_appdb()
    {
        Assert.True(Server.IsRunning);
        Assert.Equal("127.0.0.1", Server.Host);
        Assert.Equal("app", Server.User);
        Assert.Equal("appdb", Server.Database);
        Assert.NotEmpty(Server.Password);
        Assert.Contains($"Port={Server.Port}", Server.ConnectionString);
        Assert.True(Directory.Exists(Server.DataDirectory));

        await using var connection = new NpgsqlConnection(Server.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT current_database(), current_user, current_setting('server_encoding')", connection);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal("appdb", reader.GetString(0));
        Assert.Equal("app", reader.GetString(1));
        Assert.Equal("UTF8", reader.GetString(2));
    }

    [Fact]
    public async Task Creates_a_table_and_reads_it_back()
    {
        await using var dataSource = NpgsqlDataSource.Create(Server.ConnectionString);
        await using (var create = dataSource.CreateCommand("CREATE TABLE notes (id int PRIMARY KEY, body text NOT NULL)"))
        {
            await create.ExecuteNonQueryAsync();
        }

        await using (var insert = dataSource.CreateCommand("INSERT INTO notes VALUES (1, 'привет'), (2, 'hello')"))
        {
            Assert.Equal(2, await insert.ExecuteNonQueryAsync());
        }

        await using var select = dataSource.CreateCommand("SELECT body FROM notes ORDER BY id");
        await using var reader = await select.ExecuteReaderAsync();
        var bodies = new List<string>();
        while (await reader.ReadAsync())
        {
            bodies.Add(reader.GetString(0));
        }

        Assert.Equal(["привет", "hello"], bodies);
    }

    [Fact]
    public async Task CreateDatabaseAsync_gives_a_separate_empty_database()
    {
        var connectionString = await Server.CreateDatabaseAsync("per_class_db");
        Assert.Equal("per_class_db", new NpgsqlConnectionStringBuilder(connectionString).Database);

        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using (var command = dataSource.CreateCommand("CREATE TABLE only_here (x int)"))
        {
            await command.ExecuteNonQueryAsync();
        }

        await using var check = dataSource.CreateCommand("SELECT current_database(), count(*) FROM pg_tables WHERE schemaname = 'public'");
        await using var reader = await check.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal("per_class_db", reader.GetString(0));
        Assert.Equal(1L, reader.GetInt64(1));

        // Same name twice is an error, not a silent reuse.
        await Assert.ThrowsAsync<PostgresException>(() => Server.CreateDatabaseAsync("per_class_db"));
    }

    [Fact]
    public async Task Wrong_password_is_rejected_over_tcp()
    {
        var wrong = new NpgsqlConnectionStringBuilder(Server.ConnectionString) { Password = "wrong", Pooling = false }.ConnectionString;
        await using var connection = new NpgsqlConnection(wrong);
        var error = await Assert.ThrowsAsync<PostgresException>(() => connection.OpenAsync());
        Assert.Equal(PostgresErrorCodes.InvalidPassword, error.SqlState);
    }
}

/// <summary>Stop/start tests get servers of their own: they would disturb a shared one.</summary>
public sealed class PostgresServerLifecycleTests(ITestOutputHelper output)
{
    [Fact]
    public async Task RestartAsync_keeps_data_and_pooled_connections_work_again()
    {
        var started = Stopwatch.StartNew();
        await using var server = await PostgresServer.StartAsync();
        output.WriteLine($"StartAsync took {started.ElapsedMilliseconds} ms ({server})");
        var connectionString = server.ConnectionString;

        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync();
            await Exec(connection, "CREATE TABLE kept (v text); INSERT INTO kept VALUES ('before restart')");
        } // Back to the pool: this idle physical connection dies with the restart.

        var port = server.Port;
        var restart = Stopwatch.StartNew();
        await server.RestartAsync();
        output.WriteLine($"RestartAsync took {restart.ElapsedMilliseconds} ms");
        Assert.True(server.IsRunning);
        Assert.Equal(port, server.Port);

        // The pool may hand out the dead connection once: a caller retries (or clears the pool, below).
        var value = await WithRetry(async () =>
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT v FROM kept", connection);
            return (string?)await command.ExecuteScalarAsync();
        });
        Assert.Equal("before restart", value);

        await server.RestartAsync();
        NpgsqlConnection.ClearAllPools();
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync(); // No retry needed once the pool is cleared.
            await using var command = new NpgsqlCommand("SELECT count(*) FROM kept", connection);
            Assert.Equal(1L, await command.ExecuteScalarAsync());
        }
    }

    [Fact]
    public async Task StopAsync_makes_the_server_unreachable_until_StartAgainAsync()
    {
        await using var server = await PostgresServer.StartAsync();
        var noPool = new NpgsqlConnectionStringBuilder(server.ConnectionString) { Pooling = false, Timeout = 3 }.ConnectionString;

        await server.StopAsync();
        Assert.False(server.IsRunning);
        await using (var connection = new NpgsqlConnection(noPool))
        {
            var error = await Assert.ThrowsAsync<NpgsqlException>(() => connection.OpenAsync());
            Assert.IsType<SocketException>(error.InnerException);
        }

        await server.StartAgainAsync();
        await using (var connection = new NpgsqlConnection(noPool))
        {
            await connection.OpenAsync();
        }
    }

    [Fact]
    public async Task A_failed_start_throws_with_the_server_log_in_the_message()
    {
        await using var server = await PostgresServer.StartAsync();
        await server.StopAsync();

        // Someone else takes the port while the server is down.
        using var squatter = new TcpListener(IPAddress.Loopback, server.Port);
        squatter.Start();

        var error = await Assert.ThrowsAsync<PostgresServerException>(() => server.StartAgainAsync());
        output.WriteLine(error.Message);
        Assert.Contains("pg_ctl", error.Message);
        Assert.Contains("could not bind", error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.False(server.IsRunning);

        squatter.Stop();
        await server.StartAgainAsync(); // Recoverable once the port is free.
        Assert.True(server.IsRunning);
    }

    [Fact]
    public async Task DisposeAsync_stops_the_server_and_deletes_its_directory()
    {
        var server = await PostgresServer.StartAsync();
        var root = server.RootDirectory;
        var port = server.Port;
        Assert.True(Directory.Exists(root));

        await server.DisposeAsync();

        Assert.False(Directory.Exists(root));
        using var probe = new TcpClient();
        await Assert.ThrowsAnyAsync<SocketException>(() => probe.ConnectAsync(IPAddress.Loopback, port));
        await server.DisposeAsync(); // Idempotent.
        await Assert.ThrowsAsync<ObjectDisposedException>(() => server.StartAgainAsync());
    }

    [Fact]
    public async Task Servers_run_side_by_side_on_different_ports()
    {
        await using var a = await PostgresServer.StartAsync();
        await using var b = await PostgresServer.StartAsync();
        Assert.NotEqual(a.Port, b.Port);
        Assert.NotEqual(a.Password, b.Password);
        foreach (var server in new[] { a, b })
        {
            await using var connection = new NpgsqlConnection(server.ConnectionString);
            await connection.OpenAsync();
        }
    }

    [Fact]
    public async Task A_server_stops_and_its_directory_goes_when_its_owner_process_is_killed()
    {
        // The owner stands in for a test host that the runner kills: no DisposeAsync, no ProcessExit hook.
        using var owner = Process.Start(new ProcessStartInfo("sleep", "600") { UseShellExecute = false })!;
        var server = await PostgresServer.StartAsync(owner.Id, CancellationToken.None);
        try
        {
            await using (var connection = new NpgsqlConnection(server.ConnectionString))
            {
                await connection.OpenAsync();
            }

            owner.Kill();
            await owner.WaitForExitAsync();
            var deadline = Stopwatch.StartNew();
            while (Directory.Exists(server.RootDirectory) && deadline.Elapsed < TimeSpan.FromSeconds(20))
            {
                await Task.Delay(200);
            }

            Assert.False(Directory.Exists(server.RootDirectory), $"{server.RootDirectory} outlived its owner");
            var noPooling = new NpgsqlConnectionStringBuilder(server.ConnectionString) { Pooling = false, Timeout = 2 }.ConnectionString;
            await using var refused = new NpgsqlConnection(noPooling);
            await Assert.ThrowsAnyAsync<Exception>(() => refused.OpenAsync());
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    private static async Task Exec(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<T> WithRetry<T>(Func<Task<T>> action)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await action();
            }
            catch (NpgsqlException) when (attempt < 3)
            {
                await Task.Delay(100);
            }
        }
    }
}
