using Microsoft.Extensions.Logging;

namespace FakeGigaChat;

/// <summary>How a <see cref="FakeGigaChatServer"/> behaves. Fixed at start, except the values
/// the server also exposes as settable properties (Latency, OAuthLatency).</summary>
public sealed record FakeGigaChatOptions
{
    /// <summary>base64("test:test"): the authorization key the fake expects unless told otherwise.</summary>
    public const string DefaultAuthorizationKey = "dGVzdDp0ZXN0";

    /// <summary>TCP port on 127.0.0.1; 0 picks a free one (read it back from <see cref="FakeGigaChatServer.BaseAddress"/>).</summary>
    public int Port { get; init; }

    /// <summary>
    /// mTLS mode: the TLS handshake requires a client certificate issued by the test CA
    /// (valid dates, EKU clientAuth); the API then needs no bearer token, as with the real service.
    /// </summary>
    public bool RequireClientCertificate { get; init; }

    /// <summary>Value expected after "Basic " on the OAuth call; null accepts any non-empty key.</summary>
    public string? AuthorizationKey { get; init; } = DefaultAuthorizationKey;

    /// <summary>Lifetime of issued access tokens (the real service: 30 minutes).</summary>
    public TimeSpan TokenLifetime { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>Answer expires_at in unix seconds, like the older login flow, instead of milliseconds.</summary>
    public bool ExpiresAtInSeconds { get; init; }

    /// <summary>Simulated generation time of chat answers produced by the responder.</summary>
    public TimeSpan Latency { get; init; } = TimeSpan.Zero;

    /// <summary>
    /// Spread of the chat answers' delay: each waits <see cref="Latency"/> plus a uniform offset in
    /// ±this (never below zero). A real model's time varies; a constant one keeps a service's
    /// workers in step, all answered at the same moment.
    /// </summary>
    public TimeSpan LatencyJitter { get; init; } = TimeSpan.Zero;

    /// <summary>Delay of the OAuth answer; makes concurrent token refreshes overlap in single-flight tests.</summary>
    public TimeSpan OAuthLatency { get; init; } = TimeSpan.Zero;

    /// <summary>Model name reported in answers and by GET /models.</summary>
    public string Model { get; init; } = "GigaChat";

    /// <summary>Serve the rogue CA's server certificate: clients trusting only the test CA must refuse the connection.</summary>
    public bool UseRogueServerCertificate { get; init; }

    /// <summary>
    /// A file to which every chat call appends a line when it ends: arrival as unix seconds, status,
    /// "aborted" if the client gave up. Benchmarks count the calls GigaChat would see from it.
    /// </summary>
    public string? CallLogPath { get; init; }

    /// <summary>Optional logging setup (none by default, to keep test output quiet).</summary>
    public Action<ILoggingBuilder>? ConfigureLogging { get; init; }
}
