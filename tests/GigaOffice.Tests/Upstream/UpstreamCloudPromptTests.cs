using FakeGigaChat;

namespace GigaOffice.Tests.Upstream;

/// <summary>In cloud mode, what upstream clients send reaches the prompt GigaChat gets (the fake records it), and its answer the client.</summary>
public sealed class UpstreamCloudPromptTests() : FakeGigaChatTest(new FakeGigaChatOptions())
{
    private string LastUserMessage() => Fake.ChatCalls.Last(c => c.Request is not null).Request!.Messages.Last(m => m.Role == "user").Content;

    [Fact]
    public async Task Spreadsheet_data_reaches_the_prompt()
    {
        using var app = new TestApp(GigaChatSettings.Cloud(Fake));
        var client = app.CreateClient();
        var result = await client.RunAsync("spreadsheets", UpstreamClient.ReadmeSpreadsheet("Проанализируй данные продаж", "spreadsheet-analysis"));
        Assert.True(result.GetProperty("success").GetBoolean());
        var prompt = LastUserMessage();
        Assert.Contains("Проанализируй данные продаж", prompt);
        Assert.Contains("A1:C3", prompt);
        Assert.Contains("[\"Product A\",1000,1200]", prompt);
        Assert.Equal(1234 + 56, result.GetProperty("tokens_used").GetInt32());
    }

    [Fact]
    public async Task Chart_ranges_and_formats_reach_the_prompt_and_the_model_answer_becomes_chart_config()
    {
        Fake.Responder = _ => FakeReply.Text("""{"text": "Цена открытия по времени", "chart": {"type": "lineNormal", "title": "Цена открытия", "data_range": "A1:B18", "series_in_rows": false, "position": "H3"}}""");
        using var app = new TestApp(GigaChatSettings.Cloud(Fake));
        var client = app.CreateClient();
        var result = await client.RunAsync("charts", UpstreamClient.Chart());
        var prompt = LastUserMessage();
        Assert.Contains("Диапазон: A1:C18", prompt);
        Assert.Contains("\"range\":\"B2:B18\"", prompt);
        Assert.Contains("\"format\":\"hh:mm\"", prompt);
        Assert.Contains("Значения ячеек не передаются", prompt);

        var config = result.GetProperty("chart_config");
        Assert.Equal("lineNormal", config.GetProperty("chart_type").GetString());
        Assert.Equal("Цена открытия", config.GetProperty("title").GetString());
        Assert.Equal("H3", config.GetProperty("position").GetProperty("anchor_cell").GetString());
        Assert.Equal(2 * 20, config.GetProperty("position").GetProperty("y").GetInt32());
    }

    [Fact]
    public async Task Histogram_statistics_reach_the_prompt_and_the_frequency_table_becomes_histogram_config()
    {
        Fake.Responder = _ => FakeReply.Text("""
            {"text": "Цены от 50 до 5000", "output_range": "D1:E4",
             "table": [["Диапазон цен (руб.)", "Количество товаров"],
                       ["[50; 1700)", "=COUNTIFS(B2:B100,\">=50\",B2:B100,\"<1700\")"],
                       ["[1700; 3350)", "=COUNTIFS(B2:B100,\">=1700\",B2:B100,\"<3350\")"],
                       ["[3350; 5000]", "=COUNTIFS(B2:B100,\">=3350\",B2:B100,\"<=5000\")"]],
             "chart": {"type": "bar", "title": "Распределение цен", "data_range": "D1:E4", "series_in_rows": false, "position": "G1"}}
            """);
        using var app = new TestApp(GigaChatSettings.Cloud(Fake));
        var client = app.CreateClient();
        var result = await client.RunAsync("histograms", UpstreamClient.Histogram);
        var prompt = LastUserMessage();
        Assert.Contains("\"name\":\"Цена\"", prompt);
        Assert.Contains("\"range\":\"B2:B100\"", prompt);
        Assert.Contains("\"median\":850", prompt);
        Assert.Contains("\"count\":99", prompt);
        Assert.Contains("COUNTIFS", prompt);

        var config = result.GetProperty("histogram_config");
        Assert.Equal([1], config.GetProperty("source_columns").EnumerateArray().Select(e => e.GetInt32()).ToArray());
        Assert.Equal(3, config.GetProperty("recommended_bins").GetInt32());
        Assert.Equal("Диапазон цен (руб.)", config.GetProperty("range_column_name").GetString());
        Assert.Equal("Количество товаров", config.GetProperty("count_column_name").GetString());
    }
}
