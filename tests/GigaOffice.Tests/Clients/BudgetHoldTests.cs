using System.Net;
using System.Net.Http.Json;
using FakeGigaChat;
using GigaOffice.Tests.OpenAi;

namespace GigaOffice.Tests.Clients;

/// <summary>
/// The budget check holds a key only while a request is accepted: a synchronous model call of a key
/// with a daily budget does not make the key's other requests wait for GigaChat's answer.
/// </summary>
public sealed class BudgetHoldTests() : FakeGigaChatTest(new FakeGigaChatOptions())
{
    [Fact]
    public async Task Classifications_asked_of_the_model_for_one_key_run_side_by_side()
    {
        Fake.Latency = TimeSpan.FromSeconds(3);
        var settings = GigaChatSettings.Cloud(Fake);
        settings["Auth:Mode"] = "required";
        settings["Classifier:ConfidenceThreshold"] = "1"; // always ask the model
        await using var app = new TestApp(settings);
        var key = (await app.CreateKeyAsync("classify", dailyTokenBudget: 1_000_000)).Key;
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", key);

        var statuses = await Task.WhenAll(Enumerable.Range(1, 3).Select(async i =>
            (await client.PostAsJsonAsync("/api/prompts/classify", new { query_text = $"Построй диаграмму продаж {i}" })).StatusCode));

        Assert.All(statuses, status => Assert.Equal(HttpStatusCode.OK, status));
        Assert.Equal(3, Fake.MaxConcurrentChatCalls);
    }
}
