using FakeGigaChat;
using OpenAI.Chat;

namespace GigaOffice.Tests.OpenAi;

/// <summary>/v1 in mtls mode: the fake demands the client certificate, no OAuth token is asked for.</summary>
public sealed class OpenAiMtlsTests() : FakeGigaChatTest(new FakeGigaChatOptions { RequireClientCertificate = true })
{
    [Fact]
    public async Task Mtls_mode_serves_the_same_api_with_the_client_certificate()
    {
        Fake.Responder = _ => FakeReply.Text("Ответ по mTLS", promptTokens: 5, completionTokens: 4);
        var settings = GigaChatSettings.Mtls(Fake);
        settings["Auth:Mode"] = "required";
        await using var app = new TestApp(settings);
        var key = (await app.CreateKeyAsync("mtls")).Key;
        var chat = OpenAiTestClient.Chat(app, key);
        Assert.Equal("Ответ по mTLS", (await chat.CompleteChatAsync([new UserChatMessage("a")])).Value.Content[0].Text);
        var (text, last, _) = await OpenAiTestClient.StreamAsync(chat, [new UserChatMessage("b")]);
        Assert.Equal("Ответ по mTLS", text);
        Assert.Equal(9, last.Usage.TotalTokenCount);
        Assert.Empty(Fake.OAuthCalls);
        Assert.Equal(2, Fake.ChatCalls.Count);
    }
}
