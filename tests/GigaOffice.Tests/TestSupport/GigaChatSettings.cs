using FakeGigaChat;

namespace GigaOffice.Tests.TestSupport;

/// <summary>Settings of the service in cloud or mtls mode, talking real HTTPS to a <see cref="FakeGigaChatServer"/>.</summary>
public static class GigaChatSettings
{
    public static Dictionary<string, string?> Cloud(FakeGigaChatServer fake) => new(Common(fake))
    {
        ["GigaChat:RunMode"] = "cloud",
        ["GigaChat:Credentials"] = FakeGigaChatOptions.DefaultAuthorizationKey,
        ["GigaChat:AuthUrl"] = fake.AuthUrl,
        ["GigaChat:CaBundleFile"] = fake.Certificates.CaBundlePath,
    };

    public static Dictionary<string, string?> Mtls(FakeGigaChatServer fake) => new(Common(fake))
    {
        ["GigaChat:RunMode"] = "mtls",
        ["GigaChat:MtlsCaBundleFile"] = fake.Certificates.CaBundlePath,
        ["GigaChat:MtlsCertFile"] = fake.Certificates.ClientCertPath,
        ["GigaChat:MtlsKeyFile"] = fake.Certificates.ClientKeyPath,
        ["GigaChat:MtlsKeyFilePassword"] = fake.Certificates.ClientKeyPassword,
    };

    private static Dictionary<string, string?> Common(FakeGigaChatServer fake) => new()
    {
        ["GigaChat:BaseUrl"] = fake.ApiBaseUrl,
        ["GigaChat:TimeoutSeconds"] = "10",
        ["GigaChat:RetryBaseDelayMs"] = "50",
        ["GigaChat:MaxRequestsPerMinute"] = "1000",
        ["Worker:MaxAttempts"] = "3",
    };
}

/// <summary>A fresh certificate set and fake GigaChat per test, answering the analysis request well.</summary>
public abstract class FakeGigaChatTest(FakeGigaChatOptions options) : IAsyncLifetime
{
    protected TestCertificates Certificates { get; } = TestCertificates.CreateInTempDirectory();
    protected FakeGigaChatServer Fake { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Fake = await FakeGigaChatServer.StartAsync(options, Certificates);
        Fake.Responder = _ => FakeReply.Text(TestRequests.AnalysisAnswer, promptTokens: 1234, completionTokens: 56);
    }

    public async Task DisposeAsync()
    {
        await Fake.DisposeAsync();
        Certificates.Dispose();
    }
}
