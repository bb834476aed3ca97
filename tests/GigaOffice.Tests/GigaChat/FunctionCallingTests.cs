using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using FakeGigaChat;
using GigaOffice.Answers;
using GigaOffice.GigaChat;
using Microsoft.Extensions.DependencyInjection;

namespace GigaOffice.Tests.GigaChat;

/// <summary>
/// Structured output through GigaChat function calling, end to end in cloud mode: the category's
/// function is forced, the answer read from message.function_call.arguments; text when the model
/// ignores the function or functions are off; tokens measured near the limit; precached tokens counted.
/// </summary>
public sealed class FunctionCallingTests() : FakeGigaChatTest(new FakeGigaChatOptions())
{
    private const string Arguments = """{"text": "Суммы по товарам", "output_range": "F1:G3", "table": [["Товар", "Сумма"], ["Товар A", 330], ["Товар B", 265]]}""";

    [Fact]
    public async Task The_category_function_is_forced_and_its_arguments_are_the_answer()
    {
        // The text would fail to parse: only the function's arguments can complete the request.
        Fake.Responder = _ => FakeReply.Function(Arguments, textFallback: "не JSON");
        await using var app = new TestApp(GigaChatSettings.Cloud(Fake));
        var client = app.CreateClient();

        var result = await client.WaitResultAsync(await client.SubmitAsync(TestRequests.Analysis));

        Assert.Equal("completed", result.GetProperty("status").GetString());
        AnswerShapesTests.AssertTable(result.GetProperty("result").GetProperty("table"));
        Assert.Equal("F1:G3", result.GetProperty("result").GetProperty("output_range").GetString());
        var request = Assert.Single(Fake.ChatCalls).Request!;
        Assert.Equal(["spreadsheet_analysis"], request.Functions);
        Assert.Equal("spreadsheet_analysis", request.ForcedFunction);
        // The schema of the arguments goes with the function.
        var sent = JsonNode.Parse(request.RawJson)!["functions"]![0]!;
        Assert.Equal("object", sent["parameters"]!["type"]!.GetValue<string>());
        Assert.NotNull(sent["parameters"]!["properties"]!["table"]);
    }

    [Fact]
    public async Task A_model_that_ignores_the_function_is_read_from_its_text()
    {
        Fake.IgnoreFunctions = true;
        Fake.Responder = _ => FakeReply.Function(Arguments, textFallback: "```json\n[[\"Товар\", \"Сумма\"], [\"Товар A\", 330], [\"Товар B\", 265]]\n```");
        await using var app = new TestApp(GigaChatSettings.Cloud(Fake));
        var client = app.CreateClient();

        var result = await client.WaitResultAsync(await client.SubmitAsync(TestRequests.Analysis));

        Assert.Equal("completed", result.GetProperty("status").GetString());
        AnswerShapesTests.AssertTable(result.GetProperty("result").GetProperty("table"));
        Assert.Equal("spreadsheet_analysis", Assert.Single(Fake.ChatCalls).Request!.ForcedFunction);
    }

    [Fact]
    public async Task With_functions_turned_off_none_are_sent_and_the_text_is_parsed()
    {
        Fake.Responder = _ => FakeReply.Function(Arguments, textFallback: TestRequests.AnalysisAnswer);
        var settings = GigaChatSettings.Cloud(Fake);
        settings["GigaChat:UseFunctions"] = "false";
        await using var app = new TestApp(settings);
        var client = app.CreateClient();

        var result = await client.WaitResultAsync(await client.SubmitAsync(TestRequests.Analysis));

        Assert.Equal("completed", result.GetProperty("status").GetString());
        var request = Assert.Single(Fake.ChatCalls).Request!;
        Assert.Empty(request.Functions);
        Assert.Null(request.FunctionCall);
        Assert.DoesNotContain("\"functions\"", request.RawJson);
    }

    [Fact]
    public async Task Unusable_function_arguments_fail_with_a_code_and_the_call_is_kept()
    {
        Fake.Responder = _ => FakeReply.Function("""{"text": "", "table": []}""");
        await using var app = new TestApp(GigaChatSettings.Cloud(Fake));
        var client = app.CreateClient();

        var result = await client.WaitResultAsync(await client.SubmitAsync(TestRequests.Analysis));

        Assert.Equal("failed", result.GetProperty("status").GetString());
        Assert.Equal("unparseable_answer", result.ErrorCode());
    }

    [Fact]
    public async Task Functions_of_several_categories_tell_the_category_by_the_name_called()
    {
        Fake.Responder = _ => FakeReply.Function("""{"text": "Нажмите Ctrl+Shift+L"}""", name: "spreadsheet_assistance");
        await using var app = new TestApp(GigaChatSettings.Cloud(Fake));
        var gigaChat = app.Services.GetRequiredService<IGigaChatClient>();
        var offered = AnswerFunctions.For(["spreadsheet-analysis", "data-chart", "spreadsheet-assistance"]);

        var completion = await gigaChat.CompleteAsync(new GigaChatRequest([GigaOffice.GigaChat.ChatMessage.User("Как включить фильтр?")],
            new RequestContext("spreadsheet-assistance", "Как включить фильтр?", null, null))
        {
            Functions = offered,
            FunctionCall = JsonSerializer.SerializeToElement("auto"),
        }, CancellationToken.None);

        Assert.Equal("function_call", completion.FinishReason);
        Assert.Equal("spreadsheet-assistance", AnswerFunctions.CategoryOf(completion.FunctionCall!.Name));
        var request = Assert.Single(Fake.ChatCalls).Request!;
        Assert.Equal(["spreadsheet_analysis", "data_chart", "spreadsheet_assistance"], request.Functions);
        Assert.Equal("auto", request.FunctionCall);
    }

    [Fact]
    public async Task Near_the_token_limit_the_prompt_is_measured_and_a_table_that_fits_is_not_cut()
    {
        // First learn the estimate of this request's prompt, then set the limit 8% under it:
        // by the estimate the table would be cut; by GigaChat's count (the fake: characters / 3) it fits.
        await using (var probe = new TestApp(GigaChatSettings.Cloud(Fake)))
        {
            var probeClient = probe.CreateClient();
            await probeClient.WaitResultAsync(await probeClient.SubmitAsync(TestRequests.Analysis));
        }
        var estimate = Fake.ChatCalls.Single().Request!.Messages.Sum(m => (m.Content.Length + 1) / 2);
        Fake.Reset();
        var settings = GigaChatSettings.Cloud(Fake);
        settings["GigaChat:MaxTokensPerRequest"] = ((int)(estimate / 1.08)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        await using var app = new TestApp(settings);
        var client = app.CreateClient();

        var first = await client.WaitResultAsync(await client.SubmitAsync(TestRequests.Analysis));

        Assert.Equal("completed", first.GetProperty("status").GetString());
        Assert.False(first.GetProperty("result").TryGetProperty("data_truncated", out var truncated) && truncated.GetBoolean());
        Assert.Contains("Товар B", Fake.ChatCalls.Single().Request!.Messages[^1].Content);
        Assert.Equal(1, Fake.TokenCountCallCount);

        // The same prompt again: every text's count comes from the cache, GigaChat is not asked.
        await client.WaitResultAsync(await client.SubmitAsync(TestRequests.Analysis));
        Assert.Equal(1, Fake.TokenCountCallCount);
    }

    [Fact]
    public async Task Near_the_limit_a_prompt_larger_by_gigachats_count_is_cut_to_the_measured_budget()
    {
        var request = ManyRows(40);
        await using (var probe = new TestApp(GigaChatSettings.Cloud(Fake)))
        {
            var probeClient = probe.CreateClient();
            await probeClient.WaitResultAsync(await probeClient.SubmitAsync(request));
        }
        var estimate = Fake.ChatCalls.Single().Request!.Messages.Sum(m => (m.Content.Length + 1) / 2);
        Fake.Reset();
        // GigaChat counts 2 × characters / 3 here: a third more than the estimate, so a prompt the
        // estimate puts 5% under the limit is over it, and rows must go.
        Fake.TokenCountFactor = 2;
        var limit = (int)(estimate / 0.95);
        var settings = GigaChatSettings.Cloud(Fake);
        settings["GigaChat:MaxTokensPerRequest"] = limit.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await using var app = new TestApp(settings);
        var client = app.CreateClient();

        var result = await client.WaitResultAsync(await client.SubmitAsync(request));

        Assert.Equal("completed", result.GetProperty("status").GetString());
        Assert.True(result.GetProperty("result").GetProperty("data_truncated").GetBoolean());
        var sent = Fake.ChatCalls.Single().Request!.Messages;
        Assert.True(sent.Sum(m => 2 * ((m.Content.Length + 2) / 3)) <= limit, "the prompt sent must fit GigaChat's count");
        Assert.Equal(1, Fake.TokenCountCallCount);
    }

    private static object ManyRows(int rows) => new
    {
        query_text = "Проанализируй данные продаж и найди тренды",
        input_range = $"A1:D{rows + 1}",
        category = "analysis",
        input_data = new object[][] { ["Товар", "Январь", "Февраль", "Март"] }
            .Concat(Enumerable.Range(1, rows).Select(i => new object[] { $"Товар {i}", 100 + i, 120 + i, 110 + i })).ToArray(),
    };

    [Fact]
    public async Task Precached_prompt_tokens_are_stored_and_shown_in_both_metrics_and_the_session_is_stable()
    {
        Fake.Responder = _ => FakeReply.Function(Arguments) with { PromptTokens = 1500, CompletionTokens = 40, PrecachedPromptTokens = 1200 };
        await using var app = new TestApp(GigaChatSettings.Cloud(Fake));
        var client = app.CreateClient();

        var first = await client.WaitResultAsync(await client.SubmitAsync(TestRequests.Analysis));
        await client.WaitResultAsync(await client.SubmitAsync(TestRequests.Analysis));

        Assert.Equal(1200, first.GetProperty("tokens").GetProperty("precached").GetInt32());
        var structured = await client.GetJsonAsync($"/api/v1/ai/result/{first.GetProperty("request_id").GetGuid()}");
        Assert.Equal(1200, structured.GetProperty("tokens").GetProperty("precached").GetInt32());
        var summary = await client.GetFromJsonAsync<JsonObject>("/api/metrics");
        Assert.Equal(2400, summary!["tokens"]!["precached"]!.GetValue<long>());
        var prometheus = await client.GetStringAsync("/metrics");
        Assert.Matches(@"(?m)^gigaoffice_tokens_total\{[^}]*kind=""precached""[^}]*\} 2400(\s|$)", prometheus);
        // One session per category: GigaChat caches the shared prefix of its requests.
        var sessions = Fake.ChatCalls.Select(c => c.SessionId).Distinct().ToList();
        Assert.Equal([HttpGigaChatClient.SessionIdFor("spreadsheet-analysis")], sessions);
    }
}
