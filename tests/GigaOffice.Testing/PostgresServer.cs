using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace GigaOffice.Testing;

/// <summary>
/// A throwaway PostgreSQL server of its own (a fresh cluster in a temp directory, pg_ctl start on a free
/// loopback port), for tests that need a real server. As root, every server command runs as user
/// <c>postgres</c> (initdb refuses root); otherwise as the current user.
/// </summary>
/// <remarks>
/// The server is tuned for tests, not durability: fsync, synchronous_commit and full_page_writes are off.
/// Data survives <see cref="StopAsync"/>/<see cref="StartAgainAsync"/> (clean shutdown), not a machine crash.
/// </remarks>
public sealed class PostgresServer : IAsyncDisposable
{
    internal const string SuperUser = "app";
    private const string DefaultDatabase = "appdb";

    // Servers still running when the process exits (test host aborted, missing DisposeAsync)
    // would outlive it as orphan postmasters: stop them on the way out.
    private static readonly ConcurrentDictionary<PostgresServer, byte> Live = new();
    private static int _exitHookInstalled;

    private readonly SemaphoreSlim _lifecycle = new(1, 1);
    private bool _disposed;

    private PostgresServer(string binDirectory, string rootDirectory, string password)
    {
        BinDirectory = binDirectory;
        RootDirectory = rootDirectory;
        Password = password;
    }

    /// <summary>Always 127.0.0.1: the server listens on loopback only.</summary>
    public string Host => "127.0.0.1";

    public int Port { get; private set; }

    /// <summary>Superuser created by initdb ("app").</summary>
    public string User => SuperUser;

    /// <summary>Random password of <see cref="User"/> (scram-sha-256 over TCP).</summary>
    public string Password { get; }

    /// <summary>The database created at start ("appdb").</summary>
    public string Database => DefaultDatabase;

    /// <summary>Npgsql connection string for <see cref="Database"/> (pooled).</summary>
    public string ConnectionString => GetConnectionString(Database);

    /// <summary>Directory with initdb, pg_ctl, postgres (e.g. /usr/lib/postgresql/15/bin).</summary>
    public string BinDirectory { get; }

    /// <summary>Temp directory holding the data directory, the log and the unix socket; deleted on dispose.</summary>
    public string RootDirectory { get; }

    public string DataDirectory => Path.Combine(RootDirectory, "data");

    /// <summary>Server log (pg_ctl -l); its tail is included in start failures.</summary>
    public string LogPath => Path.Combine(RootDirectory, "server.log");

    /// <summary>Unix socket directory (local connections are trusted).</summary>
    public string SocketDirectory => RootDirectory;

    public bool IsRunning { get; private set; }

    /// <summary>
    /// Starts a new server in a temp directory on a free port and creates database "appdb". The first
    /// server on a machine runs initdb; later ones copy that cluster (cached in the temp directory, about
    /// 40 MB) and set a password of their own.
    /// If no PostgreSQL binaries are installed, runs scripts/ensure-postgres.sh (found by walking up from
    /// the test's directory) to install them. Throws <see cref="PostgresServerException"/> on any failure.
    /// </summary>
    public static Task<PostgresServer> StartAsync(CancellationToken cancellationToken = default) =>
        StartAsync(Environment.ProcessId, cancellationToken);

    /// <summary>A server that stops when <paramref name="ownerPid"/> ends (this process, but for the watchdog's own test).</summary>
    internal static async Task<PostgresServer> StartAsync(int ownerPid, CancellationToken cancellationToken)
    {
        var bin = await PostgresBinaries.LocateAsync(cancellationToken).ConfigureAwait(false);
        if (PgCommands.AsRoot)
        {
            await PostgresBinaries.EnsurePostgresUserAsync(cancellationToken).ConfigureAwait(false);
        }

        await StaleDirectories.SweepOnceAsync(bin).ConfigureAwait(false);
        var template = await PostgresTemplate.GetDataDirectoryAsync(bin, cancellationToken).ConfigureAwait(false);

        // The owner's pid in the name lets a later run clean up after a killed test process.
        var root = Path.Combine(Path.GetTempPath(), $"{StaleDirectories.ServerPrefix}{Environment.ProcessId}-{RandomNumberGenerator.GetHexString(12, lowercase: true)}");
        if (root.Contains('\'') || Encoding.UTF8.GetByteCount(root) > 80)
        {
            // The directory goes into a shell-quoted pg_ctl -o and holds the unix socket (path limit ~107 bytes).
            throw new PostgresServerException($"Temp directory path unusable for a PostgreSQL socket: {root}; set TMPDIR to a short path.");
        }

        var server = new PostgresServer(bin, root, RandomNumberGenerator.GetHexString(32, lowercase: true));
        try
        {
            InstallExitHook();
            Live.TryAdd(server, 0);
            await PgCommands.CreatePrivateDirectoryAsync(root, cancellationToken).ConfigureAwait(false);
            await PgCommands.RunAsync("cp", ["-a", template, server.DataDirectory], root, cancellationToken).ConfigureAwait(false);
            await server.StartOnFreePortAsync(cancellationToken).ConfigureAwait(false);
            server.StartWatchdog(ownerPid);
            await server.InitializeRolesAndDatabaseAsync(cancellationToken).ConfigureAwait(false);
            return server;
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Connection string (pooled) for another database of this server.</summary>
    public string GetConnectionString(string database) => new NpgsqlConnectionStringBuilder
    {
        Host = Host,
        Port = Port,
        Username = User,
        Password = Password,
        Database = database,
        Pooling = true,
    }.ConnectionString;

    /// <summary>
    /// Creates an empty database (e.g. one per test class) and returns its connection string.
    /// Throws if it already exists.
    /// </summary>
    public async Task<string> CreateDatabaseAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (Encoding.UTF8.GetByteCount(name) > 63)
        {
            throw new ArgumentException("PostgreSQL identifiers are at most 63 bytes.", nameof(name));
        }

        // Not pooled: an idle pooled session on the maintenance database would linger for no use.
        var admin = new NpgsqlConnectionStringBuilder(GetConnectionString("postgres")) { Pooling = false }.ConnectionString;
        await using var connection = new NpgsqlConnection(admin);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await CreateDatabaseCoreAsync(connection, name, cancellationToken).ConfigureAwait(false);
        return GetConnectionString(name);
    }

    private static async Task CreateDatabaseCoreAsync(NpgsqlConnection connection, string name, CancellationToken cancellationToken)
    {
        // FILE_COPY (PostgreSQL 15+) copies template1's files instead of WAL-logging every block:
        // about half the time of the default on a small cluster.
        var strategy = connection.PostgreSqlVersion.Major >= 15 ? " STRATEGY = FILE_COPY" : "";
        await using var command = new NpgsqlCommand($"CREATE DATABASE {QuoteIdentifier(name)}{strategy}", connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops the server (pg_ctl stop -m fast: open sessions are terminated). Data is kept.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        await _lifecycle.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ThrowIfDisposed();
            if (!IsRunning)
            {
                return;
            }

            await PgCtlAsync(["-D", DataDirectory, "-m", "fast", "-w", "-t", "60", "stop"], cancellationToken).ConfigureAwait(false);
            IsRunning = false;
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>Starts a stopped server again on the same port with the same data.</summary>
    public async Task StartAgainAsync(CancellationToken cancellationToken = default)
    {
        await _lifecycle.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ThrowIfDisposed();
            if (IsRunning)
            {
                return;
            }

            await StartCoreAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>
    /// Stop then start (same port, same data). Connections open before are dead afterwards: Npgsql's
    /// pool hands them out once more, so callers clear the pool (NpgsqlConnection.ClearAllPools) or retry.
    /// </summary>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        await StopAsync(cancellationToken).ConfigureAwait(false);
        await StartAgainAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops the server (immediate: it is thrown away) and deletes its directory.</summary>
    public async ValueTask DisposeAsync()
    {
        await _lifecycle.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            Live.TryRemove(this, out _);
            // Also when a start timed out: the postmaster may be up without IsRunning set.
            if (IsRunning || File.Exists(Path.Combine(DataDirectory, "postmaster.pid")))
            {
                try
                {
                    await PgCtlAsync(["-D", DataDirectory, "-m", "immediate", "-w", "-t", "30", "stop"], CancellationToken.None).ConfigureAwait(false);
                }
                catch (PostgresServerException)
                {
                    // Deleting the directory below matters more; a server that would not stop is killed there.
                    KillPostmaster();
                }

                IsRunning = false;
            }

            DeleteRoot();
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    // Over the unix socket, where the template's (unknown) password is not needed: local auth is trust.
    private async Task InitializeRolesAndDatabaseAsync(CancellationToken cancellationToken)
    {
        var local = new NpgsqlConnectionStringBuilder
        {
            Host = SocketDirectory,
            Port = Port,
            Username = User,
            Database = "postgres",
            Pooling = false,
        }.ConnectionString;
        await using var connection = new NpgsqlConnection(local);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        // The password is hex: safe inside a literal. ALTER ROLE takes no parameters.
        await using (var command = new NpgsqlCommand($"ALTER ROLE {QuoteIdentifier(User)} PASSWORD '{Password}'", connection))
        {
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await CreateDatabaseCoreAsync(connection, DefaultDatabase, cancellationToken).ConfigureAwait(false);
    }

    private async Task StartOnFreePortAsync(CancellationToken cancellationToken)
    {
        // FreePort can race with another process taking the port first: try a few others.
        for (var attempt = 1; ; attempt++)
        {
            Port = FreePort.Get();
            try
            {
                await StartCoreAsync(cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (PostgresServerException e) when (attempt < 5 && e.Message.Contains("could not bind", StringComparison.OrdinalIgnoreCase))
            {
            }
        }
    }

    private async Task StartCoreAsync(CancellationToken cancellationToken)
    {
        try
        {
            await PgCtlAsync(["-D", DataDirectory, "-l", LogPath, "-w", "-t", "60", "-o", $"-p {Port} -k '{SocketDirectory}'", "start"], cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresServerException e)
        {
            throw new PostgresServerException($"{e.Message}\n--- server log ({LogPath}), last lines ---\n{ReadLogTail()}", e);
        }

        IsRunning = true;
    }

    // pg_ctl start forks the postmaster; with -l its output goes to the log, so our pipes close when pg_ctl exits.
    private Task PgCtlAsync(IReadOnlyList<string> args, CancellationToken cancellationToken) =>
        RunServerCommandAsync("pg_ctl", args, cancellationToken);

    // Run from the server's directory: user postgres may not be able to enter the caller's (e.g. /root).
    private Task RunServerCommandAsync(string tool, IReadOnlyList<string> args, CancellationToken cancellationToken) =>
        PgCommands.RunAsync(Path.Combine(BinDirectory, tool), args, Directory.Exists(RootDirectory) ? RootDirectory : "/", cancellationToken);

    private string ReadLogTail()
    {
        try
        {
            var lines = File.ReadAllLines(LogPath);
            return string.Join('\n', lines.TakeLast(30));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"(log unreadable: {e.Message})";
        }
    }

    private void KillPostmaster()
    {
        try
        {
            var pidFile = Path.Combine(DataDirectory, "postmaster.pid");
            if (File.Exists(pidFile) && int.TryParse(File.ReadLines(pidFile).FirstOrDefault(), out var pid))
            {
                System.Diagnostics.Process.GetProcessById(pid).Kill(entireProcessTree: true);
            }
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException or System.ComponentModel.Win32Exception)
        {
            // Already gone.
        }
    }

    private void DeleteRoot()
    {
        for (var attempt = 0; attempt < 5 && Directory.Exists(RootDirectory); attempt++)
        {
            try
            {
                Directory.Delete(RootDirectory, recursive: true);
            }
            catch (IOException)
            {
                // A postmaster child may still be writing for a moment after stop.
                Thread.Sleep(200);
            }
        }
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    private static string QuoteIdentifier(string name) => "\"" + name.Replace("\"", "\"\"") + "\"";

    /// <summary>
    /// Stops the server (SIGQUIT: immediate shutdown) and deletes its directory once the owner process
    /// is gone, however it ended. The ProcessExit hook below does not run when the test runner kills
    /// its host, and such a kill left orphan postmasters behind now and then.
    /// </summary>
    private void StartWatchdog(int ownerPid)
    {
        const string script = """
            exec </dev/null >/dev/null 2>&1
            while kill -0 "$1" 2>/dev/null; do sleep 1; done
            kill -QUIT "$(head -n 1 "$2/postmaster.pid" 2>/dev/null)" 2>/dev/null
            sleep 2
            rm -rf "$3"
            """;
        // Its own session, and its own stdio (above): neither a kill of the host's process group nor
        // a runner waiting for the host's pipes to close involves it.
        var start = new ProcessStartInfo("setsid") { UseShellExecute = false };
        foreach (var arg in new[] { "/bin/sh", "-c", script, "postgres-watchdog", ownerPid.ToString(CultureInfo.InvariantCulture), DataDirectory, RootDirectory })
        {
            start.ArgumentList.Add(arg);
        }

        using var watchdog = Process.Start(start) ?? throw new PostgresServerException("Could not start the server's watchdog (setsid /bin/sh).");
    }

    private static void InstallExitHook()
    {
        if (Interlocked.Exchange(ref _exitHookInstalled, 1) == 0)
        {
            AppDomain.CurrentDomain.ProcessExit += (_, _) =>
            {
                foreach (var server in Live.Keys)
                {
                    server.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(20));
                }
            };
        }
    }

    public override string ToString() => $"PostgreSQL {Host}:{Port} ({RootDirectory})";
}

/// <summary>A throwaway server could not be set up, started or stopped; the message has the command's output.</summary>
public sealed class PostgresServerException : Exception
{
    public PostgresServerException(string message) : base(message)
    {
    }

    public PostgresServerException(string message, Exception inner) : base(message, inner)
    {
    }
}
