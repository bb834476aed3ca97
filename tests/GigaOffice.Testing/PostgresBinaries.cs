using System.Globalization;

namespace GigaOffice.Testing;

/// <summary>Finds (and if need be installs) the PostgreSQL server binaries.</summary>
internal static class PostgresBinaries
{
    private const string EnsureScript = "scripts/ensure-postgres.sh";
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static string? _binDirectory;
    private static bool _userChecked;

    /// <summary>
    /// $GIGAOFFICE_PG_BIN if set; else the highest version under /usr/lib/postgresql/*/bin; else runs
    /// scripts/ensure-postgres.sh (apt-get install postgresql) and looks again.
    /// </summary>
    public static async Task<string> LocateAsync(CancellationToken cancellationToken)
    {
        if (_binDirectory is not null)
        {
            return _binDirectory;
        }

        await Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_binDirectory is not null)
            {
                return _binDirectory;
            }

            var overridden = Environment.GetEnvironmentVariable("GIGAOFFICE_PG_BIN");
            if (!string.IsNullOrEmpty(overridden))
            {
                return _binDirectory = HasServerTools(overridden)
                    ? overridden
                    : throw new PostgresServerException($"GIGAOFFICE_PG_BIN={overridden} has no initdb/pg_ctl.");
            }

            var found = FindInstalled();
            if (found is null)
            {
                var script = FindEnsureScript() ?? throw new PostgresServerException(
                    "No PostgreSQL server binaries under /usr/lib/postgresql/*/bin, and " + EnsureScript +
                    " was not found above " + AppContext.BaseDirectory + ". Install them as root: " +
                    "apt-get update && apt-get install -y postgresql");
                // apt-get update + install takes a minute or more on a fresh machine.
                await ProcessRunner.RunCheckedAsync("bash", [script], "/", cancellationToken, TimeSpan.FromMinutes(20)).ConfigureAwait(false);
                found = FindInstalled() ?? throw new PostgresServerException(
                    $"{script} succeeded but no initdb is under /usr/lib/postgresql/*/bin.");
            }

            return _binDirectory = found;
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>As root the server runs as user postgres, which the Debian package creates.</summary>
    public static async Task EnsurePostgresUserAsync(CancellationToken cancellationToken)
    {
        if (_userChecked)
        {
            return;
        }

        try
        {
            await ProcessRunner.RunCheckedAsync("id", ["-u", "postgres"], "/", cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresServerException e)
        {
            throw new PostgresServerException(
                "Running as root, the throwaway server must run as user 'postgres', which does not exist " +
                "(the Debian postgresql package creates it): " + e.Message, e);
        }

        _userChecked = true;
    }

    private static string? FindInstalled()
    {
        const string root = "/usr/lib/postgresql";
        if (!Directory.Exists(root))
        {
            return null;
        }

        return Directory.EnumerateDirectories(root)
            .Select(dir => (Dir: Path.Combine(dir, "bin"), Version: ParseVersion(Path.GetFileName(dir))))
            .Where(x => HasServerTools(x.Dir))
            .OrderByDescending(x => x.Version)
            .Select(x => x.Dir)
            .FirstOrDefault();
    }

    // Directory names are major versions: "15", "16", or old style "9.6".
    private static decimal ParseVersion(string name) =>
        decimal.TryParse(name, NumberStyles.Number, CultureInfo.InvariantCulture, out var v) ? v : -1;

    private static bool HasServerTools(string bin) =>
        File.Exists(Path.Combine(bin, "initdb")) && File.Exists(Path.Combine(bin, "pg_ctl"));

    private static string? FindEnsureScript()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, EnsureScript);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        return null;
    }
}
