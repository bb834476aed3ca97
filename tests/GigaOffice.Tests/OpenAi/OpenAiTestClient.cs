using System.ClientModel;
using System.ClientModel.Primitives;
using GigaOffice.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpenAI;
using OpenAI.Chat;
using OpenAI.Models;

namespace GigaOffice.Tests.OpenAi;

/// <summary>The official OpenAI .NET SDK pointed at the service's /v1, over the test host's HTTP client.</summary>
internal static class OpenAiTestClient
{
    public static OpenAIClientOptions Options(HttpClient http) => new()
    {
        Endpoint = new Uri(http.BaseAddress!, "/v1"),
        Transport = new HttpClientPipelineTransport(http),
        // The tests look at each answer, 429s included: no retries behind their back.
        RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
    };

    public static ChatClient Chat(TestApp app, string key, string model = "GigaChat") =>
        new(model, new ApiKeyCredential(key), Options(app.CreateClient()));

    public static OpenAIModelClient Models(TestApp app, string key) =>
        new(new ApiKeyCredential(key), Options(app.CreateClient()));

    /// <summary>Waits until the service has stored this many call records (it writes them just after each answer).</summary>
    public static async Task WaitRecordedAsync(TestApp app, int count) =>
        await Eventually.WaitAsync(async () =>
        {
            await using var scope = app.Services.CreateAsyncScope();
            return await scope.ServiceProvider.GetRequiredService<GigaOfficeDbContext>().OpenAiCalls.CountAsync();
        }, stored => stored >= count, TimeSpan.FromSeconds(30), stored => $"{stored} of {count} call records stored");

    public static async Task<(string Text, StreamingChatCompletionUpdate Last, int Updates)> StreamAsync(ChatClient chat, IEnumerable<ChatMessage> messages, ChatCompletionOptions? options = null)
    {
        var text = new System.Text.StringBuilder();
        StreamingChatCompletionUpdate? last = null;
        var updates = 0;
        await foreach (var update in chat.CompleteChatStreamingAsync(messages, options))
        {
            updates++;
            foreach (var part in update.ContentUpdate) text.Append(part.Text);
            last = update;
        }
        return (text.ToString(), last!, updates);
    }
}
