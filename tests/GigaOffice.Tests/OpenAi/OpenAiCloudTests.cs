using System.ClientModel;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FakeGigaChat;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpenAI.Chat;

namespace GigaOffice.Tests.OpenAi;

/// <summary>
/// The OpenAI-compatible API in cloud mode, over real HTTPS to the fake GigaChat, driven by the
/// official OpenAI SDK: what reaches GigaChat, what comes back, and each failure's status.
/// </summary>
public sealed class OpenAiCloudTests() : FakeGigaChatTest(new FakeGigaChatOptions())
{
    private TestApp App(params (string Key, string? Value)[] extra)
    {
        var settings = GigaChatSettings.Cloud(Fake);
        settings["Auth:Mode"] = "required";
        settings["GigaChat:MaxRetries"] = "0";
        foreach (var (k, v) in extra) settings[k] = v;
        return new TestApp(settings);
    }

    [Fact]
    public async Task A_completion_maps_roles_and_sampling_onto_gigachat_and_applies_stop()
    {
        Fake.Responder = _ => FakeReply.Text("Итог: 42. END лишнее", promptTokens: 30, completionTokens: 7);
        await using var app = App();
        var key = (await app.CreateKeyAsync("cloud")).Key;
        var chat = OpenAiTestClient.Chat(app, key, "GigaChat-Pro");
        var options = new ChatCompletionOptions { Temperature = 0.3f, TopP = 0.9f, MaxOutputTokenCount = 100, StopSequences = { "END" } };

        ChatCompletion completion = await chat.CompleteChatAsync(
            [new SystemChatMessage("Ты бухгалтер."), new UserChatMessage("Сколько?"), new AssistantChatMessage("Уточните."), new SystemChatMessage("Кратко."), new UserChatMessage("Итог?")], options);

        Assert.Equal("Итог: 42. ", completion.Content[0].Text);
        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
        Assert.Equal((30, 7, 37), (completion.Usage.InputTokenCount, completion.Usage.OutputTokenCount, completion.Usage.TotalTokenCount));
        var sent = Assert.Single(Fake.ChatCalls).Request!;
        Assert.Equal("GigaChat-Pro", sent.Model);
        Assert.Equal((0.3, 0.9, 100), (Math.Round(sent.Temperature!.Value, 3), Math.Round(sent.TopP!.Value, 3), sent.MaxTokens!.Value));
        // GigaChat takes one system message, first: both are merged there.
        Assert.Equal(["system", "user", "assistant", "user"], sent.Messages.Select(m => m.Role));
        Assert.Equal("Ты бухгалтер.\n\nКратко.", sent.Messages[0].Content);
        Assert.False(sent.Stream);
    }

    [Fact]
    public async Task A_stream_relays_gigachat_chunks_and_ends_with_usage_and_done()
    {
        Fake.Responder = _ => FakeReply.Text("Первая часть ответа, вторая часть ответа, третья часть.", promptTokens: 11, completionTokens: 13);
        await using var app = App();
        var key = (await app.CreateKeyAsync("stream")).Key;
        var chat = OpenAiTestClient.Chat(app, key);

        var (text, last, updates) = await OpenAiTestClient.StreamAsync(chat, [new UserChatMessage("Расскажи")]);
        Assert.Equal("Первая часть ответа, вторая часть ответа, третья часть.", text);
        Assert.True(updates >= 4, $"expected several chunks, got {updates}");
        Assert.Equal(ChatFinishReason.Stop, last.FinishReason);
        Assert.Equal((11, 13, 24), (last.Usage.InputTokenCount, last.Usage.OutputTokenCount, last.Usage.TotalTokenCount));
        Assert.True(Assert.Single(Fake.ChatCalls).Request!.Stream);

        // On the wire: OpenAI chunks, then [DONE].
        var http = app.CreateClient();
        http.DefaultRequestHeaders.Authorization = new("Bearer", key);
        var raw = await http.PostAsJsonAsync("/v1/chat/completions", new { messages = new[] { new { role = "user", content = "ещё" } }, stream = true, stop = "вторая" });
        Assert.Equal("text/event-stream", raw.Content.Headers.ContentType?.MediaType);
        var events = (await raw.Content.ReadAsStringAsync()).Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("data: [DONE]", events[^1]);
        var chunks = events[..^1].Select(e => JsonDocument.Parse(e["data: ".Length..]).RootElement).ToList();
        Assert.All(chunks, c => Assert.Equal("chat.completion.chunk", c.GetProperty("object").GetString()));
        var streamed = string.Concat(chunks.Select(c => c.GetProperty("choices")[0].GetProperty("delta").TryGetProperty("content", out var t) ? t.GetString() : ""));
        Assert.Equal("Первая часть ответа, ", streamed);
        Assert.Equal("stop", chunks[^1].GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        Assert.Equal(24, chunks[^1].GetProperty("usage").GetProperty("total_tokens").GetInt32());
    }

    [Fact]
    public async Task Tools_become_gigachat_functions_and_models_come_from_gigachat_cached()
    {
        await using var app = App();
        var key = (await app.CreateKeyAsync("tools")).Key;
        var chat = OpenAiTestClient.Chat(app, key);
        var tool = ChatTool.CreateFunctionTool("get_rate", "Курс валюты", BinaryData.FromString("""{"type":"object","properties":{"code":{"type":"string"}}}"""));
        await chat.CompleteChatAsync([new UserChatMessage("Курс?")], new ChatCompletionOptions { Tools = { tool } });
        using var sent = JsonDocument.Parse(Assert.Single(Fake.ChatCalls).Request!.RawJson);
        var function = Assert.Single(sent.RootElement.GetProperty("functions").EnumerateArray());
        Assert.Equal("get_rate", function.GetProperty("name").GetString());
        Assert.Equal("string", function.GetProperty("parameters").GetProperty("properties").GetProperty("code").GetProperty("type").GetString());
        Assert.Equal("auto", sent.RootElement.GetProperty("function_call").GetString());

        var models = OpenAiTestClient.Models(app, key);
        Assert.Equal(["GigaChat"], (await models.GetModelsAsync()).Value.Select(m => m.Id));
        await models.GetModelsAsync();
        Assert.Equal(1, Fake.ModelsCallCount);
    }

    [Fact]
    public async Task Upstream_failures_are_502_and_503_and_a_rejected_request_is_400()
    {
        await using var app = App();
        var key = (await app.CreateKeyAsync("failures")).Key;
        var chat = OpenAiTestClient.Chat(app, key);

        Fake.FailNext(1, 503, retryAfterSeconds: 7);
        var unavailable = await Assert.ThrowsAsync<ClientResultException>(() => chat.CompleteChatAsync([new UserChatMessage("a")]));
        Assert.Equal(503, unavailable.Status);
        Assert.True(unavailable.GetRawResponse()!.Headers.TryGetValue("Retry-After", out var wait) && wait == "7");

        Fake.EnqueueReplies(FakeReply.Error(500));
        var streamed = await Assert.ThrowsAsync<ClientResultException>(async () => await OpenAiTestClient.StreamAsync(chat, [new UserChatMessage("b")]));
        Assert.Equal(503, streamed.Status);

        Fake.EnqueueReplies(FakeReply.Text("", finishReason: "stop") with { }, FakeReply.Error(422));
        await chat.CompleteChatAsync([new UserChatMessage("c")]);
        var rejected = await Assert.ThrowsAsync<ClientResultException>(() => chat.CompleteChatAsync([new UserChatMessage("d")]));
        Assert.Equal(400, rejected.Status);

        Fake.EnqueueReplies(FakeReply.Error(401), FakeReply.Error(401));
        var auth = await Assert.ThrowsAsync<ClientResultException>(() => chat.CompleteChatAsync([new UserChatMessage("e")]));
        Assert.Equal(502, auth.Status);

        await OpenAiTestClient.WaitRecordedAsync(app, 5);
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GigaOffice.Data.GigaOfficeDbContext>();
        Assert.Equal([503, 503, 200, 400, 502], await db.OpenAiCalls.OrderBy(c => c.CreatedAt).Select(c => c.StatusCode).ToListAsync());
    }

    [Fact]
    public async Task The_deployment_quota_is_waited_for_up_to_the_bound_then_429()
    {
        await using var app = App(("GigaChat:MaxRequestsPerMinute", "1"), ("OpenAi:QuotaWaitSeconds", "0"));
        var key = (await app.CreateKeyAsync("quota")).Key;
        var chat = OpenAiTestClient.Chat(app, key);
        await chat.CompleteChatAsync([new UserChatMessage("a")]);
        var refused = await Assert.ThrowsAsync<ClientResultException>(() => chat.CompleteChatAsync([new UserChatMessage("b")]));
        Assert.Equal(429, refused.Status);
        var response = refused.GetRawResponse()!;
        Assert.True(response.Headers.TryGetValue("Retry-After", out var wait) && int.Parse(wait!) > 0);
        Assert.Equal("gigachat_quota_exceeded", JsonDocument.Parse(response.Content.ToString()).RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.Single(Fake.ChatCalls);
    }

    [Fact]
    public async Task A_quota_slot_freeing_within_the_bound_is_waited_for()
    {
        // A 2-second window: the second call waits about that long instead of being refused.
        await using var app = App(("GigaChat:MaxRequestsPerMinute", "1"), ("GigaChat:QuotaWindowSeconds", "2"), ("GigaChat:QuotaSafetyMarginMs", "0"),
            ("OpenAi:QuotaWaitSeconds", "30"));
        var key = (await app.CreateKeyAsync("quota-wait")).Key;
        var chat = OpenAiTestClient.Chat(app, key);
        await chat.CompleteChatAsync([new UserChatMessage("a")]);
        await chat.CompleteChatAsync([new UserChatMessage("b")]);
        Assert.Equal(2, Fake.ChatCalls.Count);
    }

    [Fact]
    public async Task Content_is_recorded_only_when_the_setting_turns_it_on()
    {
        Fake.Responder = _ => FakeReply.Text("секретный ответ");
        await using var app = App(("OpenAi:LogContent", "true"));
        var key = (await app.CreateKeyAsync("content")).Key;
        await OpenAiTestClient.Chat(app, key).CompleteChatAsync([new UserChatMessage("секретный вопрос")]);
        await OpenAiTestClient.WaitRecordedAsync(app, 1);
        await using var scope = app.Services.CreateAsyncScope();
        var call = await scope.ServiceProvider.GetRequiredService<GigaOffice.Data.GigaOfficeDbContext>().OpenAiCalls.SingleAsync();
        Assert.Contains("секретный вопрос", call.RequestJson);
        Assert.Equal("секретный ответ", call.ResponseText);
        Assert.Equal("GigaChat", call.Model);
        Assert.NotNull(call.ClientKeyId);
    }

    [Fact]
    public async Task A_gigachat_error_finish_is_a_502_not_a_short_answer()
    {
        Fake.Responder = _ => FakeReply.Text("обрыв", finishReason: "error");
        await using var app = App();
        var key = (await app.CreateKeyAsync("error-finish")).Key;
        var failed = await Assert.ThrowsAsync<ClientResultException>(() => OpenAiTestClient.Chat(app, key).CompleteChatAsync([new UserChatMessage("a")]));
        Assert.Equal(502, failed.Status);
    }

    [Fact]
    public async Task Calls_of_one_key_run_side_by_side_and_its_budget_counts_those_in_flight()
    {
        // GigaChat takes its time: the four calls are all in the service before any answer comes.
        Fake.Latency = TimeSpan.FromSeconds(5);
        Fake.Responder = _ => FakeReply.Text("Ответ", promptTokens: 10, completionTokens: 5);
        await using var app = App();
        // Each call reserves half its text's length plus max_tokens (1004 tokens here) until its answer:
        // three fit into 3000, the fourth does not.
        var key = (await app.CreateKeyAsync("parallel", dailyTokenBudget: 3000)).Key;
        var chat = OpenAiTestClient.Chat(app, key);
        var options = new ChatCompletionOptions { MaxOutputTokenCount = 1000 };

        var statuses = await Task.WhenAll(Enumerable.Range(1, 4).Select(async i =>
        {
            try { return (await chat.CompleteChatAsync([new UserChatMessage($"Вопрос {i}")], options)).GetRawResponse().Status; }
            catch (ClientResultException refused) { return refused.Status; }
        }));

        Assert.Equal([200, 200, 200, 429], statuses.Order());
        // The key's calls were not queued behind each other while GigaChat answered.
        Assert.Equal(3, Fake.MaxConcurrentChatCalls);
        // The answers' real tokens (15 each) replaced the estimates: there is room again.
        Fake.Latency = TimeSpan.Zero;
        await chat.CompleteChatAsync([new UserChatMessage("Ещё")], options);
    }

    [Fact]
    public async Task Call_records_not_yet_written_at_stop_are_written_before_the_service_exits()
    {
        var database = TempPaths.NewDatabase();
        var settings = new Dictionary<string, string?>(GigaChatSettings.Cloud(Fake)) { ["Database:SqlitePath"] = database };
        settings["Auth:Mode"] = "required";
        await using (var app = new TestApp(settings))
        {
            var key = (await app.CreateKeyAsync("stop")).Key;
            var chat = OpenAiTestClient.Chat(app, key);
            await Task.WhenAll(Enumerable.Range(1, 20).Select(i => chat.CompleteChatAsync([new UserChatMessage($"Вопрос {i}")])));
        }
        await using var restarted = new TestApp(settings);
        await restarted.CreateKeyAsync("after");
        await using var scope = restarted.Services.CreateAsyncScope();
        Assert.Equal(20, await scope.ServiceProvider.GetRequiredService<GigaOffice.Data.GigaOfficeDbContext>().OpenAiCalls.CountAsync());
    }
}
