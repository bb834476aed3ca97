using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;
using GigaOffice.Configuration;
using GigaOffice.Testing;

namespace GigaOffice.Tests.TestSupport;

/// <summary>
/// The built service (<c>src/GigaOffice/bin/&lt;configuration&gt;/net10.0/GigaOffice.dll</c>) as a real
/// child process, configured only through the seed's environment variables. Its output is kept
/// for assertions and for the failure message.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private ServiceProcess(string name, Process process, int port)
    {
        Name = name;
        _process = process;
        Port = port;
        Client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
    }

    public string Name { get; }
    public int Port { get; }
    public HttpClient Client { get; }
    public int Id => _process.Id;
    public bool HasExited => _process.HasExited;
    public IReadOnlyCollection<string> Output => _output;

    /// <summary>
    /// Starts the service with <paramref name="settings"/> (configuration keys, passed as the seed's
    /// variables where one exists, else as <c>Section__Key</c>) on a free port.
    /// </summary>
    public static ServiceProcess Start(string name, IReadOnlyDictionary<string, string?> settings, params string[] args) =>
        StartDotnet(name, settings, [ServiceDll, .. args]);

    /// <summary>
    /// Starts the service as the README does, <c>dotnet run --project src/GigaOffice</c> (without
    /// building again): the SDK starts it as a child, with its launch profile. <see cref="Id"/> is
    /// the SDK's process; <see cref="FindServicePid"/> finds the service's.
    /// </summary>
    public static ServiceProcess StartWithDotnetRun(string name, IReadOnlyDictionary<string, string?> settings) =>
        StartDotnet(name, settings, ["run", "--project", Path.Combine(Repository.Root(), "src", "GigaOffice"), "--no-build", "-c", Configuration]);

    private static ServiceProcess StartDotnet(string name, IReadOnlyDictionary<string, string?> settings, string[] dotnetArgs)
    {
        var port = FreePort.Get();
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            // A directory of its own: no stray .env, logs or data files.
            WorkingDirectory = TempPaths.NewDirectory(),
        };
        foreach (var arg in dotnetArgs) start.ArgumentList.Add(arg);
        // Nothing from the test's own environment may configure the child.
        foreach (var key in start.Environment.Keys.Where(k => SeedVariables.Map.ContainsKey(k) || k.StartsWith("ASPNETCORE_") || k.Contains("__")).ToList())
            start.Environment.Remove(key);
        start.Environment["HOST"] = "127.0.0.1";
        start.Environment["PORT"] = port.ToString();
        start.Environment["Logging__File"] = "false";
        start.Environment["DOTNET_gcServer"] = "0";
        foreach (var (key, value) in settings)
            start.Environment[SeedVariables.NameOf(key)] = value;

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var service = new ServiceProcess(name, process, port);
        Live.TryAdd(service, 0);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) service._output.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) service._output.Enqueue("stderr: " + e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return service;
    }

    /// <summary>Runs the service's admin command (e.g. <c>migrate</c>) to completion.</summary>
    public static async Task<string> RunCommandAsync(IReadOnlyDictionary<string, string?> settings, string command)
    {
        await using var service = Start(command, settings, command);
        var exitCode = await service.WaitForExitAsync(TimeSpan.FromMinutes(2));
        var output = string.Join('\n', service.Output);
        Assert.True(exitCode == 0, $"`GigaOffice {command}` exited with {exitCode}:\n{output}");
        return output;
    }

    /// <summary>Waits for the process to end by itself; its exit code, with all its output read.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cancel.Token);
        _process.WaitForExit(); // flushes the output events
        return _process.ExitCode;
    }

    /// <summary>Waits until /health/ready answers 200.</summary>
    public async Task WaitReadyAsync(TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            if (_process.HasExited) throw new InvalidOperationException($"{Name} exited with {_process.ExitCode}:\n{Tail()}");
            try
            {
                using var response = await Client.GetAsync("/health/ready");
                if (response.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{Name} not ready:\n{Tail()}");
            await Task.Delay(100);
        }
    }

    /// <summary>The service's own process: this one, or under <c>dotnet run</c> its child.</summary>
    public int FindServicePid()
    {
        var children = Directory.EnumerateDirectories("/proc").Select(d => Path.GetFileName(d))
            .Where(d => d.All(char.IsAsciiDigit)).Select(int.Parse)
            .Where(pid => ParentOf(pid) == _process.Id).ToList();
        return children.Count == 0 ? _process.Id : children.Single();
    }

    private static int? ParentOf(int pid)
    {
        try
        {
            // /proc/PID/stat: "pid (comm) state ppid ..."; comm may hold spaces, so split after its ')'.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1]);
        }
        catch (IOException) { return null; } // it ended meanwhile
    }

    /// <summary>SIGKILL: no shutdown code runs, as when the machine or the OOM killer takes it.</summary>
    public void Kill()
    {
        _process.Kill();
        _process.WaitForExit();
    }

    /// <summary>SIGTERM: the host shuts down gracefully.</summary>
    public async Task StopAsync()
    {
        if (_process.HasExited) return;
        if (SysKill(_process.Id, 15) != 0) throw new InvalidOperationException($"kill -TERM {_process.Id} failed");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await _process.WaitForExitAsync(timeout.Token);
    }

    public string Tail(int lines = 60) => string.Join('\n', _output.TakeLast(lines));

    public async ValueTask DisposeAsync()
    {
        Live.TryRemove(this, out _);
        Client.Dispose();
        if (!_process.HasExited)
        {
            try { _process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }

    // Children still running when the test process exits (an aborted run) would outlive it.
    private static readonly ConcurrentDictionary<ServiceProcess, byte> Live = new();

    static ServiceProcess() => AppDomain.CurrentDomain.ProcessExit += (_, _) =>
    {
        foreach (var service in Live.Keys)
            try { service._process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
    };

    // The tests run from tests/GigaOffice.Tests/bin/<configuration>/net10.0/ (declared first: ServiceDll needs it).
    private static readonly string Configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;

    /// <summary>The service built in the same configuration as these tests.</summary>
    public static string ServiceDll { get; } = FindServiceDll();

    private static string FindServiceDll()
    {
        var dll = Path.Combine(Repository.Root(), "src", "GigaOffice", "bin", Configuration, "net10.0", "GigaOffice.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException($"The built service is not at {dll}; build the solution first.");
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SysKill(int pid, int signal);
}
