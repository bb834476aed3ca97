using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace GigaOffice.Testing;

/// <summary>
/// Runs PostgreSQL tools as the user that owns the data directories: <c>postgres</c> via runuser when we
/// are root (initdb and postgres refuse root), the current user otherwise.
/// </summary>
internal static class PgCommands
{
    public static readonly bool AsRoot = Environment.IsPrivilegedProcess;

    public static Task<string> RunAsync(string file, IReadOnlyList<string> args, string workDir, CancellationToken cancellationToken, TimeSpan? timeout = null) =>
        AsRoot
            ? ProcessRunner.RunCheckedAsync("runuser", ["-u", "postgres", "--", file, .. args], workDir, cancellationToken, timeout)
            : ProcessRunner.RunCheckedAsync(file, args, workDir, cancellationToken, timeout);

    /// <summary>An empty directory only the server's user may enter (initdb and postgres insist on it).</summary>
    public static async Task CreatePrivateDirectoryAsync(string path, CancellationToken cancellationToken)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("PostgresServer runs Debian's PostgreSQL binaries (Linux).");
        }

        if (AsRoot)
        {
            await ProcessRunner.RunCheckedAsync("install", ["-d", "-o", "postgres", "-m", "700", path], "/", cancellationToken).ConfigureAwait(false);
        }
        else
        {
            Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }
}

/// <summary>
/// initdb once per machine (per PostgreSQL build, user and settings): servers copy the cached cluster
/// (cp -a, ~0.1 s) instead of running initdb each time (1.5 s alone, several seconds on 2 busy cores),
/// then set a password of their own. The cache sits in the temp directory and is never started or changed.
/// </summary>
internal static class PostgresTemplate
{
    private const string Settings = """

        # GigaOffice.Testing throwaway server
        listen_addresses = '127.0.0.1'
        max_connections = 200
        fsync = off
        synchronous_commit = off
        full_page_writes = off

        """;

    private static readonly Lock Sync = new();
    private static Task<string>? _build;

    /// <returns>The template's data directory.</returns>
    public static Task<string> GetDataDirectoryAsync(string binDirectory, CancellationToken cancellationToken)
    {
        Task<string> build;
        lock (Sync)
        {
            // A failed build is retried by the next caller rather than cached.
            if (_build is null || _build.IsFaulted || _build.IsCanceled)
            {
                _build = Task.Run(() => GetOrBuildAsync(binDirectory));
            }

            build = _build;
        }

        return build.WaitAsync(cancellationToken);
    }

    private static async Task<string> GetOrBuildAsync(string binDirectory)
    {
        var cache = Path.Combine(Path.GetTempPath(), $"{StaleDirectories.CachePrefix}{CacheKey(binDirectory)}");
        var cachedData = Path.Combine(cache, "data");
        // The cache only ever appears complete: it is built elsewhere and renamed into place.
        if (File.Exists(Path.Combine(cachedData, "PG_VERSION")))
        {
            return cachedData;
        }

        // The owner's pid in the name lets a later run delete it if this process dies while building.
        var build = Path.Combine(Path.GetTempPath(), $"{StaleDirectories.TemplatePrefix}{Environment.ProcessId}-{RandomNumberGenerator.GetHexString(8, lowercase: true)}");
        try
        {
            await InitDbAsync(binDirectory, build).ConfigureAwait(false);
            try
            {
                Directory.Move(build, cache);
            }
            catch (IOException) when (File.Exists(Path.Combine(cachedData, "PG_VERSION")))
            {
                // Another test process got there first: use its copy.
            }
        }
        finally
        {
            if (Directory.Exists(build))
            {
                Directory.Delete(build, recursive: true);
            }
        }

        return cachedData;
    }

    private static async Task InitDbAsync(string binDirectory, string dir)
    {
        await PgCommands.CreatePrivateDirectoryAsync(dir, CancellationToken.None).ConfigureAwait(false);

        // initdb needs a password to enable scram-sha-256; each server replaces it with its own.
        // A file, so that it never shows in a process list.
        var pwfile = Path.Combine(dir, "pwfile");
        await File.WriteAllTextAsync(pwfile, RandomNumberGenerator.GetHexString(32) + "\n").ConfigureAwait(false);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(pwfile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        if (PgCommands.AsRoot)
        {
            await ProcessRunner.RunCheckedAsync("chown", ["postgres", pwfile], "/", CancellationToken.None).ConfigureAwait(false);
        }

        var data = Path.Combine(dir, "data");
        try
        {
            await PgCommands.RunAsync(Path.Combine(binDirectory, "initdb"),
            [
                "-D", data, "-U", PostgresServer.SuperUser, "--pwfile=" + pwfile,
                "-A", "scram-sha-256", "--auth-local=trust", "-E", "UTF8", "--locale=C.UTF-8", "-N",
            ], dir, CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            File.Delete(pwfile);
        }

        // Port and socket directory differ per server: they are passed at start (pg_ctl -o).
        // Appending keeps the file's owner. Durability is not needed for throwaway servers, speed is.
        await File.AppendAllTextAsync(Path.Combine(data, "postgresql.conf"), Settings).ConfigureAwait(false);
    }

    // A new PostgreSQL build (package upgrade), another user or other settings get a cache of their own.
    private static string CacheKey(string binDirectory)
    {
        var postgres = new FileInfo(Path.Combine(binDirectory, "postgres"));
        var identity = string.Join('|',
            binDirectory, postgres.Exists ? postgres.Length : -1, postgres.Exists ? postgres.LastWriteTimeUtc.Ticks : -1,
            Environment.UserName, PgCommands.AsRoot, PostgresServer.SuperUser, Settings);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(identity)))[..16];
    }
}

/// <summary>
/// Cleans up after test processes that were killed before disposing their servers (e.g. a CI time-out):
/// their postmasters would run on and their directories pile up in /tmp.
/// </summary>
internal static partial class StaleDirectories
{
    public const string ServerPrefix = "gigaoffice-pg-";
    public const string TemplatePrefix = "gigaoffice-pg-template-";
    public const string CachePrefix = "gigaoffice-pg-cache-";
    private static int _swept;

    /// <summary>Once per process; best effort: never fails a test.</summary>
    public static async Task SweepOnceAsync(string binDirectory)
    {
        if (Interlocked.Exchange(ref _swept, 1) != 0)
        {
            return;
        }

        try
        {
            foreach (var dir in Directory.EnumerateDirectories(Path.GetTempPath(), ServerPrefix + "*"))
            {
                var match = OwnerPid().Match(Path.GetFileName(dir));
                if (!match.Success || IsAlive(int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture)))
                {
                    continue; // Not ours, or its test process still runs.
                }

                var data = Path.Combine(dir, "data");
                if (File.Exists(Path.Combine(data, "postmaster.pid")))
                {
                    try
                    {
                        await PgCommands.RunAsync(Path.Combine(binDirectory, "pg_ctl"), ["-D", data, "-m", "immediate", "-w", "-t", "20", "stop"], "/", CancellationToken.None).ConfigureAwait(false);
                    }
                    catch (PostgresServerException)
                    {
                        // Not running after all.
                    }
                }

                Directory.Delete(dir, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or PostgresServerException)
        {
            Trace.WriteLine($"GigaOffice.Testing: stale directory sweep stopped: {e.Message}");
        }
    }

    private static bool IsAlive(int pid) => Directory.Exists($"/proc/{pid}");

    // gigaoffice-pg-<pid>-<hex> and gigaoffice-pg-template-<pid>-<hex>
    [GeneratedRegex("^gigaoffice-pg-(?:template-)?([0-9]+)-[0-9a-f]+$")]
    private static partial Regex OwnerPid();
}
