using System.Text.Json;

namespace GigaOffice.Tests.Upstream;

/// <summary>Charts and histograms from ranges and statistics only, answered by the dry-run model.</summary>
public sealed class UpstreamChartTests : IDisposable
{
    private readonly TestApp _app = new();
    public void Dispose() => _app.Dispose();

    [Fact]
    public async Task Chart_from_ranges_and_formats_comes_back_as_chart_config()
    {
        var client = _app.CreateClient();
        var id = await client.ProcessAsync("charts", UpstreamClient.Chart());
        var status = await client.WaitAsync("charts", id);
        Assert.True(status.GetProperty("success").GetBoolean());
        Assert.False(status.TryGetProperty("message", out _)); // upstream's chart status has no message

        var result = await client.GetJsonAsync($"/api/v1/charts/result/{id}");
        Assert.True(result.GetProperty("success").GetBoolean());
        Assert.Equal("completed", result.GetProperty("status").GetString());
        Assert.Equal("Chart generated successfully", result.GetProperty("message").GetString());
        var config = result.GetProperty("chart_config");
        Assert.Equal("lineNormal", config.GetProperty("chart_type").GetString()); // "во времени"
        Assert.False(string.IsNullOrWhiteSpace(config.GetProperty("title").GetString()));
        var series = config.GetProperty("series_config");
        Assert.Equal(0, series.GetProperty("x_axis_column").GetInt32()); // Время, A
        Assert.Equal([1], series.GetProperty("y_axis_columns").EnumerateArray().Select(e => e.GetInt32()).ToArray()); // Цена открытия, B
        Assert.Equal("Цена открытия", series.GetProperty("series_names")[0].GetString());
        var position = config.GetProperty("position");
        Assert.Equal("E1", position.GetProperty("anchor_cell").GetString()); // right of A1:C18, one column apart
        Assert.Equal(4 * 64, position.GetProperty("x").GetInt32());
        Assert.True(position.GetProperty("width").GetInt32() >= 100 && position.GetProperty("height").GetInt32() >= 100);
        var styling = config.GetProperty("styling");
        Assert.Equal("office", styling.GetProperty("color_scheme").GetString());
        Assert.Equal("bottom", styling.GetProperty("legend_position").GetString());
        Assert.True(result.GetProperty("tokens_used").GetInt32() > 0);
        Assert.Equal(JsonValueKind.Number, result.GetProperty("processing_time").ValueKind);
    }

    [Fact]
    public async Task A_chart_type_in_chart_type_is_the_type_drawn()
    {
        var client = _app.CreateClient();
        var result = await client.RunAsync("charts", UpstreamClient.Chart("pie"));
        var config = result.GetProperty("chart_config");
        Assert.Equal("pie", config.GetProperty("chart_type").GetString());
        Assert.Equal("right", config.GetProperty("styling").GetProperty("legend_position").GetString());
    }

    [Fact]
    public async Task Whole_column_ranges_are_accepted_as_upstream_accepts_them()
    {
        var client = _app.CreateClient();
        var result = await client.RunAsync("charts", new
        {
            data_range = "A:B",
            chart_data = new[] { new { name = "Месяц", range = "a:a", format = "General" }, new { name = "Продажи", range = "B:B", format = "# ##0" } },
            chart_type = "bar",
            query_text = "Столбчатая диаграмма продаж",
        });
        var config = result.GetProperty("chart_config");
        Assert.Equal("bar", config.GetProperty("chart_type").GetString());
        Assert.Equal(0, config.GetProperty("series_config").GetProperty("x_axis_column").GetInt32());
        Assert.Equal(1, config.GetProperty("series_config").GetProperty("y_axis_columns")[0].GetInt32());
        Assert.Equal("D1", config.GetProperty("position").GetProperty("anchor_cell").GetString());
    }

    [Fact]
    public async Task Chart_requests_are_validated_as_upstream_does()
    {
        var client = _app.CreateClient();
        var detail = await UpstreamClient.DetailAsync(await client.PostBodyAsync("/api/v1/charts/process", new
        {
            data_range = "A1:C18",
            chart_data = new[] { new { name = "Время", range = "A2-A18", format = "hh:mm" } },
            chart_type = "data-chart",
            query_text = "График",
        }));
        var range = Assert.Single(detail);
        Assert.Equal("body.chart_data.0.range", UpstreamClient.Loc(range));
        Assert.Contains("Invalid range format", range.GetProperty("msg").GetString());

        var missing = await UpstreamClient.DetailAsync(await client.PostBodyAsync("/api/v1/charts/process", new { data_range = "A1:B2" }));
        Assert.Equal(["body.chart_data", "body.chart_type", "body.query_text"], missing.Select(UpstreamClient.Loc).Order().ToArray());

        var notFound = await client.GetJsonAsync($"/api/v1/charts/result/{Guid.NewGuid()}", 404);
        Assert.Equal("Chart request not found", notFound.GetProperty("detail").GetString());
        notFound = await client.GetJsonAsync($"/api/v1/charts/status/{Guid.NewGuid()}", 404);
        Assert.Equal("Chart request not found", notFound.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Histogram_from_column_statistics_gives_bins_counted_by_formulas_over_the_column()
    {
        var client = _app.CreateClient();
        var id = await client.ProcessAsync("histograms", UpstreamClient.Histogram);
        var status = await client.WaitAsync("histograms", id);
        Assert.Equal("Histogram analysis completed successfully", status.GetProperty("message").GetString());

        var result = await client.GetJsonAsync($"/api/v1/histograms/result/{id}");
        Assert.True(result.GetProperty("success").GetBoolean());
        var config = result.GetProperty("histogram_config");
        Assert.Equal([1], config.GetProperty("source_columns").EnumerateArray().Select(e => e.GetInt32()).ToArray());
        Assert.Equal(8, config.GetProperty("recommended_bins").GetInt32()); // Sturges for 99 values: ceil(log2 99 + 1)
        Assert.Equal("Интервал", config.GetProperty("range_column_name").GetString());
        Assert.Equal("Количество", config.GetProperty("count_column_name").GetString());

        // The frequency table, through the service's own API: the spreadsheet counts from its values.
        var own = await client.GetJsonAsync($"/api/ai/result/{id}");
        var table = own.GetProperty("result").GetProperty("table");
        Assert.Equal(9, table.GetArrayLength());
        Assert.Equal("[50; 668,75)", table[1][0].GetString());
        Assert.Equal("=COUNTIFS(B2:B100,\">=50\",B2:B100,\"<668.75\")", table[1][1].GetString());
        Assert.Equal("=COUNTIFS(B2:B100,\">=4381.25\",B2:B100,\"<=5000\")", table[8][1].GetString());
        Assert.Equal("D1:E9", own.GetProperty("result").GetProperty("output_range").GetString());
    }

    [Fact]
    public async Task Histogram_statistics_are_checked_with_upstream_messages()
    {
        var client = _app.CreateClient();
        var reversed = await client.PostJsonAsync("/api/v1/histograms/process", new
        {
            spreadsheet_data = new { columns = new[] { new { index = 1, range = "B2:B10", min = 10.0, max = 1.0 } } },
            query_text = "Гистограмма",
        }, 400);
        Assert.Equal("Column 1: min must be <= max", reversed.GetProperty("detail").GetString());
        var none = await client.PostJsonAsync("/api/v1/histograms/process", new { spreadsheet_data = new { }, query_text = "Гистограмма" }, 400);
        Assert.Equal("spreadsheet_data must contain at least one column definition", none.GetProperty("detail").GetString());
        var notFound = await client.GetJsonAsync($"/api/v1/histograms/status/{Guid.NewGuid()}", 404);
        Assert.Equal("Histogram request not found", notFound.GetProperty("detail").GetString());
    }
}
