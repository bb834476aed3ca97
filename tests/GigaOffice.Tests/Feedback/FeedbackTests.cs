using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace GigaOffice.Tests.Feedback;

public sealed class FeedbackTests : IDisposable
{
    private readonly TestApp _app = new TestApp().WithServiceDefaults().WithAdminKey();
    public void Dispose() => _app.Dispose();

    [Fact]
    public async Task Ratings_show_in_metrics_per_category_and_prompt_version()
    {
        var client = _app.CreateClient();
        var first = await Run(client, "Посчитай среднее", "analysis");
        var second = await Run(client, "Посчитай сумму", "analysis");
        var chart = await Run(client, "Построй диаграмму", "chart");

        Assert.Equal(HttpStatusCode.Created, (await Rate(client, first, 5, "Отлично")).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await Rate(client, second, 2, null)).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await Rate(client, chart, 4, null)).StatusCode);
        // Rating again replaces the earlier rating.
        var again = await Rate(client, second, 3, "Уже лучше");
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(3, (await again.Content.ReadFromJsonAsync<JsonObject>())!["rating"]!.GetValue<int>());

        // A new prompt version is rated separately.
        await _app.Admin().PatchAsJsonAsync("/api/admin/categories/spreadsheet-analysis", new { system_prompt = "Версия 2." }, ApiCalls.Json);
        var third = await Run(client, "Посчитай медиану", "analysis");
        await Rate(client, third, 1, "Хуже");

        var feedback = (await client.GetFromJsonAsync<JsonObject>("/api/metrics"))!["feedback"]!.AsArray();
        var v1 = feedback.Single(f => f!["category"]!.GetValue<string>() == "spreadsheet-analysis" && f["prompt_version"]!.GetValue<int>() == 1)!;
        Assert.Equal(2, v1["count"]!.GetValue<int>());
        Assert.Equal(4.0, v1["average_rating"]!.GetValue<double>());
        Assert.Equal(1, v1["ratings"]!["5"]!.GetValue<int>());
        Assert.Equal(1, v1["ratings"]!["3"]!.GetValue<int>());
        Assert.Equal(0, v1["ratings"]!["2"]!.GetValue<int>());
        var v2 = feedback.Single(f => f!["category"]!.GetValue<string>() == "spreadsheet-analysis" && f["prompt_version"]!.GetValue<int>() == 2)!;
        Assert.Equal(1.0, v2["average_rating"]!.GetValue<double>());
        Assert.Contains(feedback, f => f!["category"]!.GetValue<string>() == "data-chart" && f["average_rating"]!.GetValue<double>() == 4.0);
    }

    [Fact]
    public async Task Bad_feedback_is_refused_naming_the_field()
    {
        var client = _app.CreateClient();
        var id = await Run(client, "Посчитай среднее", "analysis");
        foreach (var (body, field) in new (object, string)[]
                 {
                     (new { request_id = id, rating = 0 }, "rating"),
                     (new { request_id = id, rating = 6 }, "rating"),
                     (new { request_id = id }, "rating"),
                     (new { request_id = "not-a-uuid", rating = 3 }, "request_id"),
                     (new { request_id = id, rating = 3, comment = new string('x', 2001) }, "comment"),
                 })
        {
            var response = await client.PostAsJsonAsync("/api/ai/feedback", body, ApiCalls.Json);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.True((await response.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!.AsObject().ContainsKey(field));
        }
        Assert.Equal(HttpStatusCode.NotFound, (await Rate(client, Guid.NewGuid().ToString(), 3, null)).StatusCode);
    }

    private static async Task<string> Run(HttpClient client, string query, string category) =>
        (await client.RunAsync("/api/ai/process", new { query_text = query, category, input_range = "A1:D3", input_data = TestPrompts.Sales }))["request_id"]!.GetValue<string>();

    private static Task<HttpResponseMessage> Rate(HttpClient client, string id, int rating, string? comment) =>
        client.PostAsJsonAsync("/api/ai/feedback", new { request_id = id, rating, comment }, ApiCalls.Json);
}
