using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using FakeGigaChat;
using Xunit.Abstractions;

namespace GigaOffice.Tests.Prompts;

/// <summary>
/// GigaChat calls per request without a category, measured end to end in cloud mode against the fake
/// GigaChat over HTTPS: the offline classifier decides when it is confident, otherwise one
/// classification call. The fake classifies as a model that is always right (it knows the labels).
/// </summary>
public sealed partial class ClassificationCallsTests(ITestOutputHelper output) : FakeGigaChatTest(new FakeGigaChatOptions())
{
    /// <summary>Text, a table and a chart: usable whatever category the request ends in.</summary>
    private const string AnyCategoryAnswer =
        """{"text": "Готово.", "output_range": "F1:G3", "table": [["Интервал", "Количество"], ["0-10", 3], ["10-20", 5]], "chart": {"type": "bar", "title": "Итог", "data_range": "F1:G3", "series_in_rows": false, "position": "I1"}}""";

    private static bool IsClassifierCall(ChatCompletionRequest request) =>
        request.Messages.Count > 0 && request.Messages[0].Content.Contains("классификатор запросов", StringComparison.Ordinal);

    [GeneratedRegex(@"^Запрос: (.*)$", RegexOptions.Multiline)]
    private static partial Regex QueryLine();

    [Fact]
    public async Task Requests_without_a_category_cost_at_most_1_3_GigaChat_calls_and_their_source_is_counted()
    {
        // Every second held-out request: a sample of realistic traffic across all categories.
        var sample = LabelledRequests.HeldOut.Where((_, i) => i % 2 == 0).ToList();
        var labels = sample.ToDictionary(r => r.Query.Trim(), r => r.Category);
        Fake.Responder = request =>
        {
            if (!IsClassifierCall(request)) return FakeReply.Text(AnyCategoryAnswer);
            var query = QueryLine().Match(request.Messages[^1].Content).Groups[1].Value.Trim();
            return FakeReply.Text(JsonSerializer.Serialize(new { category = labels[query], confidence = 0.9, text_content = "Сделаю." }));
        };
        var settings = GigaChatSettings.Cloud(Fake);
        await using var app = new TestApp(settings);
        var client = app.CreateClient();

        var accepted = new List<(Guid Id, string Category, string Source, string Expected)>();
        foreach (var request in sample)
        {
            var response = await client.PostAsJsonAsync("/api/ai/process",
                new { query_text = request.Query, input_range = LabelledRequests.Range(request.Shape), input_data = LabelledRequests.Table(request.Shape) });
            var body = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.True((int)response.StatusCode == 202, body.GetRawText());
            accepted.Add((body.GetProperty("request_id").GetGuid(), body.GetProperty("category").GetString()!,
                body.GetProperty("classification").GetProperty("source").GetString()!, request.Category));
        }
        var completed = 0;
        foreach (var (id, _, _, _) in accepted)
            if ((await client.WaitResultAsync(id)).GetProperty("status").GetString() == "completed") completed++;

        var calls = Fake.ChatCalls.Select(c => c.Request!).ToList();
        var classifierCalls = calls.Count(IsClassifierCall);
        var perRequest = calls.Count / (double)sample.Count;
        var right = accepted.Count(a => a.Category == a.Expected);
        output.WriteLine($"{sample.Count} requests, {completed} completed: {calls.Count} GigaChat calls ({classifierCalls} to classify) = {perRequest:F2} per request; " +
            $"offline {accepted.Count(a => a.Source == "offline")}, model {accepted.Count(a => a.Source == "model")}; category right {right}/{sample.Count} = {right / (double)sample.Count:P1}");

        Assert.True(perRequest <= 1.3, $"{perRequest:F2} GigaChat calls per request");
        Assert.Equal(sample.Count, calls.Count - classifierCalls);
        Assert.Equal(classifierCalls, accepted.Count(a => a.Source == "model"));
        Assert.All(accepted.Where(a => a.Source == "model"), a => Assert.Equal(a.Expected, a.Category));

        // /api/metrics counts requests by who chose the category.
        await ApiCalls.SubmitAsync(client, new { query_text = "Посчитай итоги", category = "spreadsheet-analysis", input_range = "A1:D4", input_data = LabelledRequests.Table(GigaOffice.Prompts.TableShape.Table) });
        var metrics = await client.GetJsonAsync("/api/metrics?period=all");
        var bySource = metrics.GetProperty("classified_by");
        Assert.Equal(accepted.Count(a => a.Source == "offline"), bySource.GetProperty("offline").GetInt32());
        Assert.Equal(classifierCalls, bySource.GetProperty("model").GetInt32());
        Assert.Equal(1, bySource.GetProperty("client").GetInt32());
        Assert.Equal(0, bySource.GetProperty("function").GetInt32());
    }

    [Fact]
    public async Task A_confident_request_is_classified_offline_without_a_GigaChat_call_and_stored_with_its_source()
    {
        Fake.Responder = request => IsClassifierCall(request)
            ? FakeReply.Text("""{"category": "spreadsheet-search", "confidence": 0.9}""")
            : FakeReply.Text(AnyCategoryAnswer);
        var settings = GigaChatSettings.Cloud(Fake);
        settings["Admin:ApiKey"] = "classification-admin-key-0123456789";
        await using var app = new TestApp(settings);
        var client = app.CreateClient();

        var response = await client.PostAsJsonAsync("/api/ai/process",
            new { query_text = "Построй круговую диаграмму по отделам", input_range = "A1:D4", input_data = LabelledRequests.Table(GigaOffice.Prompts.TableShape.Table) });
        var accepted = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("data-chart", accepted.GetProperty("category").GetString());
        var classification = accepted.GetProperty("classification");
        Assert.Equal("offline", classification.GetProperty("source").GetString());
        Assert.True(classification.GetProperty("confidence").GetDouble() >= 0.8);
        Assert.Equal("data-chart", classification.GetProperty("candidates")[0].GetProperty("category").GetString());

        var id = accepted.GetProperty("request_id").GetGuid();
        await client.WaitResultAsync(id);
        Assert.DoesNotContain(Fake.ChatCalls, c => IsClassifierCall(c.Request!));
        Assert.Single(Fake.ChatCalls);

        client.DefaultRequestHeaders.Add("X-Admin-Key", "classification-admin-key-0123456789");
        var admin = await client.GetJsonAsync($"/api/admin/requests/{id}");
        Assert.Equal("offline", admin.GetProperty("classified_by").GetString());
        Assert.Equal(0, admin.GetProperty("classification_tokens").GetInt32());
        Assert.Equal(classification.GetProperty("confidence").GetDouble(), admin.GetProperty("classification_confidence").GetDouble());
    }
}
