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
