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
/// One initdb per test process: later servers copy its data directory (cp -a, ~0.1 s) instead of
/// running initdb again (1.5 s alone, several seconds on 2 busy cores). Each server then sets its own password.
/// </summary>
internal static class PostgresTemplate
{
    private static readonly Lock Sync = new();
    private static Task<string>? _build;
    private static string? _directory;

    /// <returns>The template's data directory; never started, only copied.</returns>
    public static Task<string> GetDataDirectoryAsync(string binDirectory, CancellationToken cancellationToken)
    {
        Task<string> build;
        lock (Sync)
        {
            // A failed build is retried by the next caller rather than cached.
            if (_build is null || _build.IsFaulted || _build.IsCanceled)
            {
                _build = Task.Run(() => BuildAsync(binDirectory));
            }

            build = _build;
        }

        return build.WaitAsync(cancellationToken);
    }

    /// <summary>Deletes the template (at process exit).</summary>
    public static void Delete()
    {
        var dir = _directory;
        if (dir is not null && Directory.Exists(dir))
        {
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Swept by a later run (StaleDirectories).
            }
        }
    }

    private static async Task<string> BuildAsync(string binDirectory)
    {
        var dir = Path.Combine(Path.GetTempPath(), $"{StaleDirectories.TemplatePrefix}{Environment.ProcessId}-{RandomNumberGenerator.GetHexString(8, lowercase: true)}");
        _directory = dir;
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
        var settings = new StringBuilder()
            .AppendLine()
            .AppendLine("# GigaOffice.Testing throwaway server")
            .AppendLine("listen_addresses = '127.0.0.1'")
            .AppendLine("max_connections = 200")
            .AppendLine("fsync = off")
            .AppendLine("synchronous_commit = off")
            .AppendLine("full_page_writes = off")
            .ToString();
        await File.AppendAllTextAsync(Path.Combine(data, "postgresql.conf"), settings).ConfigureAwait(false);
        return data;
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
