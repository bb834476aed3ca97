using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;

namespace FakeGigaChat;

/// <summary>
/// Standalone entry point, for benchmarks and manual runs:
/// <c>dotnet run --project tests/FakeGigaChat -- --port 9443 --latency-ms 300 --cert-dir /tmp/fakegc [--mtls] [--auth-key KEY]</c>.
/// An explicit class rather than top-level statements, so that projects referencing this
/// one as a library get no second global <c>Program</c> type.
/// </summary>
public static class FakeGigaChatProgram
{
    private const string Usage = """
        FakeGigaChat: a fake GigaChat (OAuth + API) over HTTPS on 127.0.0.1.

        Options:
          --port N                 TCP port (default 9443; 0 = any free port)
          --cert-dir DIR           where to write the generated PEM files (default: $TMP/fakegc)
          --latency-ms N           delay of each chat answer (default 0)
          --latency-jitter-ms N    spread of that delay: each answer waits latency +- up to N (default 0)
          --oauth-latency-ms N     delay of each OAuth answer (default 0)
          --mtls                   require a client certificate issued by the generated CA
          --auth-key KEY           authorization key expected after "Basic " (default dGVzdDp0ZXN0)
          --any-auth-key           accept any authorization key
          --token-lifetime-s N     access token lifetime in seconds (default 1800)
          --expires-at-seconds     answer expires_at in seconds instead of milliseconds
          --model NAME             model name reported (default GigaChat)
          --client-key-password P  password of the generated client key
          --call-log FILE          append a line per chat call: arrival (unix s), status, aborted
          --verbose                log requests to the console
          --help                   this text
        """;

    public static async Task<int> Main(string[] args)
    {
        FakeGigaChatOptions options;
        string certDirectory;
        string clientKeyPassword;
        try
        {
            (options, certDirectory, clientKeyPassword) = ParseArguments(args);
        }
        catch (ArgumentException exception)
        {
            await Console.Error.WriteLineAsync(exception.Message + Environment.NewLine + Environment.NewLine + Usage);
            return 2;
        }
        catch (HelpRequestedException)
        {
            Console.WriteLine(Usage);
            return 0;
        }

        using var certificates = TestCertificates.Create(certDirectory, clientKeyPassword);
        FakeGigaChatServer server;
        try
        {
            server = await FakeGigaChatServer.StartAsync(options, certificates);
        }
        catch (IOException exception) // typically "address already in use"
        {
            await Console.Error.WriteLineAsync("Cannot start: " + exception.Message);
            return 1;
        }
        await using var _ = server;

        Console.WriteLine($"CA bundle:    {certificates.CaBundlePath}");
        if (options.RequireClientCertificate)
        {
            Console.WriteLine($"Client cert:  {certificates.ClientCertPath}");
            Console.WriteLine($"Client key:   {certificates.ClientKeyPath} (password: {certificates.ClientKeyPassword})");
        }
        else
        {
            Console.WriteLine($"Auth key:     {options.AuthorizationKey ?? "(any)"}");
        }
        Console.WriteLine($"Auth URL:     {server.AuthUrl}");
        Console.WriteLine($"API base URL: {server.ApiBaseUrl}");
        Console.WriteLine($"FakeGigaChat listening on {server.BaseAddress} (mTLS: {options.RequireClientCertificate}, latency: {options.Latency.TotalMilliseconds} ± {options.LatencyJitter.TotalMilliseconds} ms). Ctrl+C to stop.");

        var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true; // let the server shut down cleanly instead of killing the process
            stop.TrySetResult();
        };
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stop.TrySetResult();
        });
        await stop.Task;

        Console.WriteLine($"Stopping. Served {server.OAuthCalls.Count} OAuth and {server.ChatCalls.Count} chat calls.");
        return 0;
    }

    private static (FakeGigaChatOptions Options, string CertDirectory, string ClientKeyPassword) ParseArguments(string[] args)
    {
        var options = new FakeGigaChatOptions { Port = 9443 };
        var certDirectory = Path.Combine(Path.GetTempPath(), "fakegc");
        var clientKeyPassword = TestCertificates.DefaultClientKeyPassword;

        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{name} needs a value");
            int Number() => int.TryParse(Value(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= 0
                ? n
                : throw new ArgumentException($"{name} needs a non-negative integer");

            options = name switch
            {
                "--port" => options with { Port = Number() },
                "--latency-ms" => options with { Latency = TimeSpan.FromMilliseconds(Number()) },
                "--latency-jitter-ms" => options with { LatencyJitter = TimeSpan.FromMilliseconds(Number()) },
                "--oauth-latency-ms" => options with { OAuthLatency = TimeSpan.FromMilliseconds(Number()) },
                "--mtls" => options with { RequireClientCertificate = true },
                "--call-log" => options with { CallLogPath = Value() },
                "--auth-key" => options with { AuthorizationKey = Value() },
                "--any-auth-key" => options with { AuthorizationKey = null },
                "--token-lifetime-s" => options with { TokenLifetime = TimeSpan.FromSeconds(Number()) },
                "--expires-at-seconds" => options with { ExpiresAtInSeconds = true },
                "--model" => options with { Model = Value() },
                "--verbose" => options with
                {
                    ConfigureLogging = logging => logging.AddSimpleConsole(c => c.SingleLine = true).SetMinimumLevel(LogLevel.Information),
                },
                "--cert-dir" => SetAndKeep(ref certDirectory, Value(), options),
                "--client-key-password" => SetAndKeep(ref clientKeyPassword, Value(), options),
                "--help" or "-h" => throw new HelpRequestedException(),
                _ => throw new ArgumentException($"Unknown option {name}"),
            };
        }
        return (options, certDirectory, clientKeyPassword);
    }

    private static FakeGigaChatOptions SetAndKeep(ref string target, string value, FakeGigaChatOptions options)
    {
        target = value;
        return options;
    }

    private sealed class HelpRequestedException : Exception;
}
