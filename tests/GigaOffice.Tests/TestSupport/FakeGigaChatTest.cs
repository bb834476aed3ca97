using FakeGigaChat;

namespace GigaOffice.Tests.TestSupport;

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
