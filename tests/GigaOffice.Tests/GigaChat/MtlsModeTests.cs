using System.Text.Json;
using FakeGigaChat;

namespace GigaOffice.Tests.GigaChat;

public sealed class MtlsModeTests() : FakeGigaChatTest(new FakeGigaChatOptions { RequireClientCertificate = true })
{
    [Fact]
    public async Task Process_in_mtls_mode_authenticates_with_the_encrypted_client_key_and_makes_no_token_call()
    {
        await using var app = new TestApp(GigaChatSettings.Mtls(Fake));
        var client = app.CreateClient();

        var id = await client.SubmitAsync(TestRequests.Analysis);
        var result = await client.WaitResultAsync(id);

        Assert.Equal("completed", result.GetProperty("status").GetString());
        Assert.Equal(1290, result.GetProperty("tokens").GetProperty("total").GetInt32());
        Assert.Empty(Fake.OAuthCalls);
        var call = Assert.Single(Fake.ChatCalls);
        Assert.Equal(id.ToString(), call.RequestId);
        Assert.False(call.Headers.ContainsKey("Authorization"));
        Assert.Equal(0, Fake.RejectedClientCertificates);
    }

    [Fact]
    public async Task Health_in_mtls_mode_checks_the_tls_handshake_once_and_never_calls_the_model()
    {
        await using var app = new TestApp(GigaChatSettings.Mtls(Fake));
        var client = app.CreateClient();

        for (var i = 0; i < 4; i++)
        {
            var gigachat = JsonDocument.Parse(await client.GetStringAsync("/api/health")).RootElement.GetProperty("components").GetProperty("gigachat");
            Assert.Equal("healthy", gigachat.GetProperty("status").GetString());
            Assert.Equal("mtls", gigachat.GetProperty("data").GetProperty("mode").GetString());
        }

        Assert.Equal(1, Fake.ModelsCallCount);
        Assert.Empty(Fake.ChatCalls);
    }

    [Fact]
    public async Task The_mtls_server_refuses_a_client_without_a_certificate()
    {
        // The fake as the real mTLS endpoint: the CA is trusted, but no certificate is offered.
        using var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) =>
            certificate is not null && new System.Security.Cryptography.X509Certificates.X509Certificate2(certificate).Issuer == Certificates.Ca.Subject;
        using var anonymous = new HttpClient(handler);

        await Assert.ThrowsAsync<HttpRequestException>(() => anonymous.PostAsync(Fake.ApiBaseUrl + "/chat/completions", new StringContent("{}")));
        Assert.Empty(Fake.ChatCalls);
    }

    [Fact]
    public async Task A_client_certificate_from_another_ca_is_refused_and_the_request_fails()
    {
        var settings = GigaChatSettings.Mtls(Fake);
        settings["GigaChat:MtlsCertFile"] = Certificates.RogueClientCertPath;
        settings["GigaChat:MtlsKeyFile"] = Certificates.RogueClientKeyPath;
        settings["Worker:MaxAttempts"] = "1";
        settings["GigaChat:MaxRetries"] = "0";
        await using var app = new TestApp(settings);
        var client = app.CreateClient();

        var result = await client.WaitResultAsync(await client.SubmitAsync(TestRequests.Analysis));

        Assert.Equal("failed", result.GetProperty("status").GetString());
        Assert.Contains(result.ErrorCode(), new[] { "tls_error", "upstream_unavailable" });
        Assert.True(Fake.RejectedClientCertificates > 0);
        Assert.Empty(Fake.ChatCalls);
    }

    [Fact]
    public async Task A_server_certificate_from_an_unknown_ca_is_refused_in_mtls_mode_too()
    {
        await using var rogue = await FakeGigaChatServer.StartAsync(
            new FakeGigaChatOptions { RequireClientCertificate = true, UseRogueServerCertificate = true }, Certificates);
        await using var app = new TestApp(GigaChatSettings.Mtls(rogue));
        var client = app.CreateClient();

        var result = await client.WaitResultAsync(await client.SubmitAsync(TestRequests.Analysis));

        Assert.Equal("tls_error", result.ErrorCode());
        Assert.Empty(rogue.ChatCalls);
    }

    public static TheoryData<string, string?, string> BrokenSetups => new()
    {
        // setting to change, its new value (null removes it), the variable the message must name
        { "GigaChat:MtlsKeyFile", "/nonexistent/client.key", "GIGACHAT_MTLS_KEY_FILE" },
        { "GigaChat:MtlsCertFile", "/nonexistent/client.pem", "GIGACHAT_MTLS_CERT_FILE" },
        { "GigaChat:MtlsKeyFilePassword", "wrong-password", "GIGACHAT_MTLS_KEY_FILE_PASSWORD" },
        { "GigaChat:MtlsKeyFilePassword", null, "GIGACHAT_MTLS_KEY_FILE_PASSWORD" },
        { "GigaChat:MtlsCaBundleFile", "/nonexistent/ca.pem", "GIGACHAT_MTLS_CA_BUNDLE_FILE" },
        { "expired", null, "GIGACHAT_MTLS_CERT_FILE" },
        { "foreign-key", null, "GIGACHAT_MTLS_KEY_FILE" },
    };

    [Theory]
    [MemberData(nameof(BrokenSetups))]
    public async Task The_service_refuses_to_start_with_a_broken_mtls_setup_naming_the_variable(string setting, string? value, string variable)
    {
        var settings = GigaChatSettings.Mtls(Fake);
        switch (setting)
        {
            case "expired":
                settings["GigaChat:MtlsCertFile"] = Certificates.ExpiredClientCertPath;
                settings["GigaChat:MtlsKeyFile"] = Certificates.ExpiredClientKeyPath;
                break;
            case "foreign-key":
                settings["GigaChat:MtlsKeyFile"] = Certificates.RogueClientKeyPath;
                break;
            default:
                settings[setting] = value;
                break;
        }
        await using var app = new TestApp(settings);

        var error = Record.Exception(() => app.CreateClient());

        Assert.NotNull(error);
        var message = error.ToString();
        Assert.Contains(variable, message);
        Assert.DoesNotContain(Certificates.ClientKeyPassword, message);
        Assert.DoesNotContain("wrong-password", message);
        if (setting == "expired") Assert.Contains("expired", message);
        Assert.Empty(Fake.ChatCalls);
    }
}
