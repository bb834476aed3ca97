using System.ClientModel;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using GigaOffice.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpenAI.Chat;

namespace GigaOffice.Tests.OpenAi;

/// <summary>The OpenAI-compatible API in the embedded default (dry-run model), driven by the official OpenAI SDK.</summary>
public sealed class OpenAiDryRunTests
{
    [Fact]
    public async Task The_official_sdk_completes_streams_and_lists_models_in_dry_run()
    {
        await using var app = new TestApp().WithServiceDefaults().WithAuth();
        var key = (await app.CreateKeyAsync("sdk")).Key;
        var chat = OpenAiTestClient.Chat(app, key);

        ChatCompletion completion = await chat.CompleteChatAsync([new SystemChatMessage("Отвечай кратко."), new UserChatMessage("Сколько будет 2+2?")]);
        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
        Assert.Contains("Сколько будет 2+2?", completion.Content[0].Text);
        Assert.Equal("GigaChat-dryrun", completion.Model);
        Assert.True(completion.Usage.InputTokenCount > 0 && completion.Usage.OutputTokenCount > 0);
        Assert.Equal(completion.Usage.InputTokenCount + completion.Usage.OutputTokenCount, completion.Usage.TotalTokenCount);

        var (text, last, updates) = await OpenAiTestClient.StreamAsync(chat, [new UserChatMessage("Расскажи про ВПР")]);
        Assert.Contains("Расскажи про ВПР", text);
        Assert.True(updates > 3, $"expected the answer in several chunks, got {updates}");
        Assert.Equal(ChatFinishReason.Stop, last.FinishReason);
        Assert.NotNull(last.Usage);
        Assert.True(last.Usage.TotalTokenCount > 0);

        var models = (await OpenAiTestClient.Models(app, key).GetModelsAsync()).Value;
        Assert.Equal(["GigaChat-dryrun"], models.Select(m => m.Id));

        // Each call is recorded with its tokens, not its messages (content logging is off by default);
        // records are written in the background, just after the answer.
        await OpenAiTestClient.WaitRecordedAsync(app, 2);
        await app.WithDbAsync(async db =>
        {
            var calls = await db.OpenAiCalls.OrderBy(c => c.CreatedAt).ToListAsync();
            Assert.Equal(2, calls.Count);
            Assert.All(calls, c => Assert.Equal(200, c.StatusCode));
            Assert.Equal([false, true], calls.Select(c => c.Stream));
            Assert.Equal(completion.Usage.TotalTokenCount, calls[0].TotalTokens);
            Assert.All(calls, c => Assert.Null(c.RequestJson));
            Assert.All(calls, c => Assert.Null(c.ResponseText));
        });
        var metrics = await app.ClientWithKey(key).GetFromJsonAsync<JsonElement>("/api/metrics");
        Assert.Equal(2, metrics.GetProperty("openai").GetProperty("calls").GetInt32());
        Assert.True(metrics.GetProperty("openai").GetProperty("tokens").GetProperty("total").GetInt64() > 0);
        var prometheus = await app.CreateClient().GetStringAsync("/metrics");
        Assert.Contains("gigaoffice_openai_calls", prometheus);
    }

    [Fact]
    public async Task A_wrong_key_gets_401_in_openai_shape()
    {
        await using var app = new TestApp().WithServiceDefaults().WithAuth();
        await app.CreateKeyAsync("real");
        var error = await Assert.ThrowsAsync<ClientResultException>(() => OpenAiTestClient.Chat(app, "gok_wrong").CompleteChatAsync([new UserChatMessage("hi")]));
        Assert.Equal(401, error.Status);

        var raw = await app.CreateClient().SendAsync(new HttpRequestMessage(HttpMethod.Get, "/v1/models") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", "gok_wrong") } });
        Assert.Equal(HttpStatusCode.Unauthorized, raw.StatusCode);
        Assert.Equal("application/json", raw.Content.Headers.ContentType?.MediaType);
        var body = await raw.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("invalid_api_key", body.GetProperty("error").GetProperty("code").GetString());
        Assert.False(string.IsNullOrEmpty(body.GetProperty("error").GetProperty("message").GetString()));
        Assert.Equal("invalid_request_error", body.GetProperty("error").GetProperty("type").GetString());
    }

    [Fact]
    public async Task Per_minute_limit_and_daily_budget_answer_429_with_retry_after()
    {
        await using var app = new TestApp().WithServiceDefaults().WithAuth();
        var slow = (await app.CreateKeyAsync("one-per-minute", requestsPerMinute: 1)).Key;
        var chat = OpenAiTestClient.Chat(app, slow);
        await chat.CompleteChatAsync([new UserChatMessage("первый")]);
        var limited = await Assert.ThrowsAsync<ClientResultException>(() => chat.CompleteChatAsync([new UserChatMessage("второй")]));
        Assert.Equal(429, limited.Status);
        var response = limited.GetRawResponse()!;
        Assert.True(response.Headers.TryGetValue("Retry-After", out var retryAfter) && int.Parse(retryAfter!) > 0);
        Assert.Equal("rate_limit_exceeded", JsonDocument.Parse(response.Content.ToString()).RootElement.GetProperty("error").GetProperty("code").GetString());

        // A budget of 10 tokens: the first call spends more, the next is refused until midnight UTC.
        var thrifty = (await app.CreateKeyAsync("budget", dailyTokenBudget: 10)).Key;
        var budgeted = OpenAiTestClient.Chat(app, thrifty);
        await budgeted.CompleteChatAsync([new UserChatMessage("Сколько токенов потратит этот вопрос?")]);
        var spent = await Assert.ThrowsAsync<ClientResultException>(() => budgeted.CompleteChatAsync([new UserChatMessage("ещё")]));
        Assert.Equal(429, spent.Status);
        Assert.True(spent.GetRawResponse()!.Headers.TryGetValue("Retry-After", out _));
        Assert.Equal("daily_token_budget_exceeded", JsonDocument.Parse(spent.GetRawResponse()!.Content.ToString()).RootElement.GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task Requests_without_a_gigachat_counterpart_get_a_clear_400()
    {
        await using var app = new TestApp().WithServiceDefaults().WithAuth();
        var key = (await app.CreateKeyAsync("shapes")).Key;
        var http = app.ClientWithKey(key, bearer: true);

        async Task<JsonElement> BadAsync(object body)
        {
            var response = await http.PostAsJsonAsync("/v1/chat/completions", body);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error");
        }

        var user = new[] { new { role = "user", content = "hi" } };
        Assert.Equal("n", (await BadAsync(new { model = "GigaChat", messages = user, n = 2 })).GetProperty("param").GetString());
        Assert.Equal("unsupported_tool", (await BadAsync(new { messages = user, tools = new[] { new { type = "code_interpreter" } } })).GetProperty("code").GetString());
        var tools = new[] { new { type = "function", function = new { name = "get_rate", parameters = new { type = "object" } } } };
        Assert.Equal("tool_choice", (await BadAsync(new { messages = user, tools, tool_choice = "required" })).GetProperty("param").GetString());
        Assert.Equal("unsupported_content", (await BadAsync(new { messages = new[] { new { role = "user", content = new object[] { new { type = "image_url", image_url = new { url = "http://x" } } } } } })).GetProperty("code").GetString());
        Assert.Equal("messages", (await BadAsync(new { messages = Array.Empty<object>() })).GetProperty("param").GetString());
        var notJson = await http.PostAsync("/v1/chat/completions", new StringContent("{", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, notJson.StatusCode);
        Assert.Equal("invalid_request_error", (await notJson.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetProperty("type").GetString());
    }

    [Fact]
    public async Task A_named_tool_choice_comes_back_as_a_tool_call()
    {
        await using var app = new TestApp().WithServiceDefaults().WithAuth();
        var key = (await app.CreateKeyAsync("tools")).Key;
        var chat = OpenAiTestClient.Chat(app, key);
        var tool = ChatTool.CreateFunctionTool("get_rate", "Курс валюты", BinaryData.FromString("""{"type":"object","properties":{"code":{"type":"string"}}}"""));
        var options = new ChatCompletionOptions { Tools = { tool }, ToolChoice = ChatToolChoice.CreateFunctionChoice("get_rate") };
        ChatCompletion completion = await chat.CompleteChatAsync([new UserChatMessage("Курс доллара?")], options);
        Assert.Equal(ChatFinishReason.ToolCalls, completion.FinishReason);
        var call = Assert.Single(completion.ToolCalls);
        Assert.Equal("get_rate", call.FunctionName);
        Assert.StartsWith("call_", call.Id);

        // The tool's answer goes back with the call's id, as OpenAI clients send it.
        ChatCompletion next = await chat.CompleteChatAsync(
            [new UserChatMessage("Курс доллара?"), new AssistantChatMessage(completion), new ToolChatMessage(call.Id, """{"rate": 90.5}""")], new ChatCompletionOptions { Tools = { tool } });
        Assert.Equal(ChatFinishReason.Stop, next.FinishReason);
    }

    [Fact]
    public async Task Call_records_age_out_with_the_retention_period()
    {
        await using var app = new TestApp(new() { ["Retention:Days"] = "30" }).WithServiceDefaults().WithAuth();
        await app.WithDbAsync(async db =>
        {
            db.OpenAiCalls.AddRange(
                new GigaOffice.OpenAi.OpenAiCall { Id = Guid.NewGuid(), Model = "old", StatusCode = 200, CreatedAt = DateTime.UtcNow.AddDays(-31) },
                new GigaOffice.OpenAi.OpenAiCall { Id = Guid.NewGuid(), Model = "new", StatusCode = 200, CreatedAt = DateTime.UtcNow.AddDays(-1) });
            await db.SaveChangesAsync();
        });
        await app.Services.GetRequiredService<GigaOffice.Retention.RetentionService>().PurgeAsync(CancellationToken.None);
        await app.WithDbAsync(async db => Assert.Equal(["new"], await db.OpenAiCalls.Select(c => c.Model).ToListAsync()));
    }
}
