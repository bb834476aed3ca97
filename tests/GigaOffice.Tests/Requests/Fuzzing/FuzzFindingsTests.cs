using System.Net;
using System.Text;
using System.Text.Json;

namespace GigaOffice.Tests.Requests.Fuzzing;

/// <summary>The bugs the API fuzz test found, pinned as plain examples.</summary>
public sealed class FuzzFindingsTests(TestAppFixture app) : IClassFixture<TestAppFixture>
{
    private readonly HttpClient _client = app.Client;

    private Task<HttpResponseMessage> PostAsync(string body, string contentType = "application/json", string? accept = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/ai/process") { Content = new StringContent(body, Encoding.UTF8) };
        request.Content.Headers.Remove("Content-Type");
        request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        if (accept is not null) request.Headers.TryAddWithoutValidation("Accept", accept);
        return _client.SendAsync(request);
    }

    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"{(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(text).RootElement;
    }

    [Theory]
    [InlineData("application/xml")]
    [InlineData("text/html")]
    public async Task Clients_that_do_not_ask_for_json_still_get_a_problem_naming_the_field(string accept)
    {
        var problem = await ProblemAsync(await PostAsync("""{"query_text": 5}""", accept: accept), HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("query_text", out _), problem.ToString());

        await ProblemAsync(await PostAsync("""{"query_text": "сумма"}""", "text/plain", accept), HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task Unknown_charset_is_a_415_not_a_500()
    {
        var problem = await ProblemAsync(await PostAsync("""{"query_text": "сумма"}""", "application/json; charset=nonsense"), HttpStatusCode.UnsupportedMediaType);
        Assert.Contains("UTF-8", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Lone_surrogate_in_a_cell_is_a_400_naming_the_cell()
    {
        var problem = await ProblemAsync(await PostAsync("""{"query_text": "сумма", "input_data": [["a", "b\ud83d"]]}"""), HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("input_data[0][1]", out _), problem.ToString());
    }

    [Fact]
    public async Task Invalid_utf8_in_a_cell_is_a_400_naming_the_cell()
    {
        // Byte 0xFF is never UTF-8; the fuzz test found it reaching the classifier as a 500.
        var body = Encoding.UTF8.GetBytes("""{"query_text": "сумма", "input_data": [["Месяц", "Продажи"], ["Янва?ь", 10]]}""");
        body[Array.IndexOf(body, (byte)'?')] = 0xFF;
        var content = new ByteArrayContent(body);
        content.Headers.TryAddWithoutValidation("Content-Type", "application/json");
        var problem = await ProblemAsync(await _client.PostAsync("/api/ai/process", content), HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("input_data[1][0]", out _), problem.ToString());
    }

    [Fact]
    public async Task Number_beyond_double_in_a_cell_is_a_400_naming_the_cell()
    {
        var problem = await ProblemAsync(await PostAsync("""{"query_text": "сумма", "input_data": [["a", 1], ["b", 1e309]]}"""), HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("input_data[1][1]", out _), problem.ToString());
    }

    [Theory]
    [InlineData("""[["Товар", "Январь", "Февраль"], ["A", 1e308, 1.7e308], ["B", -1e308, -1.7e308]]""")]
    [InlineData("""[["Товар", "Январь", "Февраль"], ["A", "Infinity", "NaN"], ["B", "-Infinity", 5]]""")]
    public async Task Overflowing_figures_complete_instead_of_failing_the_worker(string table)
    {
        var id = await _client.SubmitAsync(JsonDocument.Parse($$"""{"query_text": "Проанализируй", "category": "analysis", "input_data": {{table}}}""").RootElement);
        var status = await _client.WaitFinishedAsync(id);
        Assert.Equal("completed", status.GetProperty("status").GetString());
    }
}
