using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.AspNetCore.WebUtilities;

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

    // ---------------------------------------------------------------- POST /api/v2/oauth

    private async Task HandleOAuthAsync(HttpContext context)
    {
        var timestamp = DateTimeOffset.UtcNow;
        var rqUid = HeaderOrNull(context, "RqUID");
        var authorization = HeaderOrNull(context, "Authorization");
        string? scope = null;
        string? accessToken = null;
        var status = StatusCodes.Status499ClientClosedRequest;
        try
        {
            if (context.Request.HasFormContentType)
                scope = (await context.Request.ReadFormAsync(context.RequestAborted))["scope"].ToString();

            await DelayAsync(OAuthLatency, context.RequestAborted);

            if (_scriptedOAuthReplies.TryDequeue(out var scripted))
            {
                status = scripted.ErrorStatusCode;
                await WriteErrorAsync(context, scripted);
            }
            else if (!IsAuthorizationKeyAccepted(authorization))
            {
                status = StatusCodes.Status401Unauthorized;
                await WriteErrorAsync(context, status, "Unauthorized: wrong or missing authorization key");
            }
            else if (rqUid is null || !Guid.TryParseExact(rqUid, "D", out _))
            {
                status = StatusCodes.Status400BadRequest;
                await WriteErrorAsync(context, status, "RqUID header must be a UUID");
            }
            else if (string.IsNullOrEmpty(scope) || !ValidScopes.Contains(scope))
            {
                status = StatusCodes.Status400BadRequest;
                await WriteErrorAsync(context, status, "scope must be one of " + string.Join(", ", ValidScopes));
            }
            else
            {
                accessToken = IssueToken(out var expiresAt);
                status = StatusCodes.Status200OK;
                var expiresAtValue = Options.ExpiresAtInSeconds ? expiresAt.ToUnixTimeSeconds() : expiresAt.ToUnixTimeMilliseconds();
                await WriteJsonAsync(context, status, new { access_token = accessToken, expires_at = expiresAtValue });
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested || _shutdown.IsCancellationRequested)
        {
            status = StatusCodes.Status499ClientClosedRequest;
        }
        finally
        {
            var call = new OAuthCall(timestamp, rqUid, scope, authorization, status, accessToken);
            lock (_recordLock) _oauthCalls.Add(call);
        }
    }

    private bool IsAuthorizationKeyAccepted(string? authorization)
    {
        const string scheme = "Basic ";
        if (authorization is null || !authorization.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
            return false;
        var key = authorization[scheme.Length..].Trim();
        return Options.AuthorizationKey is null ? key.Length > 0 : key == Options.AuthorizationKey;
    }

    private string IssueToken(out DateTimeOffset expiresAt)
    {
        var token = "fake-gigachat-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        expiresAt = DateTimeOffset.UtcNow + Options.TokenLifetime;
        _tokens[token] = expiresAt;
        return token;
    }

    /// <summary>mTLS mode authenticates at the TLS layer; otherwise a live bearer token is required.</summary>
    private bool IsApiCallAuthorized(HttpContext context)
    {
        if (Options.RequireClientCertificate)
            return true;
        const string scheme = "Bearer ";
        var authorization = HeaderOrNull(context, "Authorization");
        if (authorization is null || !authorization.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
            return false;
        var token = authorization[scheme.Length..].Trim();
        return _tokens.TryGetValue(token, out var expiresAt) && expiresAt > DateTimeOffset.UtcNow;
    }

    // ---------------------------------------------------------------- POST /api/v1/chat/completions

    private async Task HandleChatAsync(HttpContext context)
    {
        var timestamp = DateTimeOffset.UtcNow;
        var started = Stopwatch.GetTimestamp();
        var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        var requestId = HeaderOrNull(context, "X-Request-ID");
        var sessionId = HeaderOrNull(context, "X-Session-ID");
        var outcome = new ChatOutcome();

        EnterChatCall();
        try
        {
            if (requestId is not null)
                context.Response.Headers["X-Request-ID"] = requestId;
            await ServeChatAsync(context, requestId, sessionId, outcome);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested || _shutdown.IsCancellationRequested)
        {
            outcome.Aborted = true;
            outcome.StatusCode = StatusCodes.Status499ClientClosedRequest;
        }
        finally
        {
            Interlocked.Decrement(ref _chatCallsInFlight);
            var call = new ChatCall(timestamp, outcome.Request, requestId, sessionId, headers, outcome.StatusCode, outcome.Aborted)
            {
                Duration = Stopwatch.GetElapsedTime(started),
            };
            lock (_recordLock)
            {
                _chatCalls.Add(call);
                if (Options.CallLogPath is { } log)
                    File.AppendAllText(log, FormattableString.Invariant($"{timestamp.ToUnixTimeMilliseconds() / 1000.0:F3} {outcome.StatusCode} {(outcome.Aborted ? "aborted" : "answered")}\n"));
            }
        }
    }

    private sealed class ChatOutcome
    {
        public ChatCompletionRequest? Request;
        public int StatusCode;
        public bool Aborted;
    }

    private async Task ServeChatAsync(HttpContext context, string? requestId, string? sessionId, ChatOutcome outcome)
    {
        var aborted = context.RequestAborted;

        if (Outage)
        {
            outcome.StatusCode = StatusCodes.Status503ServiceUnavailable;
            await WriteErrorAsync(context, outcome.StatusCode, "Service Unavailable (simulated outage)");
            return;
        }
        if (!IsApiCallAuthorized(context))
        {
            outcome.StatusCode = StatusCodes.Status401Unauthorized;
            await WriteErrorAsync(context, outcome.StatusCode, "Unauthorized");
            return;
        }

        var body = await ReadBodyAsync(context);
        ChatCompletionRequest request;
        try
        {
            request = ParseChatRequest(body, requestId, sessionId);
        }
        catch (InvalidRequestException invalid)
        {
            outcome.StatusCode = invalid.StatusCode;
            await WriteErrorAsync(context, invalid.StatusCode, invalid.Message);
            return;
        }
        outcome.Request = request;

        FakeReply reply;
        if (_scriptedChatReplies.TryDequeue(out var scripted))
        {
            reply = scripted;
        }
        else
        {
            await DelayAsync(Latency + Jitter(), aborted);
            try
            {
                reply = Responder(request);
            }
            catch (Exception exception)
            {
                // A throwing responder is a bug in the test: make it visible in the answer.
                outcome.StatusCode = StatusCodes.Status500InternalServerError;
                await WriteErrorAsync(context, outcome.StatusCode, "FakeGigaChat responder threw: " + exception.Message);
                return;
            }
        }
        await DelayAsync(reply.Delay, aborted);

        if (reply.IsError)
        {
            outcome.StatusCode = reply.ErrorStatusCode;
            await WriteErrorAsync(context, reply);
            return;
        }

        var functionCall = FunctionCallOf(request, reply);
        var promptTokens = reply.PromptTokens ?? EstimateTokens(request.Messages.Sum(m => m.Content.Length));
        var completionTokens = reply.CompletionTokens ?? EstimateTokens(functionCall is { } c ? c.Arguments.GetRawText().Length : reply.Content.Length);
        var usage = new
        {
            prompt_tokens = promptTokens,
            completion_tokens = completionTokens,
            total_tokens = promptTokens + completionTokens,
            precached_prompt_tokens = reply.PrecachedPromptTokens,
        };
        var created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        outcome.StatusCode = StatusCodes.Status200OK;

        if (functionCall is { } called && !request.Stream)
        {
            await WriteJsonAsync(context, StatusCodes.Status200OK, new
            {
                choices = new[]
                {
                    new
                    {
                        message = new { role = "assistant", content = "", function_call = new { name = called.Name, arguments = called.Arguments } },
                        index = 0, finish_reason = "function_call",
                    },
                },
                created,
                model = Options.Model,
                @object = "chat.completion",
                usage,
            });
            return;
        }

        if (request.Stream)
        {
            await WriteStreamAsync(context, reply, usage, created);
            return;
        }

        await WriteJsonAsync(context, StatusCodes.Status200OK, new
        {
            choices = new[]
            {
                new { message = new { role = "assistant", content = reply.Content }, index = 0, finish_reason = reply.FinishReason },
            },
            created,
            model = Options.Model,
            @object = "chat.completion",
            usage,
        });
    }

    /// <summary>Server-sent events as GigaChat streams them: content deltas, a last chunk with finish_reason and usage, then [DONE].</summary>
    private async Task WriteStreamAsync(HttpContext context, FakeReply reply, object usage, long created)
    {
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";

        // Word-sized pieces never split a surrogate pair.
        var pieces = WordBoundary().Split(reply.Content).Where(p => p.Length > 0).ToList();
        for (var i = 0; i < pieces.Count; i++)
        {
            var isLast = i == pieces.Count - 1;
            if (i > 0 && reply.ChunkDelay > TimeSpan.Zero) await Task.Delay(reply.ChunkDelay, context.RequestAborted);
            await WriteEventAsync(context, isLast
                ? ChunkWithFinish(pieces[i])
                : new
                {
                    choices = new[] { new { delta = new { content = pieces[i], role = "assistant" }, index = 0 } },
                    created,
                    model = Options.Model,
                    @object = "chat.completion",
                });
        }
        if (pieces.Count == 0)
            await WriteEventAsync(context, ChunkWithFinish(""));
        await context.Response.WriteAsync("data: [DONE]\n\n", context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);

        object ChunkWithFinish(string content) => new
        {
            choices = new[] { new { delta = new { content, role = "assistant" }, index = 0, finish_reason = reply.FinishReason } },
            created,
            model = Options.Model,
            @object = "chat.completion",
            usage,
        };
    }

    private static async Task WriteEventAsync(HttpContext context, object chunk)
    {
        await context.Response.WriteAsync("data: " + JsonSerializer.Serialize(chunk, JsonOptions) + "\n\n", context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
    }

    [GeneratedRegex(@"(?<=\s)")]
    private static partial Regex WordBoundary();

    private static ChatCompletionRequest ParseChatRequest(string body, string? requestId, string? sessionId)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException exception)
        {
            throw new InvalidRequestException(StatusCodes.Status400BadRequest, "Body is not valid JSON: " + exception.Message);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw Unprocessable("Body must be a JSON object");

            if (!root.TryGetProperty("model", out var model) || model.ValueKind != JsonValueKind.String || model.GetString() is not { Length: > 0 } modelName)
                throw Unprocessable("model is required");

            if (!root.TryGetProperty("messages", out var messagesElement) || messagesElement.ValueKind != JsonValueKind.Array || messagesElement.GetArrayLength() == 0)
                throw Unprocessable("messages must be a non-empty array");

            var messages = new List<ChatMessage>();
            foreach (var item in messagesElement.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Object
                    || !item.TryGetProperty("role", out var role) || role.ValueKind != JsonValueKind.String
                    || !ValidRoles.Contains(role.GetString()!))
                    throw Unprocessable($"messages[{messages.Count}].role must be one of {string.Join(", ", ValidRoles)}");

                var content = item.TryGetProperty("content", out var contentElement) ? contentElement : default;
                if (content.ValueKind is not (JsonValueKind.String or JsonValueKind.Null or JsonValueKind.Undefined))
                    throw Unprocessable($"messages[{messages.Count}].content must be a string");

                messages.Add(new ChatMessage(role.GetString()!, content.ValueKind == JsonValueKind.String ? content.GetString()! : ""));
            }

            var systemPositions = messages.Select((m, i) => (m.Role, i)).Where(x => x.Role == "system").Select(x => x.i).ToList();
            if (systemPositions.Count > 1)
                throw Unprocessable("At most one system message is allowed");
            if (systemPositions is [not 0])
                throw Unprocessable("The system message must be the first message");

            var (functions, functionCall, forced) = ParseFunctions(root);
            return new ChatCompletionRequest
            {
                Functions = functions,
                FunctionCall = functionCall,
                ForcedFunction = forced,
                Model = modelName,
                Messages = messages,
                Temperature = OptionalNumber(root, "temperature"),
                TopP = OptionalNumber(root, "top_p"),
                MaxTokens = OptionalNumber(root, "max_tokens") is { } maxTokens ? (int)maxTokens : null,
                RepetitionPenalty = OptionalNumber(root, "repetition_penalty"),
                Stream = root.TryGetProperty("stream", out var stream) && stream.ValueKind == JsonValueKind.True,
                RequestId = requestId,
                SessionId = sessionId,
                RawJson = body,
            };
        }
    }

    private static double? OptionalNumber(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            return null;
        if (value.ValueKind != JsonValueKind.Number)
            throw Unprocessable(name + " must be a number");
        return value.GetDouble();
    }

    private static InvalidRequestException Unprocessable(string message) =>
        new(StatusCodes.Status422UnprocessableEntity, message);

    private sealed class InvalidRequestException(int statusCode, string message) : Exception(message)
    {
        public int StatusCode { get; } = statusCode;
    }

    private void EnterChatCall()
    {
        var inFlight = Interlocked.Increment(ref _chatCallsInFlight);
        var max = Volatile.Read(ref _maxConcurrentChatCalls);
        while (inFlight > max)
        {
            var seen = Interlocked.CompareExchange(ref _maxConcurrentChatCalls, inFlight, max);
            if (seen == max)
                break;
            max = seen;
        }
    }

    // ---------------------------------------------------------------- GET /api/v1/models

    private async Task HandleModelsAsync(HttpContext context)
    {
        Interlocked.Increment(ref _modelsCallCount);
        if (!IsApiCallAuthorized(context))
        {
            await WriteErrorAsync(context, StatusCodes.Status401Unauthorized, "Unauthorized");
            return;
        }
        await WriteJsonAsync(context, StatusCodes.Status200OK, new
        {
            @object = "list",
            data = new[] { new { id = Options.Model, @object = "model", owned_by = "salutedevices" } },
        });
    }

    // ---------------------------------------------------------------- POST /api/v1/tokens/count

    private async Task HandleTokenCountAsync(HttpContext context)
    {
        Interlocked.Increment(ref _tokenCountCallCount);
        if (!IsApiCallAuthorized(context))
        {
            await WriteErrorAsync(context, StatusCodes.Status401Unauthorized, "Unauthorized");
            return;
        }

        List<string> inputs;
        try
        {
            using var document = JsonDocument.Parse(await ReadBodyAsync(context));
            if (!document.RootElement.TryGetProperty("input", out var input) || input.ValueKind != JsonValueKind.Array
                || input.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.String))
            {
                await WriteErrorAsync(context, StatusCodes.Status422UnprocessableEntity, "input must be an array of strings");
                return;
            }
            inputs = input.EnumerateArray().Select(e => e.GetString()!).ToList();
        }
        catch (JsonException exception)
        {
            await WriteErrorAsync(context, StatusCodes.Status400BadRequest, "Body is not valid JSON: " + exception.Message);
            return;
        }

        await WriteJsonAsync(context, StatusCodes.Status200OK,
            inputs.Select(text => new { @object = "tokens", tokens = (int)Math.Ceiling(EstimateTokens(text.Length) * TokenCountFactor), characters = text.Length }).ToArray());
    }

    // ---------------------------------------------------------------- helpers

    /// <summary>The fake's token arithmetic: ceil(characters / 3), roughly GigaChat's ratio for Russian text.</summary>
    public static int EstimateTokens(int characters) => (characters + 2) / 3;

    private async Task DelayAsync(TimeSpan delay, CancellationToken requestAborted)
    {
        if (delay <= TimeSpan.Zero)
            return;
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(requestAborted, _shutdown.Token);
        await Task.Delay(delay, linked.Token);
    }

    private static async Task<string> ReadBodyAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        return await reader.ReadToEndAsync(context.RequestAborted);
    }

    private static string? HeaderOrNull(HttpContext context, string name) =>
        context.Request.Headers.TryGetValue(name, out var values) && !string.IsNullOrEmpty(values.ToString()) ? values.ToString() : null;

    private static async Task WriteJsonAsync(HttpContext context, int statusCode, object body)
    {
        context.Response.StatusCode = statusCode;
        context.Response.ContentType = "application/json; charset=utf-8";
        await JsonSerializer.SerializeAsync(context.Response.Body, body, JsonOptions, context.RequestAborted);
    }

    /// <summary>GigaChat's error shape: {"status":N,"message":"..."}.</summary>
    private static Task WriteErrorAsync(HttpContext context, int statusCode, string message) =>
        WriteJsonAsync(context, statusCode, new { status = statusCode, message });

    private static async Task WriteErrorAsync(HttpContext context, FakeReply reply)
    {
        if (reply.RetryAfterSeconds is { } retryAfter)
            context.Response.Headers.RetryAfter = retryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture);

        if (reply.ErrorBody is null)
        {
            await WriteErrorAsync(context, reply.ErrorStatusCode, ReasonPhrases.GetReasonPhrase(reply.ErrorStatusCode));
            return;
        }
        context.Response.StatusCode = reply.ErrorStatusCode;
        context.Response.ContentType = "application/json; charset=utf-8";
        await context.Response.WriteAsync(reply.ErrorBody, context.RequestAborted);
    }
}
