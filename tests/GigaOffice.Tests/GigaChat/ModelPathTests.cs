using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FakeGigaChat;

namespace GigaOffice.Tests.GigaChat;

/// <summary>
/// The paths where what the model says decides the outcome, end to end: the service in cloud mode
/// over real HTTPS against the fake, which answers the classifier and the main call differently.
/// </summary>
public sealed class ModelPathTests() : FakeGigaChatTest(new FakeGigaChatOptions())
{
    private const string AdminKey = "model-path-admin-key-Wd4Kx8Qm2Zr7Lv1Pt9Bn3Hc6Js5Gf0";

    private static readonly object[][] Sales =
    [
        ["Товар", "Январь", "Февраль", "Март"],
        ["Товар A", 100, 120, 110],
        ["Товар B", 80, 90, 95],
    ];

    private const string ChartAnswer =
        """{"text": "Столбчатая диаграмма сравнивает продажи товаров по месяцам.", "output_range": null, "table": null, "chart": {"type": "bar", "title": "Продажи по месяцам", "data_range": "A1:D3", "series_in_rows": true, "position": "F1"}}""";

    private const string SortedTable =
        """{"text": "Товары отсортированы по продажам в марте.", "output_range": "F1:I3", "table": [["Товар", "Январь", "Февраль", "Март"], ["Товар A", 100, 120, 110], ["Товар B", 80, 90, 95]], "chart": null}""";

    /// <summary>The classifier call is the one whose system prompt comes from system_prompt_classifier.yaml.</summary>
    private static bool IsClassifierCall(ChatCompletionRequest request) =>
        request.Messages.Count > 0 && request.Messages[0].Role == "system"
        && request.Messages[0].Content.Contains("классификатор запросов", StringComparison.Ordinal);

    private TestApp CreateApp(Dictionary<string, string?>? extra = null)
    {
        var settings = GigaChatSettings.Cloud(Fake);
        settings["Admin:ApiKey"] = AdminKey;
        // These tests are about the model's classification: ask it whatever the offline confidence.
        settings["Classifier:ConfidenceThreshold"] = "1";
        foreach (var (key, value) in extra ?? []) settings[key] = value;
        return new TestApp(settings);
    }

    [Fact]
    public async Task Without_a_category_the_model_classifies_and_its_choice_is_processed()
    {
        Fake.Responder = request => IsClassifierCall(request)
            ? FakeReply.Text("""{"category": "data-chart", "confidence": 0.92, "text_content": "Построю столбчатую диаграмму продаж рядом с таблицей.", "required_table_info": {"needs_column_headers": true, "needs_header_styles": false, "needs_cell_values": true, "needs_cell_styles": false, "needs_column_metadata": false}}""")
            : FakeReply.Text(ChartAnswer);
        await using var app = CreateApp();
        var client = app.CreateClient();

        // The offline classifier would say analysis ("анализ"): data-chart can only come from the model.
        var response = await client.PostAsJsonAsync("/api/ai/process", new { query_text = "Сделай анализ продаж, чтобы было видно разницу", input_range = "A1:D3", input_data = Sales });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var accepted = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("data-chart", accepted.GetProperty("category").GetString());
        Assert.True(accepted.GetProperty("category_classified").GetBoolean());
        var classification = accepted.GetProperty("classification");
        Assert.Equal("model", classification.GetProperty("source").GetString());
        Assert.Equal(0.92, classification.GetProperty("confidence").GetDouble());
        Assert.Equal("Построю столбчатую диаграмму продаж рядом с таблицей.", classification.GetProperty("text_content").GetString());

        var id = accepted.GetProperty("request_id").GetGuid();
        var result = await client.WaitResultAsync(id);
        Assert.Equal("completed", result.GetProperty("status").GetString());
        Assert.Equal("data-chart", result.GetProperty("category").GetString());
        var chart = result.GetProperty("result").GetProperty("chart");
        Assert.Equal("bar", chart.GetProperty("type").GetString());
        Assert.Equal("A1:D3", chart.GetProperty("data_range").GetString());

        // Two calls: the classifier first, then the answer with the data-chart prompt.
        var calls = Fake.ChatCalls.OrderBy(c => c.TimestampUtc).ToList();
        Assert.Equal(2, calls.Count);
        Assert.True(IsClassifierCall(calls[0].Request!));
        Assert.False(IsClassifierCall(calls[1].Request!));
        Assert.Contains("Товар A", calls[1].Request!.Messages[^1].Content);

        var admin = await AdminRequestAsync(client, id);
        Assert.Equal("model", admin.GetProperty("classified_by").GetString());
        Assert.True(admin.GetProperty("classification_tokens").GetInt32() > 0);
    }

    [Fact]
    public async Task A_request_the_model_calls_uncertain_is_answered_with_the_uncertain_prompt()
    {
        const string politeNo = """{"text": "Я помогаю только с таблицами: могу посчитать итоги, построить диаграмму или подсказать формулу.", "output_range": null, "table": null, "chart": null}""";
        Fake.Responder = request => IsClassifierCall(request)
            ? FakeReply.Text("""{"category": "uncertain", "confidence": 0.95, "text_content": "Запрос не относится к работе с таблицами."}""")
            : FakeReply.Text(politeNo);
        await using var app = CreateApp();
        var client = app.CreateClient();

        // "uncertain" is inactive (nobody may choose it by name), yet a valid verdict of the model.
        var response = await client.PostAsJsonAsync("/api/ai/process", new { query_text = "Какая погода будет завтра в Москве?" });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var accepted = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("uncertain", accepted.GetProperty("category").GetString());
        Assert.Equal("model", accepted.GetProperty("classification").GetProperty("source").GetString());

        var result = await client.WaitResultAsync(accepted.GetProperty("request_id").GetGuid());
        Assert.True(result.GetProperty("status").GetString() == "completed", result.GetRawText());
        Assert.StartsWith("Я помогаю только с таблицами", result.GetProperty("result").GetProperty("text").GetString());
        Assert.Equal(JsonValueKind.Null, result.GetProperty("result").GetProperty("table").ValueKind);
        var main = Fake.ChatCalls.Select(c => c.Request!).Single(r => !IsClassifierCall(r));
        Assert.Contains("не удалось отнести к работе с таблицами", main.Messages[0].Content);
    }

    [Fact]
    public async Task A_chatty_fenced_classification_with_a_display_name_and_a_percentage_is_still_the_models_choice()
    {
        Fake.Responder = request => IsClassifierCall(request)
            ? FakeReply.Text("""
                Понял задачу. Вот классификация:
                ```json
                {"category": "Построить диаграмму", "confidence": "85%", "text_content": "Построю диаграмму продаж.", "required_table_info": {"needs_column_headers": true, "needs_cell_values": true}}
                ```
                """)
            : FakeReply.Text(ChartAnswer);
        await using var app = CreateApp();
        var client = app.CreateClient();

        var response = await client.PostAsJsonAsync("/api/ai/process", new { query_text = "Сделай анализ продаж, чтобы было видно разницу", input_range = "A1:D3", input_data = Sales });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var accepted = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("data-chart", accepted.GetProperty("category").GetString());
        var classification = accepted.GetProperty("classification");
        Assert.Equal("model", classification.GetProperty("source").GetString());
        Assert.Equal(0.85, classification.GetProperty("confidence").GetDouble());

        var result = await client.WaitResultAsync(accepted.GetProperty("request_id").GetGuid());
        Assert.True(result.GetProperty("status").GetString() == "completed", result.GetRawText());
        Assert.Equal("bar", result.GetProperty("result").GetProperty("chart").GetProperty("type").GetString());
    }

    [Fact]
    public async Task A_garbage_classification_falls_back_to_the_offline_classifier_and_the_request_still_completes()
    {
        Fake.Responder = request => IsClassifierCall(request)
            ? FakeReply.Text("Хм, это интересный вопрос. Думаю, тут нужно что-то сделать с таблицей.")
            : FakeReply.Text(SortedTable);
        await using var app = CreateApp();
        var client = app.CreateClient();

        var response = await client.PostAsJsonAsync("/api/ai/process", new { query_text = "Отсортируй товары по продажам в марте", input_range = "A1:D3", input_data = Sales });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var accepted = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("spreadsheet-transformation", accepted.GetProperty("category").GetString());
        Assert.Equal("offline", accepted.GetProperty("classification").GetProperty("source").GetString());

        var id = accepted.GetProperty("request_id").GetGuid();
        var result = await client.WaitResultAsync(id);
        Assert.Equal("completed", result.GetProperty("status").GetString());
        Assert.Equal("spreadsheet-transformation", result.GetProperty("category").GetString());
        Assert.Equal("F1:I3", result.GetProperty("result").GetProperty("output_range").GetString());
        Assert.Equal(2, Fake.ChatCalls.Count);
        Assert.Equal("offline", (await AdminRequestAsync(client, id)).GetProperty("classified_by").GetString());
    }

    [Fact]
    public async Task A_classifier_that_does_not_answer_in_time_gives_way_to_the_offline_classifier()
    {
        Fake.Responder = request => IsClassifierCall(request)
            ? FakeReply.Text("""{"category": "data-chart", "confidence": 0.9}""") with { Delay = TimeSpan.FromSeconds(30) }
            : FakeReply.Text(SortedTable);
        await using var app = CreateApp(new() { ["Classifier:TimeoutSeconds"] = "1" });
        var client = app.CreateClient();

        var response = await client.PostAsJsonAsync("/api/ai/process", new { query_text = "Отсортируй товары по продажам в марте", input_range = "A1:D3", input_data = Sales });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var accepted = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("spreadsheet-transformation", accepted.GetProperty("category").GetString());
        Assert.Equal("offline", accepted.GetProperty("classification").GetProperty("source").GetString());

        var result = await client.WaitResultAsync(accepted.GetProperty("request_id").GetGuid());
        Assert.True(result.GetProperty("status").GetString() == "completed", result.GetRawText());
        Assert.Equal("F1:I3", result.GetProperty("result").GetProperty("output_range").GetString());
    }

    [Fact]
    public async Task An_answer_without_json_fails_as_unparseable_and_only_the_admin_sees_the_raw_text()
    {
        const string refusal = "Извините, не могу помочь с этим запросом. Попробуйте переформулировать.";
        Fake.Responder = _ => FakeReply.Text(refusal);
        await using var app = CreateApp();
        var client = app.CreateClient();

        var id = await client.SubmitAsync(TestRequests.Analysis);
        var result = await client.WaitResultAsync(id);

        Assert.Equal("failed", result.GetProperty("status").GetString());
        Assert.Equal("unparseable_answer", result.ErrorCode());
        Assert.Equal(JsonValueKind.Null, result.GetProperty("result").ValueKind);
        var publicText = result.GetRawText() + (await client.GetJsonAsync($"/api/ai/status/{id}")).GetRawText();
        Assert.DoesNotContain("Извините", publicText);
        Assert.DoesNotContain("переформулировать", publicText);
        // A refusal is not retried: the model would most likely say the same again.
        Assert.Single(Fake.ChatCalls);

        var admin = await AdminRequestAsync(client, id);
        Assert.Equal(refusal, admin.GetProperty("raw_answer").GetString());
        Assert.Equal("unparseable_answer", admin.GetProperty("error_code").GetString());

        // Without the key the raw text stays hidden.
        var anonymous = await client.GetAsync($"/api/admin/requests/{id}");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.DoesNotContain("Извините", await anonymous.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Classify_over_the_quota_is_refused_with_429_and_retry_after()
    {
        Fake.Responder = _ => FakeReply.Text("""{"category": "data-chart", "confidence": 0.9, "text_content": "Построю диаграмму.", "required_table_info": {"needs_column_headers": true, "needs_cell_values": true}}""");
        await using var app = CreateApp(new() { ["GigaChat:MaxRequestsPerMinute"] = "1", ["GigaChat:QuotaWindowSeconds"] = "60" });
        var client = app.CreateClient();
        var body = new { query_text = "Покажи продажи по месяцам", input_range = "A1:D3", input_data = Sales };

        var first = await client.PostAsJsonAsync("/api/prompts/classify", body);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var classification = await first.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("data-chart", classification.GetProperty("category").GetString());
        Assert.Equal("model", classification.GetProperty("source").GetString());

        var second = await client.PostAsJsonAsync("/api/prompts/classify", body);
        Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
        Assert.Equal("application/problem+json", second.Content.Headers.ContentType?.MediaType);
        var retryAfter = second.Headers.RetryAfter?.Delta;
        Assert.NotNull(retryAfter);
        Assert.InRange(retryAfter.Value.TotalSeconds, 1, 61);
        var problem = await second.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(429, problem.GetProperty("status").GetInt32());
        Assert.Equal((int)retryAfter.Value.TotalSeconds, problem.GetProperty("retry_after_seconds").GetInt32());
        // The refused call never reached GigaChat.
        Assert.Single(Fake.ChatCalls);
    }

    [Fact]
    public async Task A_fenced_chatty_answer_with_a_russian_formula_completes_with_the_english_formula()
    {
        Fake.Responder = _ => FakeReply.Text("""
            Конечно! Вот что получилось:

            ```json
            {"text": "Добавил итог по январю.", "output_range": "B5:B5", "table": [["=СУММ(B2:B4)"]], "chart": null}
            ```

            Если нужно что-то ещё — пишите!
            """);
        await using var app = CreateApp();
        var client = app.CreateClient();

        var id = await client.SubmitAsync(new
        {
            query_text = "Посчитай итог по январю",
            input_range = "A1:B4",
            category = "analysis",
            input_data = new object[][] { ["Товар", "Январь"], ["A", 100], ["B", 80], ["C", 95] },
        });
        var result = await client.WaitResultAsync(id);

        Assert.True(result.GetProperty("status").GetString() == "completed", result.GetRawText());
        var answer = result.GetProperty("result");
        Assert.Equal("=SUM(B2:B4)", answer.GetProperty("table")[0][0].GetString());
        Assert.Equal("Добавил итог по январю.", answer.GetProperty("text").GetString());
        Assert.DoesNotContain("Конечно", answer.GetProperty("text").GetString());
    }

    private static async Task<JsonElement> AdminRequestAsync(HttpClient client, Guid id)
    {
        using var message = new HttpRequestMessage(HttpMethod.Get, $"/api/admin/requests/{id}");
        message.Headers.Add("X-Admin-Key", AdminKey);
        var response = await client.SendAsync(message);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET /api/admin/requests/{id}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
