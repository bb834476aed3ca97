using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;

namespace GigaOffice.Tests.Requests;

/// <summary>Every kind of bad input gets a 4xx problem+json that names the field; nothing answers 500.</summary>
public sealed class ValidationTests : IClassFixture<ValidationTests.App>
{
    public sealed class App() : TestAppFixture(new Dictionary<string, string?>
    {
        ["Limits:MaxRows"] = "50", ["Limits:MaxColumns"] = "10", ["Limits:MaxCellLength"] = "100",
        ["Limits:MaxQueryLength"] = "200", ["Limits:MaxBodyBytes"] = "65536",
    });

    private readonly HttpClient _client;
    private readonly App _app;

    public ValidationTests(App app) => (_app, _client) = (app, app.Client);

    public static TheoryData<string, string, string> BadBodies => new()
    {
        { "empty query", """{"query_text": ""}""", "query_text" },
        { "blank query", """{"query_text": "   "}""", "query_text" },
        { "missing query", """{"input_range": "A1:B2"}""", "query_text" },
        { "oversize query", JsonSerializer.Serialize(new { query_text = new string('я', 201) }), "query_text" },
        { "open range", """{"query_text": "сумма", "input_range": "A1:"}""", "input_range" },
        { "nonsense range", """{"query_text": "сумма", "input_range": "hello"}""", "input_range" },
        { "range beyond sheet", """{"query_text": "сумма", "input_range": "A1:ZZZZ2"}""", "input_range" },
        { "ragged rows", """{"query_text": "сумма", "input_data": [["a", 1], ["b"]]}""", "input_data[1]" },
        { "row not array", """{"query_text": "сумма", "input_data": [["a", 1], 5]}""", "input_data[1]" },
        { "data not array", """{"query_text": "сумма", "input_data": {"a": 1}}""", "input_data" },
        { "nested cell", """{"query_text": "сумма", "input_data": [["a", {"x": 1}]]}""", "input_data[0][1]" },
        { "too many columns", JsonSerializer.Serialize(new { query_text = "сумма", input_data = new[] { Enumerable.Range(0, 11).ToArray() } }), "input_data[0]" },
        { "too many rows", JsonSerializer.Serialize(new { query_text = "сумма", input_data = Enumerable.Range(0, 51).Select(i => new[] { i }).ToArray() }), "input_data" },
        { "long cell", JsonSerializer.Serialize(new { query_text = "сумма", input_data = new[] { new[] { new string('x', 101) } } }), "input_data[0][0]" },
        // Cell lengths are UTF-16 characters, as the sheet counts them, whether the JSON escapes them or not.
        { "long cell of Cyrillic", $$"""{"query_text": "сумма", "input_data": [["ок", "{{new string('я', 101)}}"]]}""", "input_data[0][1]" },
        { "long cell of emoji", $$"""{"query_text": "сумма", "input_data": [["{{string.Concat(Enumerable.Repeat("😀", 51))}}"]]}""", "input_data[0][0]" },
        { "long escaped cell", $$"""{"query_text": "сумма", "input_data": [["{{string.Concat(Enumerable.Repeat("\\u044f", 101))}}"]]}""", "input_data[0][0]" },
        { "unknown category", """{"query_text": "сумма", "category": "astrology"}""", "category" },
        { "inactive category", """{"query_text": "сумма", "category": "uncertain"}""", "category" },
        { "query is a number", """{"query_text": 123}""", "query_text" },
        { "range is a number", """{"query_text": "сумма", "input_range": 5}""", "input_range" },
        { "category is an array", """{"query_text": "сумма", "category": ["analysis"]}""", "category" },
        { "body is an array", """[1, 2, 3]""", "body" },
        { "body is a string", "\"hello\"", "body" },
        { "truncated json", """{"query_text": "сумма", """, "body" },
        { "not json at all", "query_text=сумма", "body" },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task Bad_process_bodies_get_400_naming_the_field(string name, string body, string field)
    {
        var response = await _client.PostAsync("/api/ai/process", new StringContent(body, Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{name}: {(int)response.StatusCode} {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var errors = JsonDocument.Parse(text).RootElement.GetProperty("errors");
        Assert.True(errors.TryGetProperty(field, out _), $"{name}: errors do not name {field}: {text}");
        Assert.DoesNotContain("Exception", text);
    }

    [Fact]
    public async Task Classify_validates_like_process()
    {
        var response = await _client.PostAsync("/api/prompts/classify", new StringContent("""{"query_text": ""}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("query_text", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Empty_body_is_a_400()
    {
        var response = await _client.PostAsync("/api/ai/process", new StringContent("", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Wrong_content_type_is_a_415_problem()
    {
        var response = await _client.PostAsync("/api/ai/process", new StringContent("""{"query_text": "сумма"}""", Encoding.UTF8, "text/plain"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Oversize_body_is_a_413_problem()
    {
        var body = JsonSerializer.Serialize(new { query_text = "сумма", input_data = new[] { new[] { new string('x', 70_000) } } });
        var response = await _client.PostAsync("/api/ai/process", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Unknown_preset_category_is_a_400()
    {
        var response = await _client.GetAsync("/api/prompts/presets?category=astrology");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("category", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Running_out_of_memory_is_a_503_to_retry_not_a_500()
    {
        // Under a heap limit, requests at the size limit can run the service out of memory while a
        // body is read (docs/BENCHMARKS.md, change 38): nothing was accepted, the client may retry.
        var handler = _app.App.Services.GetServices<Microsoft.AspNetCore.Diagnostics.IExceptionHandler>().Single();
        var http = new Microsoft.AspNetCore.Http.DefaultHttpContext { RequestServices = _app.App.Services };
        http.Request.Method = "POST";
        http.Request.Path = "/api/ai/process";
        http.Response.Body = new MemoryStream();

        Assert.True(await handler.TryHandleAsync(http, new OutOfMemoryException(), CancellationToken.None));

        Assert.Equal(503, http.Response.StatusCode);
        Assert.Equal("5", http.Response.Headers.RetryAfter.ToString());
        Assert.StartsWith("application/problem+json", http.Response.ContentType);
        var text = Encoding.UTF8.GetString(((MemoryStream)http.Response.Body).ToArray());
        Assert.Contains("Сервис перегружен", text);
        Assert.DoesNotContain("Exception", text);
    }

    [Fact]
    public async Task Valid_edge_cases_are_accepted()
    {
        // Absolute references, lower case, nulls and booleans in cells, no data at all.
        await _client.SubmitAsync(new { query_text = "сумма", input_range = "$a$1:$b$2", input_data = new object?[][] { ["a", null], [true, 1.5] } });
        await _client.SubmitAsync(new { query_text = "Как посчитать среднее?" });
        // Cells of exactly the limit (100), counted in UTF-16 characters, escaped or not.
        var atLimit = $$"""{"query_text": "сумма", "input_data": [["{{new string('я', 100)}}", "{{string.Concat(Enumerable.Repeat("😀", 50))}}", "{{string.Concat(Enumerable.Repeat("\\n", 100))}}", "{{new string('x', 99)}}\u044f"]]}""";
        var response = await _client.PostAsync("/api/ai/process", new StringContent(atLimit, Encoding.UTF8, "application/json"));
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        var accepted = await _client.PostJsonAsync("/api/ai/process", new { query_text = "сумма", category = "Проанализировать" }, 202);
        Assert.Equal("spreadsheet-analysis", accepted.GetProperty("category").GetString());
    }
}
