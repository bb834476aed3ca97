using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using GigaOffice.Data;
using GigaOffice.Prompts;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace GigaOffice.Tests.Prompts;

public sealed class AdminApiTests : IDisposable
{
    private readonly TestApp _app = new TestApp().WithServiceDefaults().WithAdminKey();
    public void Dispose() => _app.Dispose();

    [Theory]
    [InlineData("GET", "/api/admin/categories")]
    [InlineData("POST", "/api/admin/categories")]
    [InlineData("PATCH", "/api/admin/categories/spreadsheet-analysis")]
    [InlineData("DELETE", "/api/admin/categories/spreadsheet-analysis")]
    [InlineData("GET", "/api/admin/presets")]
    [InlineData("POST", "/api/admin/presets")]
    [InlineData("DELETE", "/api/admin/presets/analysis-find-trends")]
    public async Task Refuses_without_a_key_or_with_a_wrong_one(string method, string path)
    {
        var client = _app.CreateClient();
        var missing = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path) { Content = JsonContent.Create(new { }) });
        Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Bearer", missing.Headers.WwwAuthenticate.ToString());

        var wrong = new HttpRequestMessage(new HttpMethod(method), path) { Content = JsonContent.Create(new { }) };
        wrong.Headers.Add("X-Admin-Key", TestApp.AdminKey + "x");
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(wrong)).StatusCode);

        var wrongBearer = new HttpRequestMessage(new HttpMethod(method), path) { Content = JsonContent.Create(new { }) };
        wrongBearer.Headers.Authorization = new AuthenticationHeaderValue("Bearer", TestApp.AdminKey[..^1]);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(wrongBearer)).StatusCode);

        // Nothing was changed by the refused calls.
        var categories = await _app.Admin().GetFromJsonAsync<JsonArray>("/api/admin/categories");
        Assert.True(categories!.Single(c => c!["name"]!.GetValue<string>() == "spreadsheet-analysis")!["is_active"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Accepts_the_key_as_bearer_token_too()
    {
        var client = _app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TestApp.AdminKey);
        var response = await client.GetAsync("/api/admin/categories");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var categories = await response.Content.ReadFromJsonAsync<JsonArray>();
        Assert.Contains(categories!, c => c!["name"]!.GetValue<string>() == "uncertain" && !c["is_active"]!.GetValue<bool>());
        Assert.All(categories!, c => Assert.False(string.IsNullOrEmpty(c!["system_prompt"]!.GetValue<string>())));
    }

    [Fact]
    public async Task Without_a_configured_key_the_admin_api_is_off()
    {
        using var app = new TestApp(new() { ["Admin:ApiKey"] = "" }).WithServiceDefaults().WithAdminKey();
        var client = app.Admin();
        var response = await client.GetAsync("/api/admin/categories");
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("GIGAOFFICE_ADMIN_KEY", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Changing_a_system_prompt_raises_the_version_and_requests_record_it()
    {
        var admin = _app.Admin();
        var client = _app.CreateClient();
        var before = await RunAnalysisAsync(client, "Посчитай среднее");
        Assert.Equal(1, before["prompt_version"]!.GetValue<int>());

        var patch = await admin.PatchAsJsonAsync("/api/admin/categories/spreadsheet-analysis",
            new { system_prompt = "Ты — аналитик. Отвечай JSON {\"text\", \"output_range\", \"table\", \"chart\"}." }, ApiCalls.Json);
        Assert.Equal(HttpStatusCode.OK, patch.StatusCode);
        var updated = await patch.Content.ReadFromJsonAsync<JsonObject>();
        Assert.Equal(2, updated!["version"]!.GetValue<int>());
        Assert.True(updated["is_customized"]!.GetValue<bool>());

        // Cosmetic changes do not make a new prompt version.
        var renamed = await admin.PatchAsJsonAsync("/api/admin/categories/spreadsheet-analysis", new { display_name = "Анализ данных" }, ApiCalls.Json);
        Assert.Equal(2, (await renamed.Content.ReadFromJsonAsync<JsonObject>())!["version"]!.GetValue<int>());

        // This instance sees the change at once (its cache was invalidated).
        var after = await RunAnalysisAsync(client, "Посчитай среднее ещё раз");
        Assert.Equal(2, after["prompt_version"]!.GetValue<int>());
        var categories = await client.GetFromJsonAsync<JsonArray>("/api/prompts/categories");
        Assert.Contains(categories!, c => c!["display_name"]!.GetValue<string>() == "Анализ данных" && c["version"]!.GetValue<int>() == 2);

        var versions = await admin.GetFromJsonAsync<JsonArray>("/api/admin/categories/spreadsheet-analysis/versions");
        Assert.Equal([2, 1], versions!.Select(v => v!["version"]!.GetValue<int>()));
        Assert.Equal("admin", versions![0]!["source"]!.GetValue<string>());
        Assert.StartsWith("Ты — аналитик.", versions[0]!["system_prompt"]!.GetValue<string>());
        Assert.Equal("seed", versions[1]!["source"]!.GetValue<string>());
    }

    [Fact]
    public async Task Seeding_at_start_leaves_customised_rows_alone()
    {
        await _app.Admin().PatchAsJsonAsync("/api/admin/categories/data-chart", new { system_prompt = "Свой промпт", keywords = new[] { "схема" } }, ApiCalls.Json);
        await using (var scope = _app.Services.CreateAsyncScope())
            await ActivatorUtilities.CreateInstance<PromptSeeder>(scope.ServiceProvider).SeedAsync(CancellationToken.None);
        await using var check = _app.Services.CreateAsyncScope();
        var row = await check.ServiceProvider.GetRequiredService<GigaOfficeDbContext>().Categories.AsNoTracking().SingleAsync(c => c.Name == "data-chart");
        Assert.Equal("Свой промпт", row.SystemPrompt);
        Assert.Equal("[\"схема\"]", row.KeywordsJson);
        Assert.Equal(2, row.Version);
    }

    [Fact]
    public async Task Create_use_and_deactivate_a_category()
    {
        var admin = _app.Admin();
        var client = _app.CreateClient();
        var created = await admin.PostAsJsonAsync("/api/admin/categories", new
        {
            name = "spreadsheet-cleanup",
            display_name = "Очистить данные",
            description = "Удаление лишних пробелов и пустых строк.",
            result_kind = "table",
            system_prompt = "Ты очищаешь таблицы. Отвечай JSON.",
            keywords = new[] { "очисти", "пробел" },
            examples = new[] { new { query = "Очисти пробелы", input_range = "A1:A2", input_data = new[] { new[] { " a " }, new[] { "b " } }, answer = "{\"text\": \"Готово.\", \"output_range\": \"C1:C2\", \"table\": [[\"a\"], [\"b\"]], \"chart\": null}" } },
        }, ApiCalls.Json);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("/api/admin/categories/spreadsheet-cleanup", created.Headers.Location?.ToString());

        var duplicate = await admin.PostAsJsonAsync("/api/admin/categories", new { name = "spreadsheet-cleanup", display_name = "x", system_prompt = "x" }, ApiCalls.Json);
        Assert.Equal(HttpStatusCode.Conflict, duplicate.StatusCode);

        var categories = await client.GetFromJsonAsync<JsonArray>("/api/prompts/categories");
        Assert.Contains(categories!, c => c!["name"]!.GetValue<string>() == "spreadsheet-cleanup");
        var accepted = await client.PostAsJsonAsync("/api/ai/process", new { query_text = "Очисти пробелы", category = "spreadsheet-cleanup", input_range = "A1:A2", input_data = new[] { new[] { " a " }, new[] { "b" } } }, ApiCalls.Json);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var classified = await client.PostAsJsonAsync("/api/prompts/classify", new { query_text = "очисти лишние пробелы в ячейках" }, ApiCalls.Json);
        Assert.Equal("spreadsheet-cleanup", (await classified.Content.ReadFromJsonAsync<JsonObject>())!["category"]!.GetValue<string>());

        var deleted = await admin.DeleteAsync("/api/admin/categories/spreadsheet-cleanup");
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        Assert.False((await deleted.Content.ReadFromJsonAsync<JsonObject>())!["is_active"]!.GetValue<bool>());
        var refused = await client.PostAsJsonAsync("/api/ai/process", new { query_text = "Очисти", category = "spreadsheet-cleanup" }, ApiCalls.Json);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("\"category\"", await refused.Content.ReadAsStringAsync());
        // The row stays (requests refer to it) and can be switched on again.
        var reactivated = await admin.PatchAsJsonAsync("/api/admin/categories/spreadsheet-cleanup", new { is_active = true }, ApiCalls.Json);
        Assert.True((await reactivated.Content.ReadFromJsonAsync<JsonObject>())!["is_active"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Invalid_changes_name_the_field()
    {
        var admin = _app.Admin();
        var bad = await admin.PostAsJsonAsync("/api/admin/categories", new { name = "Bad Name", display_name = "", result_kind = "movie", system_prompt = "x" }, ApiCalls.Json);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var errors = (await bad.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!.AsObject();
        Assert.True(errors.ContainsKey("name"));
        Assert.True(errors.ContainsKey("display_name"));
        Assert.True(errors.ContainsKey("result_kind"));

        var emptyPrompt = await admin.PatchAsJsonAsync("/api/admin/categories/spreadsheet-analysis", new { system_prompt = " " }, ApiCalls.Json);
        Assert.Equal(HttpStatusCode.BadRequest, emptyPrompt.StatusCode);
        Assert.Contains("system_prompt", await emptyPrompt.Content.ReadAsStringAsync());

        var badExample = await admin.PatchAsJsonAsync("/api/admin/categories/spreadsheet-analysis", new { examples = new[] { new { query = "q", answer = "" } } }, ApiCalls.Json);
        Assert.Contains("examples[0].answer", await badExample.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.NotFound, (await admin.PatchAsJsonAsync("/api/admin/categories/nope", new { description = "x" }, ApiCalls.Json)).StatusCode);
    }

    [Fact]
    public async Task Presets_are_created_updated_and_deactivated()
    {
        var admin = _app.Admin();
        var client = _app.CreateClient();
        var created = await admin.PostAsJsonAsync("/api/admin/presets", new { name = "analysis-top-three", category = "spreadsheet-analysis", title = "Тройка лидеров", prompt_text = "Найди три товара с наибольшей выручкой" }, ApiCalls.Json);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var presets = await client.GetFromJsonAsync<JsonArray>("/api/prompts/presets?category=analysis");
        Assert.Contains(presets!, p => p!["name"]!.GetValue<string>() == "analysis-top-three");

        var moved = await admin.PatchAsJsonAsync("/api/admin/presets/analysis-top-three", new { category = "data-chart", title = "Лидеры на диаграмме" }, ApiCalls.Json);
        Assert.Equal(HttpStatusCode.OK, moved.StatusCode);
        presets = await client.GetFromJsonAsync<JsonArray>("/api/prompts/presets?category=data-chart");
        Assert.Contains(presets!, p => p!["title"]!.GetValue<string>() == "Лидеры на диаграмме");

        var badCategory = await admin.PostAsJsonAsync("/api/admin/presets", new { name = "x-preset", category = "nope", title = "t", prompt_text = "p" }, ApiCalls.Json);
        Assert.Equal(HttpStatusCode.BadRequest, badCategory.StatusCode);
        Assert.Contains("\"category\"", await badCategory.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, (await admin.DeleteAsync("/api/admin/presets/analysis-find-trends")).StatusCode);
        presets = await client.GetFromJsonAsync<JsonArray>("/api/prompts/presets");
        Assert.DoesNotContain(presets!, p => p!["name"]!.GetValue<string>() == "analysis-find-trends");
        var all = await admin.GetFromJsonAsync<JsonArray>("/api/admin/presets");
        Assert.Contains(all!, p => p!["name"]!.GetValue<string>() == "analysis-find-trends" && !p["is_active"]!.GetValue<bool>() && p["is_customized"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Admin_sees_the_raw_answer_of_a_request()
    {
        var result = await RunAnalysisAsync(_app.CreateClient(), "Посчитай итоги");
        var id = result["request_id"]!.GetValue<string>();
        var request = await _app.Admin().GetFromJsonAsync<JsonObject>($"/api/admin/requests/{id}");
        Assert.Equal("completed", request!["status"]!.GetValue<string>());
        Assert.Contains("\"table\"", request["result_json"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Unauthorized, (await _app.CreateClient().GetAsync($"/api/admin/requests/{id}")).StatusCode);
    }

    private static Task<JsonObject> RunAnalysisAsync(HttpClient client, string query) =>
        client.RunAsync("/api/ai/process", new { query_text = query, category = "spreadsheet-analysis", input_range = "A1:D3", input_data = TestPrompts.Sales });
}
