using System.Net;
using System.Text.Json;

namespace GigaOffice.Tests.Upstream;

public sealed class UpstreamSpreadsheetTests : IDisposable
{
    private readonly TestApp _app = new();
    public void Dispose() => _app.Dispose();

    [Fact]
    public async Task Readme_request_is_processed_from_its_table_and_answered_as_spreadsheet_data()
    {
        var client = _app.CreateClient();
        var id = await client.ProcessAsync("spreadsheets", UpstreamClient.ReadmeSpreadsheet("Проанализируй данные продаж и найди тренды", "spreadsheet-analysis"));
        var status = await client.WaitAsync("spreadsheets", id);
        Assert.True(status.GetProperty("success").GetBoolean());
        Assert.Equal("Request completed successfully", status.GetProperty("message").GetString());

        var answer = await client.GetJsonAsync($"/api/v1/spreadsheets/result/{id}");
        Assert.True(answer.GetProperty("success").GetBoolean());
        Assert.Equal("completed", answer.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, answer.GetProperty("error_message").ValueKind);
        var result = answer.GetProperty("result");
        Assert.Equal("1.0", result.GetProperty("metadata").GetProperty("version").GetString());
        // The single-cell range A1 anchors the 3×3 table; the answer goes right of it, one column apart.
        Assert.StartsWith("E1:", result.GetProperty("worksheet").GetProperty("range").GetString());
        var header = result.GetProperty("data").GetProperty("header");
        Assert.Equal("Product", header.GetProperty("values")[0].GetString());
        Assert.StartsWith("E1:", header.GetProperty("range").GetString());
        var rows = result.GetProperty("data").GetProperty("rows").EnumerateArray().ToList();
        // The figures come from the table sent: 1000 + 1200 for Product A.
        var productA = rows.Single(r => r.GetProperty("values")[0].GetString() == "Product A");
        Assert.Equal(2200, productA.GetProperty("values")[1].GetDouble());
        Assert.StartsWith("E2:", productA.GetProperty("range").GetString());
        Assert.Equal(JsonValueKind.Array, result.GetProperty("columns").ValueKind);
        Assert.Equal(JsonValueKind.Array, result.GetProperty("styles").ValueKind);
        Assert.Contains("Product A", answer.GetProperty("message").GetString());

        // tokens and processing time as the service's own API reports them, the time in seconds.
        var own = await client.GetJsonAsync($"/api/ai/result/{id}");
        Assert.Equal(own.GetProperty("tokens").GetProperty("total").GetInt32(), answer.GetProperty("tokens_used").GetInt32());
        Assert.True(answer.GetProperty("tokens_used").GetInt32() > 0);
        Assert.Equal(Math.Round(own.GetProperty("processing_time_ms").GetDouble() / 1000, 3), answer.GetProperty("processing_time").GetDouble(), 3);
    }

    [Fact]
    public async Task Styled_request_reaches_the_formatting_answer_and_styles_come_back_on_rows()
    {
        var client = _app.CreateClient();
        var answer = await client.RunAsync("spreadsheets", UpstreamClient.StyledSpreadsheet);
        Assert.True(answer.GetProperty("success").GetBoolean());
        var result = answer.GetProperty("result");
        var styles = result.GetProperty("styles").EnumerateArray().ToList();
        var header = styles.Single(s => s.GetProperty("id").GetString() == "header");
        Assert.Equal("bold", header.GetProperty("font_weight").GetString());
        Assert.Equal("#D9D9D9", header.GetProperty("background_color").GetString());
        Assert.Equal("center", header.GetProperty("horizontal_alignment").GetString());
        Assert.Equal(4, header.GetProperty("border").GetArrayLength());
        // Formatting styles the input in place: style-only rows over its cells.
        var rows = result.GetProperty("data").GetProperty("rows").EnumerateArray().ToList();
        Assert.Contains(rows, r => r.GetProperty("style").GetString() == "header" && r.GetProperty("range").GetString() == "A1:B1"
                                   && r.GetProperty("values").ValueKind == JsonValueKind.Null);
    }

    [Fact]
    public async Task A_pending_result_is_200_with_success_false()
    {
        using var slow = new TestApp(new Dictionary<string, string?> { ["GigaChat:DryRunDelayMs"] = "5000" });
        var client = slow.CreateClient();
        var id = await client.ProcessAsync("spreadsheets", UpstreamClient.ReadmeSpreadsheet("Посчитай итоги", "spreadsheet-analysis"));
        var result = await client.GetJsonAsync($"/api/v1/spreadsheets/result/{id}");
        Assert.False(result.GetProperty("success").GetBoolean());
        Assert.Contains(result.GetProperty("status").GetString(), new[] { "pending", "processing" });
        Assert.Equal("Request is still being processed", result.GetProperty("message").GetString());
        Assert.Equal(JsonValueKind.Null, result.GetProperty("result").ValueKind);
        var status = await client.GetJsonAsync($"/api/v1/spreadsheets/status/{id}");
        Assert.False(status.GetProperty("success").GetBoolean());
        Assert.Equal("Request is being processed", status.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Unknown_ids_are_404_with_upstream_detail()
    {
        var client = _app.CreateClient();
        foreach (var url in new[] { $"/api/v1/spreadsheets/status/{Guid.NewGuid()}", $"/api/v1/spreadsheets/result/{Guid.NewGuid()}", "/api/v1/spreadsheets/result/not-a-uuid" })
        {
            var body = await client.GetJsonAsync(url, 404);
            Assert.Equal("Request not found", body.GetProperty("detail").GetString());
        }
    }

    [Fact]
    public async Task Invalid_bodies_are_422_in_fastapi_format_naming_the_field()
    {
        var client = _app.CreateClient();
        var missing = await UpstreamClient.DetailAsync(await client.PostBodyAsync("/api/v1/spreadsheets/process", new { spreadsheet_data = new { } }));
        Assert.Contains(missing, e => UpstreamClient.Loc(e) == "body.query_text" && e.GetProperty("type").GetString() == "missing");

        var extra = await UpstreamClient.DetailAsync(await client.PostBodyAsync("/api/v1/spreadsheets/process",
            new { spreadsheet_data = new { }, query_text = "Итоги", querry = "typo" }));
        var unknown = Assert.Single(extra);
        Assert.Equal("extra_forbidden", unknown.GetProperty("type").GetString());
        Assert.Equal("body.querry", UpstreamClient.Loc(unknown));

        var badStyle = await UpstreamClient.DetailAsync(await client.PostBodyAsync("/api/v1/spreadsheets/process", new
        {
            spreadsheet_data = new
            {
                data = new { header = new { values = new[] { "A" }, style = "missing" }, rows = new[] { new { values = new object[] { 1 } } } },
                styles = new[] { new { id = "s", font_weight = "heavy" } },
            },
            query_text = "Оформи",
        }));
        Assert.Contains(badStyle, e => UpstreamClient.Loc(e) == "body.spreadsheet_data.styles.0.font_weight");

        var badReference = await UpstreamClient.DetailAsync(await client.PostBodyAsync("/api/v1/spreadsheets/process", new
        {
            spreadsheet_data = new { data = new { header = new { values = new[] { "A" }, style = "missing" }, rows = new[] { new { values = new object[] { 1 } } } } },
            query_text = "Оформи",
        }));
        Assert.Contains(badReference, e => UpstreamClient.Loc(e) == "body.spreadsheet_data.data.header.style" && e.GetProperty("msg").GetString()!.Contains("missing"));

        var category = await UpstreamClient.DetailAsync(await client.PostBodyAsync("/api/v1/spreadsheets/process",
            UpstreamClient.ReadmeSpreadsheet("Итоги", "no-such-category")));
        Assert.Contains(category, e => UpstreamClient.Loc(e) == "body.category");

        var notJson = await client.PostAsync("/api/v1/spreadsheets/process", new StringContent("{", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, notJson.StatusCode);
    }

    [Fact]
    public async Task Validate_reports_broken_references_and_unused_styles()
    {
        var client = _app.CreateClient();
        var good = await client.PostJsonAsync("/api/v1/spreadsheets/validate", new
        {
            data = new { header = new { values = new[] { "Name", "Value" }, style = "h" }, rows = new[] { new { values = new object[] { "Item", 1 } } } },
            styles = new[] { new { id = "h", font_weight = "bold" } },
        }, 200);
        Assert.True(good.GetProperty("success").GetBoolean());
        Assert.True(good.GetProperty("is_valid").GetBoolean());
        Assert.True(good.GetProperty("is_consistent").GetBoolean());
        Assert.Equal(1, good.GetProperty("style_count").GetInt32());
        Assert.Equal("Validation completed", good.GetProperty("message").GetString());

        var bad = await client.PostJsonAsync("/api/v1/spreadsheets/validate", new
        {
            data = new { header = new { values = new[] { "Name", "Value" }, style = "nowhere" }, rows = new[] { new { values = new object[] { "Item", 1 } } } },
            styles = new[] { new { id = "unused", font_weight = "bold" } },
        }, 200);
        Assert.False(bad.GetProperty("is_valid").GetBoolean());
        Assert.Contains("nowhere", bad.GetProperty("validation_errors")[0].GetString());
        Assert.False(bad.GetProperty("is_consistent").GetBoolean());
        Assert.Contains("unused", bad.GetProperty("consistency_warnings")[0].GetString());

        var shape = await UpstreamClient.DetailAsync(await client.PostBodyAsync("/api/v1/spreadsheets/validate",
            new { styles = new[] { new { id = "x", background_color = "red" } } }));
        Assert.Contains(shape, e => UpstreamClient.Loc(e) == "body.styles.0.background_color");
    }

    [Fact]
    public async Task Header_search_finds_known_headers_nearest_first()
    {
        var client = _app.CreateClient();
        // Headers become known once a table with them is accepted.
        await client.ProcessAsync("spreadsheets", new
        {
            spreadsheet_data = new
            {
                worksheet = new { range = "A1:B2" },
                data = new { header = new { values = new[] { "Выручка, руб", "Менеджер" } }, rows = new[] { new { values = new object[] { 100, "Иванов" } } } },
            },
            query_text = "Посчитай итоги",
            category = "spreadsheet-analysis",
        });
        var found = await client.PostJsonAsync("/api/v1/spreadsheets/data/search?domain=header&limit=2", new { data = new[] { "выручка руб", "менеджеры" } }, 200);
        Assert.Equal(2, found.GetArrayLength());
        Assert.Equal("выручка руб", found[0].GetProperty("search_text").GetString());
        var best = found[0].GetProperty("search_results")[0];
        Assert.Equal("Выручка, руб", best.GetProperty("text").GetString());
        Assert.Equal(1, best.GetProperty("score").GetDouble()); // the same words, case and punctuation aside
        Assert.True(found[0].GetProperty("search_results")[1].GetProperty("score").GetDouble() < 1);
        Assert.Equal("Менеджер", found[1].GetProperty("search_results")[0].GetProperty("text").GetString());
        Assert.True(found[1].GetProperty("search_results").GetArrayLength() <= 2);

        var single = await client.PostJsonAsync("/api/v1/spreadsheets/data/search?domain=header&limit=1", new { data = "Менеджр" }, 200);
        Assert.Equal("Менеджер", single[0].GetProperty("search_results")[0].GetProperty("text").GetString()); // a typo still matches

        var domain = await client.PostJsonAsync("/api/v1/spreadsheets/data/search?domain=cells&limit=1", new { data = "x" }, 400);
        Assert.Equal("Invalid domain parameter. Only 'header' is supported.", domain.GetProperty("detail").GetString());
        var limit = await client.PostJsonAsync("/api/v1/spreadsheets/data/search?domain=header&limit=0", new { data = "x" }, 400);
        Assert.Equal("Limit must be between 1 and 100", limit.GetProperty("detail").GetString());
        var noLimit = await UpstreamClient.DetailAsync(await client.PostBodyAsync("/api/v1/spreadsheets/data/search?domain=header", new { data = "x" }));
        Assert.Contains(noLimit, e => UpstreamClient.Loc(e) == "query.limit");
    }
}
