using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace GigaOffice.Tests.Requests;

public sealed class StructuredApiTests : IDisposable
{
    private readonly TestApp _app = new TestApp().WithServiceDefaults().WithAdminKey();
    public void Dispose() => _app.Dispose();

    private static object StaffTable(string query, string? category) => new
    {
        query_text = query,
        category,
        worksheet = new { name = "Лист1", range = "B2:D4" },
        data = new
        {
            header = new { values = new object[] { "Сотрудник", "Отдел", "Оклад" }, style = "head" },
            rows = new[] { new { values = new object[] { "Иванов", "Продажи", 85000.5 } }, new { values = new object[] { "Петрова", "Финансы", 78000 } } },
        },
        styles = new[] { new { id = "head", font_weight = "700", background_color = "EEEEEE" } },
    };

    [Fact]
    public async Task Analysis_comes_back_as_a_document_with_header_rows_and_ranges()
    {
        var client = _app.CreateClient();
        var result = await client.RunAsync("/api/v1/ai/process", StaffTable("Посчитай средний оклад", "analysis"), "/api/v1/ai");
        Assert.Equal("completed", result["status"]!.GetValue<string>());
        var document = result["result"]!;
        var range = document["worksheet"]!["range"]!.GetValue<string>();
        Assert.StartsWith("F2:", range); // right of B2:D4 with one empty column
        var header = document["data"]!["header"]!;
        Assert.Equal("Сотрудник", header["values"]![0]!.GetValue<string>());
        Assert.StartsWith("F2:", header["range"]!.GetValue<string>());
        var rows = document["data"]!["rows"]!.AsArray();
        Assert.Equal(2, rows.Count);
        Assert.StartsWith("F3:", rows[0]!["range"]!.GetValue<string>());
        Assert.StartsWith("F4:", rows[1]!["range"]!.GetValue<string>());
        Assert.Equal("Иванов", rows[0]!["values"]![0]!.GetValue<string>());

        // The seed API reads the same request as a plain table.
        var plain = await client.ResultAsync(result["request_id"]!.GetValue<string>());
        Assert.Equal(range, plain["result"]!["output_range"]!.GetValue<string>());
        Assert.Equal(3, plain["result"]!["table"]!.AsArray().Count);
    }

    [Fact]
    public async Task Formatting_answers_with_styles_and_row_styles()
    {
        var client = _app.CreateClient();
        var result = await client.RunAsync("/api/v1/ai/process", StaffTable("Оформи таблицу", "formatting"), "/api/v1/ai");
        var document = result["result"]!;
        Assert.Equal("B2:D4", document["worksheet"]!["range"]!.GetValue<string>());
        var styles = document["styles"]!.AsArray();
        Assert.Contains(styles, s => s!["id"]!.GetValue<string>() == "header" && s["font_weight"]!.GetValue<string>() == "bold" && s["background_color"]!.GetValue<string>() == "#D9D9D9");
        Assert.Contains(document["style_ranges"]!.AsArray(), s => s!["range"]!.GetValue<string>() == "B2:D2" && s["style"]!.GetValue<string>() == "header");
        var columns = document["columns"]!.AsArray();
        Assert.Contains(columns, c => c!["index"]!.GetValue<int>() == 2 && c["format"]!.GetValue<string>() == "# ##0.00");

        // The input styles were normalised and stored for the prompt.
        var admin = await _app.Admin().GetFromJsonAsync<JsonObject>($"/api/admin/requests/{result["request_id"]}");
        Assert.Equal("spreadsheet-formatting", admin!["category"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_plain_request_reads_as_a_document_and_a_chart_keeps_its_series()
    {
        var client = _app.CreateClient();
        var accepted = await client.PostAsJsonAsync("/api/ai/process", new { query_text = "Построй линейный график продаж", input_range = "A1:D3", input_data = TestPrompts.Sales }, ApiCalls.Json);
        var body = await accepted.Content.ReadFromJsonAsync<JsonObject>();
        Assert.Equal("data-chart", body!["category"]!.GetValue<string>());
        Assert.True(body["category_classified"]!.GetValue<bool>());
        Assert.Equal("offline", body["classification"]!["source"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(body["classification"]!["text_content"]!.GetValue<string>()));

        var document = (await client.ResultAsync(body["request_id"]!.GetValue<string>(), "/api/v1/ai"))["result"]!;
        var chart = document["chart"]!;
        Assert.Equal("lineNormal", chart["type"]!.GetValue<string>());
        Assert.Equal("A1:D3", document["worksheet"]!["range"]!.GetValue<string>());
        Assert.Equal(["Товар A", "Товар B"], chart["series"]!.AsArray().Select(s => s!["name"]!.GetValue<string>()));
        Assert.Null(document["data"]);
    }

    [Fact]
    public async Task Assistance_is_text_only()
    {
        var client = _app.CreateClient();
        var result = await client.RunAsync("/api/v1/ai/process", new { query_text = "Как посчитать среднее?", category = "assistance" }, "/api/v1/ai");
        var document = result["result"]!;
        Assert.Contains("AVERAGE", document["text"]!.GetValue<string>());
        Assert.Null(document["data"]);
        Assert.Null(document["worksheet"]);
        Assert.Null(document["chart"]);
    }

    [Fact]
    public async Task Bad_structured_input_names_the_structured_field()
    {
        var client = _app.CreateClient();
        var response = await client.PostAsJsonAsync("/api/v1/ai/process", new
        {
            query_text = "Оформи",
            worksheet = new { range = "A1:C5" },
            data = new
            {
                header = new { values = new object[] { "a", "b", "c" }, style = "missing" },
                rows = new[] { new { values = new object[] { 1, 2, new { nested = true } } } },
            },
            styles = new[] { new { id = "s", background_color = "зелёненький" } },
        }, ApiCalls.Json);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!.AsObject();
        Assert.True(errors.ContainsKey("worksheet.range"), errors.ToJsonString());
        Assert.True(errors.ContainsKey("data.header.style"), errors.ToJsonString());
        Assert.True(errors.ContainsKey("styles[0].background_color"), errors.ToJsonString());
        Assert.True(errors.ContainsKey("data.rows[0].values[2]"), errors.ToJsonString());

        var noQuery = await client.PostAsJsonAsync("/api/v1/ai/process", new { data = new { rows = new[] { new { values = new[] { 1 } } } } }, ApiCalls.Json);
        Assert.Contains("query_text", await noQuery.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_seed_endpoints_still_answer_as_before()
    {
        var client = _app.CreateClient();
        var result = await client.RunAsync("/api/ai/process", new { query_text = "Транспонируй таблицу", category = "transformation", input_range = "A1:D3", input_data = TestPrompts.Sales });
        var answer = result["result"]!.AsObject();
        Assert.Equal(["text", "output_range", "table", "chart"], answer.Select(p => p.Key));
        Assert.Equal(4, answer["table"]!.AsArray().Count);
        var status = await client.GetFromJsonAsync<JsonObject>($"/api/ai/status/{result["request_id"]}");
        Assert.Equal("completed", status!["status"]!.GetValue<string>());
    }
}
