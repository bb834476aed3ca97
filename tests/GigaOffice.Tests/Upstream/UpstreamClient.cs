using System.Net.Http.Json;
using System.Text.Json;

namespace GigaOffice.Tests.Upstream;

/// <summary>
/// Requests shaped as the upstream server's clients send them (from its pydantic models, its
/// README and its prompt examples), and polling the way those clients poll.
/// </summary>
internal static class UpstreamClient
{
    /// <summary>upstream README: "Добавь колонку с итогами..." over a single-cell worksheet range.</summary>
    public static object ReadmeSpreadsheet(string query, string? category) => new
    {
        query_text = query,
        category,
        spreadsheet_data = new
        {
            metadata = new { version = "1.0", format = "enhanced-spreadsheet-data" },
            worksheet = new { name = "Sales", range = "A1" },
            data = new
            {
                header = new { values = new object[] { "Product", "Q1", "Q2" } },
                rows = new[] { new { values = new object[] { "Product A", 1000, 1200 } }, new { values = new object[] { "Product B", 800, 900 } } },
            },
        },
    };

    /// <summary>upstream README (V2 example): styles referenced by id from the header and rows.</summary>
    public static object StyledSpreadsheet => new
    {
        spreadsheet_data = new
        {
            metadata = new { version = "2.0" },
            data = new
            {
                header = new { values = new object[] { "Name", "Value" }, style = "header_style" },
                rows = new[] { new { values = new object[] { "Item 1", 100 }, style = "row_style" } },
            },
            styles = new object[]
            {
                new { id = "header_style", background_color = "#4472C4", font_weight = "bold" },
                new { id = "row_style", background_color = "#F2F2F2" },
            },
        },
        query_text = "Сделай таблицу более красивой",
        category = "spreadsheet-formatting",
    };

    /// <summary>upstream's chart router docstring: ranges and formats only.</summary>
    public static object Chart(string chartType = "data-chart") => new
    {
        data_range = "A1:C18",
        chart_data = new[]
        {
            new { name = "Время", range = "A2:A18", format = "hh:mm" },
            new { name = "Цена открытия", range = "B2:B18", format = "# ##0.00" },
        },
        chart_type = chartType,
        query_text = "Построй график изменения величины во времени.",
    };

    /// <summary>upstream's data-histogram example_01: statistics of the price column, no rows.</summary>
    public static object Histogram => new
    {
        spreadsheet_data = new
        {
            metadata = new { version = "1.0" },
            worksheet = new { name = "Товары", range = "A1:B100" },
            data = new { header = new { values = new[] { "Товар", "Цена" }, range = "A1:B1" }, rows = Array.Empty<object>() },
            columns = new object[]
            {
                new { index = 0, format = "General", range = "A2:A100" },
                new { index = 1, format = "# ##0.00", range = "B2:B100", min = 50.0, max = 5000.0, median = 850.0, count = 99 },
            },
        },
        query_text = "Построй гистограмму распределения цен товаров",
        category = "data-histogram",
    };

    public static async Task<string> ProcessAsync(this HttpClient client, string kind, object body)
    {
        var accepted = await client.PostJsonAsync($"/api/v1/{kind}/process", body, 200);
        Assert.True(accepted.GetProperty("success").GetBoolean());
        Assert.Equal("queued", accepted.GetProperty("status").GetString());
        return accepted.GetProperty("request_id").GetString()!;
    }

    /// <summary>Polls /api/v1/{kind}/status until completed or failed; fails loudly if it never is.</summary>
    public static async Task<JsonElement> WaitAsync(this HttpClient client, string kind, string id)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var status = await client.GetJsonAsync($"/api/v1/{kind}/status/{id}");
            Assert.Equal(id, status.GetProperty("request_id").GetString());
            var state = status.GetProperty("status").GetString();
            if (state is "completed" or "failed") return status;
            Assert.Contains(state, new[] { "pending", "processing" });
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Request {id} still {state}");
            await Task.Delay(50);
        }
    }

    public static async Task<JsonElement> RunAsync(this HttpClient client, string kind, object body)
    {
        var id = await client.ProcessAsync(kind, body);
        await client.WaitAsync(kind, id);
        return await client.GetJsonAsync($"/api/v1/{kind}/result/{id}");
    }

    /// <summary>The 422 FastAPI detail list, asserting its shape.</summary>
    public static async Task<JsonElement[]> DetailAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == 422, $"Expected 422, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var detail = JsonDocument.Parse(text).RootElement.GetProperty("detail");
        Assert.Equal(JsonValueKind.Array, detail.ValueKind);
        return detail.EnumerateArray().Select(e => e.Clone()).ToArray();
    }

    public static string Loc(JsonElement error) => string.Join('.', error.GetProperty("loc").EnumerateArray().Select(l => l.ToString()));

    public static Task<HttpResponseMessage> PostBodyAsync(this HttpClient client, string url, object body) => client.PostAsJsonAsync(url, body);
}
