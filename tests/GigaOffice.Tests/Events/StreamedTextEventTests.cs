using System.Net;
using System.Text.Json;
using FakeGigaChat;

namespace GigaOffice.Tests.Events;

/// <summary>
/// GIGACHAT_STREAM_PROGRESS: a text answer is streamed from GigaChat (real HTTPS to the fake) and the
/// text written so far goes out in the request's processing events.
/// </summary>
public sealed class StreamedTextEventTests() : FakeGigaChatTest(new FakeGigaChatOptions())
{
    private const string Answer =
        """{"text": "Продажи товара A растут каждый месяц, товар B отстаёт на четверть, а к марту разрыв сокращается", "table": [["Товар", "Сумма"], ["Товар A", 330], ["Товар B", 265]]}""";

    [Fact]
    public async Task Processing_events_carry_the_text_as_the_model_writes_it()
    {
        Fake.Responder = _ => FakeReply.Text(Answer, promptTokens: 100, completionTokens: 40) with { ChunkDelay = TimeSpan.FromMilliseconds(150) };
        var settings = GigaChatSettings.Cloud(Fake);
        settings["GigaChat:StreamProgress"] = "true";
        settings["GigaChat:UseFunctions"] = "false";
        await using var app = new TestApp(settings);
        var client = app.CreateClient();
        var id = await ApiCalls.SubmitAsync(client, TestRequests.Analysis);

        var response = await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, $"/api/ai/events/{id}"), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var (events, _) = await SseReader.ReadToEndAsync(response, TimeSpan.FromSeconds(60));

        Assert.True(Assert.Single(Fake.ChatCalls).Request!.Stream);
        var texts = events.Where(e => e.Event == "processing" && e.Id is null)
            .Select(e => JsonDocument.Parse(e.Data).RootElement.GetProperty("text").GetString()!).ToList();
        Assert.True(texts.Count >= 2, $"expected the text in several events, got {texts.Count}: {string.Join(" | ", events.Select(e => e.Event))}");
        // Each event has the text so far: it only grows, and it ends as the model's whole answer.
        for (var i = 1; i < texts.Count; i++) Assert.StartsWith(texts[i - 1], texts[i]);
        Assert.StartsWith(texts[^1], Answer);
        Assert.Equal("completed", events[^1].Event);
        var result = JsonDocument.Parse(events[^1].Data).RootElement.GetProperty("result");
        Assert.Equal(330, result.GetProperty("result").GetProperty("table")[1][1].GetInt32());
        Assert.Equal(140, result.GetProperty("tokens").GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task Without_the_setting_the_answer_is_not_streamed_and_events_carry_no_text()
    {
        var settings = GigaChatSettings.Cloud(Fake);
        settings["GigaChat:UseFunctions"] = "false";
        await using var app = new TestApp(settings);
        var client = app.CreateClient();
        var id = await ApiCalls.SubmitAsync(client, TestRequests.Analysis);

        var response = await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, $"/api/ai/events/{id}"), HttpCompletionOption.ResponseHeadersRead);
        var (events, _) = await SseReader.ReadToEndAsync(response, TimeSpan.FromSeconds(60));

        Assert.False(Assert.Single(Fake.ChatCalls).Request!.Stream);
        Assert.Equal("completed", events[^1].Event);
        Assert.All(events, e => Assert.False(JsonDocument.Parse(e.Data).RootElement.TryGetProperty("text", out _)));
    }
}
