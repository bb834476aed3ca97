using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace FakeGigaChat;

/// <summary>
/// A real HTTPS (Kestrel) imitation of GigaChat: the OAuth endpoint and the REST API on one
/// server at https://127.0.0.1:PORT, with the same paths as the real services. Tests steer it
/// (responder, scripted failures, outage, latency) and assert on what it recorded.
/// All members are thread-safe.
/// </summary>
public sealed partial class FakeGigaChatServer : IAsyncDisposable
{
    private static readonly HashSet<string> ValidScopes = ["GIGACHAT_API_PERS", "GIGACHAT_API_B2B", "GIGACHAT_API_CORP"];
    private static readonly HashSet<string> ValidRoles = ["system", "user", "assistant", "function"];
    private static readonly Oid ClientAuthOid = new("1.3.6.1.5.5.7.3.2");

    // Relaxed escaping keeps Cyrillic readable in curl output; it is still valid JSON.
    private static readonly JsonSerializerOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static readonly Func<ChatCompletionRequest, FakeReply> DefaultResponder = _ => FakeReply.Default;

    private readonly WebApplication _app;
    private readonly X509Certificate2 _trustedCa;
    private readonly CancellationTokenSource _shutdown = new();

    // access token -> expiry
    private readonly ConcurrentDictionary<string, DateTimeOffset> _tokens = new();
    private readonly ConcurrentQueue<FakeReply> _scriptedChatReplies = new();
    private readonly ConcurrentQueue<FakeReply> _scriptedOAuthReplies = new();

    private readonly Lock _recordLock = new();
    private readonly List<OAuthCall> _oauthCalls = [];
    private readonly List<ChatCall> _chatCalls = [];

    private Func<ChatCompletionRequest, FakeReply> _responder = DefaultResponder;
    private volatile bool _outage;
    private long _latencyTicks;
    private long _oauthLatencyTicks;
    private int _chatCallsInFlight;
    private int _maxConcurrentChatCalls;
    private int _modelsCallCount;
    private int _tokenCountCallCount;
    private int _rejectedClientCertificates;
    private int _disposed;

    private FakeGigaChatServer(FakeGigaChatOptions options, TestCertificates certificates)
    {
        Options = options;
        Certificates = certificates;
        _trustedCa = certificates.Ca;
        Latency = options.Latency;
        OAuthLatency = options.OAuthLatency;
        _app = BuildApp();
    }

    public FakeGigaChatOptions Options { get; }
    public TestCertificates Certificates { get; }

    /// <summary>e.g. https://127.0.0.1:41234 (no trailing slash).</summary>
    public string BaseAddress { get; private set; } = "";
    public int Port { get; private set; }
    /// <summary>BaseAddress + "/api/v1": the GigaChat API base URL.</summary>
    public string ApiBaseUrl => BaseAddress + "/api/v1";
    /// <summary>BaseAddress + "/api/v2/oauth": the token endpoint.</summary>
    public string AuthUrl => BaseAddress + "/api/v2/oauth";

    /// <summary>Produces the answer of each chat call that passed auth and validation. Settable at any time; null restores the default.</summary>
    public Func<ChatCompletionRequest, FakeReply> Responder
    {
        get => Volatile.Read(ref _responder);
        set => Volatile.Write(ref _responder, value ?? DefaultResponder);
    }

    /// <summary>While true every chat call answers 503 at once (before auth), for circuit-breaker tests.</summary>
    public bool Outage
    {
        get => _outage;
        set => _outage = value;
    }

    /// <summary>Delay before the responder is asked (simulated generation time). Scripted failures and outage answers skip it.</summary>
    public TimeSpan Latency
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _latencyTicks));
        set => Interlocked.Exchange(ref _latencyTicks, value.Ticks);
    }

    private TimeSpan Jitter() => Options.LatencyJitter <= TimeSpan.Zero ? TimeSpan.Zero
        : Options.LatencyJitter * (2 * Random.Shared.NextDouble() - 1);

    /// <summary>Delay of every OAuth answer.</summary>
    public TimeSpan OAuthLatency
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _oauthLatencyTicks));
        set => Interlocked.Exchange(ref _oauthLatencyTicks, value.Ticks);
    }

    public IReadOnlyList<OAuthCall> OAuthCalls
    {
        get { lock (_recordLock) return _oauthCalls.ToArray(); }
    }

    /// <summary>Chat calls in completion order (each stamped with its arrival time).</summary>
    public IReadOnlyList<ChatCall> ChatCalls
    {
        get { lock (_recordLock) return _chatCalls.ToArray(); }
    }

    public int ChatCallsInFlight => Volatile.Read(ref _chatCallsInFlight);
    /// <summary>Highest number of chat calls being served at once since start or <see cref="Reset"/>.</summary>
    public int MaxConcurrentChatCalls => Volatile.Read(ref _maxConcurrentChatCalls);
    public int ModelsCallCount => Volatile.Read(ref _modelsCallCount);
    public int TokenCountCallCount => Volatile.Read(ref _tokenCountCallCount);
    /// <summary>
    /// TLS handshakes whose client certificate was refused in mTLS mode (handshakes without a
    /// certificate are refused by TLS itself and not counted). Counts handshakes, not requests:
    /// .NET's SocketsHttpHandler retries a refused connection up to 3 times, so assert &gt; 0.
    /// </summary>
    public int RejectedClientCertificates => Volatile.Read(ref _rejectedClientCertificates);

    public static Task<FakeGigaChatServer> StartAsync(TestCertificates certificates, CancellationToken cancellationToken = default) =>
        StartAsync(new FakeGigaChatOptions(), certificates, cancellationToken);

    public static async Task<FakeGigaChatServer> StartAsync(
        FakeGigaChatOptions options, TestCertificates certificates, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(certificates);

        var server = new FakeGigaChatServer(options, certificates);
        try
        {
            await server._app.StartAsync(cancellationToken);
            // Port 0 means "any free port": the bound one is only known after start.
            var address = server._app.Services.GetRequiredService<IServer>()
                .Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
            server.Port = new Uri(address).Port;
            server.BaseAddress = $"https://127.0.0.1:{server.Port}";
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>The next <paramref name="count"/> chat calls (after auth and validation) answer this error instead of the responder.</summary>
    public void FailNext(int count, int statusCode, int? retryAfterSeconds = null, string? body = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var reply = FakeReply.Error(statusCode, retryAfterSeconds, body);
        for (var i = 0; i < count; i++)
            _scriptedChatReplies.Enqueue(reply);
    }

    /// <summary>Queues arbitrary replies (errors or answers) used, in order, before the responder.</summary>
    public void EnqueueReplies(params FakeReply[] replies)
    {
        foreach (var reply in replies)
            _scriptedChatReplies.Enqueue(reply);
    }

    /// <summary>The next <paramref name="count"/> OAuth calls answer this error (e.g. 429 for refresh storms, 5xx).</summary>
    public void FailNextOAuth(int count, int statusCode, int? retryAfterSeconds = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var reply = FakeReply.Error(statusCode, retryAfterSeconds);
        for (var i = 0; i < count; i++)
            _scriptedOAuthReplies.Enqueue(reply);
    }

    /// <summary>Invalidates every issued token: the next API call with one of them gets 401.</summary>
    public void ExpireAllTokens() => _tokens.Clear();

    /// <summary>
    /// Clears recorded calls, counters and pending scripted replies, so a shared server can
    /// serve the next test. Issued tokens, Responder, Outage and latencies are left as they are.
    /// </summary>
    public void Reset()
    {
        lock (_recordLock)
        {
            _oauthCalls.Clear();
            _chatCalls.Clear();
        }
        _scriptedChatReplies.Clear();
        _scriptedOAuthReplies.Clear();
        Volatile.Write(ref _maxConcurrentChatCalls, Volatile.Read(ref _chatCallsInFlight));
        Volatile.Write(ref _modelsCallCount, 0);
        Volatile.Write(ref _tokenCountCallCount, 0);
        Volatile.Write(ref _rejectedClientCertificates, 0);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        // Cut pending latencies first, otherwise Kestrel would wait for them to finish.
        await _shutdown.CancelAsync();
        using (var stopTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
        {
            try { await _app.StopAsync(stopTimeout.Token); }
            catch (OperationCanceledException) { }
            catch (InvalidOperationException) { /* never started */ }
        }
        await _app.DisposeAsync();
        _shutdown.Dispose();
    }

    // ---------------------------------------------------------------- hosting

    private WebApplication BuildApp()
    {
        // The empty builder reads no appsettings / environment: the fake must not pick up the
        // configuration (Kestrel endpoints, logging) of the test project it runs inside.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = "FakeGigaChat" });
        // Default ConsoleLifetime would hook Ctrl+C/SIGTERM of the hosting test process once per server.
        builder.Services.AddSingleton<IHostLifetime, PassiveLifetime>();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        builder.Services.AddRoutingCore();
        builder.WebHost.UseKestrelCore();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(IPAddress.Loopback, Options.Port, listen =>
            {
                listen.Protocols = HttpProtocols.Http1AndHttp2;
                listen.UseHttps(CreateHttpsOptions());
            });
        });
        Options.ConfigureLogging?.Invoke(builder.Logging);

        var app = builder.Build();
        app.MapPost("/api/v2/oauth", HandleOAuthAsync);
        app.MapPost("/api/v1/chat/completions", HandleChatAsync);
        app.MapGet("/api/v1/models", HandleModelsAsync);
        app.MapPost("/api/v1/tokens/count", HandleTokenCountAsync);
        return app;
    }

    private HttpsConnectionAdapterOptions CreateHttpsOptions()
    {
        var serverCertificate = Options.UseRogueServerCertificate ? Certificates.RogueServer : Certificates.Server;
        var https = new HttpsConnectionAdapterOptions
        {
            ServerCertificate = serverCertificate,
            SslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            CheckCertificateRevocation = false,
            ClientCertificateMode = Options.RequireClientCertificate
                ? ClientCertificateMode.RequireCertificate
                : ClientCertificateMode.NoCertificate,
        };
        if (!Options.RequireClientCertificate)
            return https;

        https.ClientCertificateValidation = (certificate, _, _) => IsTrustedClientCertificate(certificate);

        // Advertise the test CA in the CertificateRequest, as a real mTLS server does: clients
        // holding several certificates (e.g. .NET's HttpClientHandler) pick theirs by issuer.
        if (!OperatingSystem.IsWindows()) // sendTrustInHandshake needs a certificate store on Windows
        {
            var context = SslStreamCertificateContext.Create(serverCertificate, additionalCertificates: null, offline: true,
                trust: SslCertificateTrust.CreateForX509Collection(new X509Certificate2Collection(_trustedCa), sendTrustInHandshake: true));
            https.OnAuthenticate = (_, ssl) =>
            {
                ssl.ServerCertificate = null;
                ssl.ServerCertificateSelectionCallback = null;
                ssl.ServerCertificateContext = context;
            };
        }
        return https;
    }

    /// <summary>The client certificate must chain to the test CA (only), be within its dates and allow clientAuth.</summary>
    private bool IsTrustedClientCertificate(X509Certificate2 certificate)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(_trustedCa);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        chain.ChainPolicy.ApplicationPolicy.Add(ClientAuthOid);

        var trusted = chain.Build(certificate);
        if (!trusted)
            Interlocked.Increment(ref _rejectedClientCertificates);
        return trusted;
    }

    /// <summary>Host lifetime that neither waits for nor listens to console signals.</summary>
    private sealed class PassiveLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
