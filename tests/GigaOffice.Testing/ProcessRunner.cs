using System.ComponentModel;
using System.Diagnostics;

namespace GigaOffice.Testing;

/// <summary>Runs a command to completion and fails loudly, with its output, when it fails.</summary>
internal static class ProcessRunner
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(2);

    /// <returns>The command's standard output.</returns>
    /// <exception cref="PostgresServerException">Non-zero exit, time-out, or the command could not start.</exception>
    public static async Task<string> RunCheckedAsync(
        string file, IReadOnlyList<string> args, string workDir, CancellationToken cancellationToken, TimeSpan? timeout = null)
    {
        var startInfo = new ProcessStartInfo(file)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workDir,
        };
        foreach (var arg in args)
        {
            startInfo.ArgumentList.Add(arg);
        }

        // The caller's PGPORT, PGDATA, PGHOST... would silently redirect the PostgreSQL tools.
        foreach (var key in startInfo.Environment.Keys.Where(k => k.StartsWith("PG", StringComparison.Ordinal)).ToList())
        {
            startInfo.Environment.Remove(key);
        }

        var commandLine = string.Join(' ', args.Prepend(file));
        using var process = new Process { StartInfo = startInfo };
        try
        {
            process.Start();
        }
        catch (Win32Exception e)
        {
            throw new PostgresServerException($"Cannot run `{commandLine}`: {e.Message}", e);
        }

        process.StandardInput.Close(); // Nothing may wait for a terminal.
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);

        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout ?? DefaultTimeout);
        try
        {
            await process.WaitForExitAsync(timeoutSource.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // Exited meanwhile.
            }

            cancellationToken.ThrowIfCancellationRequested();
            throw new PostgresServerException($"`{commandLine}` did not finish within {(timeout ?? DefaultTimeout).TotalSeconds:0} s.");
        }

        var output = await stdout.ConfigureAwait(false);
        var errors = await stderr.ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new PostgresServerException(
                $"`{commandLine}` failed with exit code {process.ExitCode}.\n--- stderr ---\n{errors.Trim()}\n--- stdout ---\n{output.Trim()}");
        }

        return output;
    }
}
